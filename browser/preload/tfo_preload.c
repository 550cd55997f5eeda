/*
 * libtfolab-tfo-preload.so - TCP Fast Open for a program that does not ask
 * for it, such as Chromium on Linux (it has no TFO switch there).
 *
 * LD_PRELOAD'ed, it interposes connect(): on an IPv4 or IPv6 TCP socket
 * (SO_DOMAIN, SO_TYPE and SO_PROTOCOL say so) that is still closed and is
 * being connected to an IPv4 or IPv6 address, it sets TCP_FASTOPEN_CONNECT
 * first, then calls the real connect().  With that option the kernel defers
 * the SYN to the first write and sends the data in it (with a cookie, or
 * without one under net.ipv4.tcp_fastopen's 0x4 bit): connect() returns 0 at
 * once, even on a non-blocking socket, and the request leaves in the SYN.
 * No sendto(MSG_FASTOPEN) is needed.
 *
 * Other sockets (UDP, unix, MPTCP, a TCP socket already connecting, a
 * connect(AF_UNSPEC) that dissolves an association) are passed through
 * untouched.  A failed setsockopt (EOPNOTSUPP when the namespace's
 * net.ipv4.tcp_fastopen lacks the client bit) never fails the connect: the
 * connection is made without TFO.  The caller's errno is what the real
 * connect() left, as without the library.
 *
 * Only connect itself is interposed: Chromium imports connect@GLIBC_2.2.5
 * (nm -D /usr/lib/chromium/chromium), and glibc's internal calls to
 * __connect (its resolver's UDP sockets) are not TCP and bind inside libc.
 * A statically linked program or one making raw system calls is not
 * affected.
 *
 * Environment:
 *   TFOLAB_PRELOAD_DEBUG  set (non-empty): the first failed setsockopt of the
 *                         process is reported on stderr, naming the errno.
 *   TFOLAB_PRELOAD_LOG    a path: one line per TCP connect is appended,
 *                         "tfo-preload pid=P fd=F dst=ADDR:PORT tfo=R
 *                         connect=C", R being "set" or the setsockopt's errno
 *                         name and C "0" or the connect's errno name.  Each
 *                         line is one write(2) to an O_APPEND file, so the
 *                         lines of a browser's processes and threads do not
 *                         interleave.
 *
 * Thread and fork safe: no locks, no allocation, no stdio; the real
 * connect is looked up once (a race looks it up twice, harmlessly), the
 * log is opened and closed per line.  This file includes only system
 * headers: it runs inside foreign programs, so it must carry no part of
 * tfolab (scripts/check-layers keeps browser/preload at the bottom).
 */
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#define EXPORT __attribute__((visibility("default")))

typedef int (*connect_fn)(int, const struct sockaddr *, socklen_t);

static connect_fn real_connect;  /* glibc's connect, once looked up */
static int debug_reported;       /* the DEBUG report was made (once per process) */

/* The next connect in the lookup order (glibc's); NULL if there is none. */
static connect_fn next_connect(void)
{
	connect_fn f = __atomic_load_n(&real_connect, __ATOMIC_ACQUIRE);
	if (!f) {
		f = (connect_fn)dlsym(RTLD_NEXT, "connect");
		__atomic_store_n(&real_connect, f, __ATOMIC_RELEASE);
	}
	return f;
}

static int sockopt_int(int fd, int level, int name)
{
	int v = -1;
	socklen_t len = sizeof(v);
	return getsockopt(fd, level, name, &v, &len) < 0 ? -1 : v;
}

/* 1 when @fd is an IPv4/IPv6 TCP socket in state CLOSE being connected to
 * an IPv4/IPv6 @addr: a first connect, the only one TFO may change. */
static int is_fresh_tcp(int fd, const struct sockaddr *addr, socklen_t len)
{
	if (!addr || len < sizeof(sa_family_t) ||
	    (addr->sa_family != AF_INET && addr->sa_family != AF_INET6))
		return 0;
	int dom = sockopt_int(fd, SOL_SOCKET, SO_DOMAIN);
	if ((dom != AF_INET && dom != AF_INET6) ||
	    sockopt_int(fd, SOL_SOCKET, SO_TYPE) != SOCK_STREAM ||
	    sockopt_int(fd, SOL_SOCKET, SO_PROTOCOL) != IPPROTO_TCP)
		return 0;
	/* tcpi_state is struct tcp_info's first byte; the kernel copies what
	 * fits.  A second connect on a non-blocking socket finds SYN_SENT. */
	unsigned char state = 0;
	socklen_t slen = sizeof(state);
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &state, &slen) < 0 || slen < 1)
		return 0;
	return state == TCP_CLOSE;
}

/* An errno's name ("EOPNOTSUPP"), or "E?" for one glibc does not know. */
static const char *errno_name(int e)
{
	const char *n = strerrorname_np(e);
	return n ? n : "E?";
}

/* Appends @s to @buf (capacity @cap) at *@at, truncating. */
static void put(char *buf, size_t cap, size_t *at, const char *s)
{
	while (*s && *at + 1 < cap)
		buf[(*at)++] = *s++;
}

static void put_num(char *buf, size_t cap, size_t *at, long v)
{
	char d[24];
	int i = sizeof(d) - 1;
	int neg = v < 0;
	unsigned long u = neg ? -(unsigned long)v : (unsigned long)v;
	d[i] = '\0';
	do {
		d[--i] = (char)('0' + u % 10);
		u /= 10;
	} while (u && i > 1);
	if (neg)
		d[--i] = '-';
	put(buf, cap, at, d + i);
}

/* TFOLAB_PRELOAD_DEBUG: the first failure of the process, on stderr. */
static void debug_once(int fd, int err)
{
	const char *dbg = getenv("TFOLAB_PRELOAD_DEBUG");
	if (!dbg || !*dbg || __atomic_exchange_n(&debug_reported, 1, __ATOMIC_ACQ_REL))
		return;
	char line[256];
	size_t at = 0;
	put(line, sizeof(line), &at, "tfolab-tfo-preload: pid ");
	put_num(line, sizeof(line), &at, (long)getpid());
	put(line, sizeof(line), &at, ": setsockopt(fd ");
	put_num(line, sizeof(line), &at, fd);
	put(line, sizeof(line), &at, ", TCP_FASTOPEN_CONNECT): ");
	put(line, sizeof(line), &at, errno_name(err));
	put(line, sizeof(line), &at, " (");
	put(line, sizeof(line), &at, strerrordesc_np(err) ? strerrordesc_np(err) : "?");
	put(line, sizeof(line), &at, "); connecting without TFO (reported once per process)\n");
	ssize_t n = write(STDERR_FILENO, line, at);
	(void)n;
}

/* TFOLAB_PRELOAD_LOG: one line for this connect. */
static void log_connect(int fd, const struct sockaddr *addr, int set_err, int conn_err)
{
	const char *path = getenv("TFOLAB_PRELOAD_LOG");
	if (!path || !*path)
		return;
	char host[INET6_ADDRSTRLEN] = "?", line[256];
	unsigned port = 0;
	if (addr->sa_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)addr;
		inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
		port = ntohs(a->sin_port);
	} else {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)addr;
		inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
		port = ntohs(a->sin6_port);
	}
	size_t at = 0;
	put(line, sizeof(line), &at, "tfo-preload pid=");
	put_num(line, sizeof(line), &at, (long)getpid());
	put(line, sizeof(line), &at, " fd=");
	put_num(line, sizeof(line), &at, fd);
	put(line, sizeof(line), &at, addr->sa_family == AF_INET6 ? " dst=[" : " dst=");
	put(line, sizeof(line), &at, host);
	put(line, sizeof(line), &at, addr->sa_family == AF_INET6 ? "]:" : ":");
	put_num(line, sizeof(line), &at, port);
	put(line, sizeof(line), &at, " tfo=");
	put(line, sizeof(line), &at, set_err ? errno_name(set_err) : "set");
	put(line, sizeof(line), &at, " connect=");
	put(line, sizeof(line), &at, conn_err ? errno_name(conn_err) : "0");
	put(line, sizeof(line), &at, "\n");
	int lfd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (lfd < 0)
		return;
	ssize_t n = write(lfd, line, at);
	(void)n;
	close(lfd);
}

/* If there is no next connect (not linked with libc?), the system call. */
static int call_connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	connect_fn f = next_connect();
	return f ? f(fd, addr, len) : (int)syscall(SYS_connect, fd, addr, len);
}

EXPORT int connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	int saved = errno;
	if (!is_fresh_tcp(fd, addr, len)) {
		errno = saved;
		return call_connect(fd, addr, len);
	}
	int one = 1, set_err = 0;
	if (setsockopt(fd, IPPROTO_TCP, TCP_FASTOPEN_CONNECT, &one, sizeof(one)) < 0) {
		set_err = errno;
		debug_once(fd, set_err);
	}
	errno = saved;
	int rc = call_connect(fd, addr, len);
	int conn_errno = errno;
	log_connect(fd, addr, set_err, rc < 0 ? conn_errno : 0);
	errno = conn_errno;
	return rc;
}
