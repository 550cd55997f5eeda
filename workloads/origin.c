/*
 * The origin server runs the real nginx, because what TFO changes is the
 * behaviour of a real server's listen socket and the first flight of its
 * response; a toy server would measure itself.  This module turns a page
 * into a docroot of exact-size files plus an nginx.conf, runs nginx as a
 * child in the caller's network namespace, and removes every trace again.
 *
 * Safety: the docroot is flat; names come from body_name() and files are
 * created with openat(O_EXCL|O_NOFOLLOW), so no URL can reach outside it.
 * nginx workers run as nobody; the master (root) only binds the sockets.
 */
#include "workloads/origin.h"

#include "common/clock.h"
#include "common/log.h"
#include "os/fs.h"
#include "os/proc.h"
#include "tls/cert.h"
#include "bodies/body.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#define STOP_TIMEOUT_MS 5000

struct origin {
	const struct page *pg;
	struct origin_opts o;
	struct in_addr *addrs;
	char *rundir;
	char *ca_file;   /* RUN/tls/ca.pem with TLS, else NULL */
	struct origin_size *size;  /* per resource, browser mode: bytes on the wire and
	                              decoded (origin_wire_bytes, origin_body_bytes) */
	pid_t pid;       /* master, also its process group; 0 = none */
	int reaped;      /* master waited for; pid only names the group */
};

/* ---- run directory ----------------------------------------------------- */

/* Workers (nobody) open docroot files by path: every ancestor of the run
 * directory must be searchable by others. */
static int ancestors_searchable(const char *dir)
{
	char p[PATH_MAX];
	if (!realpath(dir, p)) {
		int rc = -errno;
		log_err("origin: %s: realpath: %s", dir, strerror(-rc));
		return rc;
	}
	for (;;) {
		struct stat st;
		if (stat(p, &st) < 0) {
			int rc = -errno;
			log_err("origin: %s: stat: %s", p, strerror(-rc));
			return rc;
		}
		if (!(st.st_mode & S_IXOTH)) {
			log_err("origin: %s: not searchable by others (mode %04o); "
				"nginx workers run as %s", p, st.st_mode & 07777, ORIGIN_USER);
			return -EACCES;
		}
		char *slash = strrchr(p, '/');
		if (!slash || slash == p)
			return 0;
		*slash = '\0';
	}
}

static int worker_ids(uid_t *uid, gid_t *gid)
{
	char buf[4096];
	struct passwd pw, *pwp = NULL;
	struct group gr, *grp = NULL;
	getpwnam_r(ORIGIN_USER, &pw, buf, sizeof(buf), &pwp);
	if (!pwp) {
		log_err("origin: user %s: not found", ORIGIN_USER);
		return -ENOENT;
	}
	*uid = pw.pw_uid;
	getgrnam_r(ORIGIN_GROUP, &gr, buf, sizeof(buf), &grp);
	if (!grp) {
		log_err("origin: group %s: not found", ORIGIN_GROUP);
		return -ENOENT;
	}
	*gid = gr.gr_gid;
	return 0;
}

struct origin *origin_new(const struct page *pg, const struct origin_opts *o)
{
	if (o->naddrs != pg->nhosts) {
		log_err("origin: %zu addresses for %zu hosts", o->naddrs, pg->nhosts);
		return NULL;
	}
	if ((unsigned)o->tls >= TLS_MODES) {
		log_err("origin: TLS mode %d out of range", (int)o->tls);
		return NULL;
	}
	if (!o->base_dir || !o->prefix || !o->prefix[0] || strchr(o->prefix, '/')) {
		log_err("origin: base_dir and a prefix without '/' are required");
		return NULL;
	}
	if (origin_page_check(pg) < 0)
		return NULL;
	uid_t uid;
	gid_t gid;
	if (worker_ids(&uid, &gid) < 0)
		return NULL;
	/* Modes are set with chmod: the caller's umask must not hide the
	 * docroot from the workers. */
	if (mkdir(o->base_dir, 0755) == 0)
		chmod(o->base_dir, 0755);
	else if (errno != EEXIST) {
		log_err("origin: %s: mkdir: %s", o->base_dir, strerror(errno));
		return NULL;
	}
	if (ancestors_searchable(o->base_dir) < 0)
		return NULL;

	struct origin *or = calloc(1, sizeof(*or));
	if (!or || asprintf(&or->rundir, "%s/%s-origin-XXXXXX", o->base_dir, o->prefix) < 0) {
		log_err("origin: %s", strerror(ENOMEM));
		free(or);
		return NULL;
	}
	or->pg = pg;
	or->o = *o;
	or->addrs = calloc(o->naddrs ? o->naddrs : 1, sizeof(*or->addrs));
	or->size = calloc(pg->n ? pg->n : 1, sizeof(*or->size));
	if (!or->addrs || !or->size) {
		log_err("origin: %s", strerror(ENOMEM));
		free(or->addrs);
		free(or->size);
		free(or->rundir);
		free(or);
		return NULL;
	}
	if (o->naddrs)
		memcpy(or->addrs, o->addrs, o->naddrs * sizeof(*or->addrs));
	or->o.addrs = or->addrs;
	or->o.base_dir = NULL;  /* borrowed strings are not kept */
	or->o.prefix = NULL;
	or->o.nginx = o->nginx ? o->nginx : ORIGIN_NGINX;

	if (!mkdtemp(or->rundir)) {
		log_err("origin: %s: mkdtemp: %s", or->rundir, strerror(errno));
		goto fail_nodir;
	}
	if (o->tls != TLS_OFF &&
	    asprintf(&or->ca_file, "%s/tls/%s", or->rundir, TLS_CA_FILE) < 0) {
		or->ca_file = NULL;
		log_err("origin: %s", strerror(ENOMEM));
		goto fail;
	}
	char sub[PATH_MAX];
	if (chown(or->rundir, uid, gid) < 0) {
		log_err("origin: %s: chown %s: %s", or->rundir, ORIGIN_USER, strerror(errno));
		goto fail;
	}
	static const char *const subdirs[] = {"docroot", "tmp"};
	for (size_t i = 0; i < 2; i++) {
		snprintf(sub, sizeof(sub), "%s/%s", or->rundir, subdirs[i]);
		if (mkdir(sub, 0755) < 0 || chmod(sub, 0755) < 0) {
			log_err("origin: %s: mkdir: %s", sub, strerror(errno));
			goto fail;
		}
	}
	return or;
fail:
	fs_tree_remove(or->rundir);
fail_nodir:
	free(or->ca_file);
	free(or->addrs);
	free(or->size);
	free(or->rundir);
	free(or);
	return NULL;
}

const char *origin_rundir(const struct origin *or)
{
	return or->rundir;
}

pid_t origin_pid(const struct origin *or)
{
	return or->pid;
}

uint64_t origin_wire_bytes(const struct origin *or, size_t i)
{
	return or->o.browser ? or->size[i].wire : or->pg->res[i].wire_bytes;
}

uint64_t origin_body_bytes(const struct origin *or, size_t i)
{
	return or->o.browser ? or->size[i].decoded : or->pg->res[i].body_bytes;
}

const char *origin_ca_file(const struct origin *or)
{
	return or->ca_file;
}

/* ---- nginx process ----------------------------------------------------- */

/* Logs the last lines of RUN/file, for failures of nginx. */
static void log_tail(const struct origin *or, const char *file)
{
	char path[PATH_MAX], buf[2048];
	snprintf(path, sizeof(path), "%s/%s", or->rundir, file);
	if (fs_file_tail(path, buf, sizeof(buf)) <= 0)
		return;
	char *save;
	for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		log_err("origin: %s: %s", file, line);
}

/* Whether the master has exited; reaps it. */
static int master_gone(struct origin *or, int *status)
{
	if (!or->reaped) {
		*status = -1;  /* unknown if someone else reaped it */
		pid_t p = waitpid(or->pid, status, WNOHANG);
		or->reaped = p == or->pid || (p < 0 && errno == ECHILD);
	}
	return or->reaped;
}

static void nginx_stop(struct origin *or)
{
	if (or->pid <= 0)
		return;
	int status;
	/* SIGTERM is nginx's fast shutdown: the master stops its workers and
	 * exits without waiting for open connections to finish. */
	if (!or->reaped)
		kill(or->pid, SIGTERM);
	int64_t deadline = clock_mono_ms() + STOP_TIMEOUT_MS;
	while (!master_gone(or, &status) && clock_mono_ms() < deadline)
		proc_sleep_ms(10);
	if (!or->reaped) {
		log_warn("origin: nginx %d did not stop within %d ms; killing it",
			 (int)or->pid, STOP_TIMEOUT_MS);
		kill(-or->pid, SIGKILL);
		waitpid(or->pid, &status, 0);
	}
	deadline = clock_mono_ms() + STOP_TIMEOUT_MS;
	while (proc_group_signal(or->pid, SIGKILL, NULL) > 0 && clock_mono_ms() < deadline)
		proc_sleep_ms(10);
	or->pid = 0;
	or->reaped = 0;
}

int origin_cleanup(const char *base_dir, const char *prefix)
{
	return proc_dirs_cleanup(base_dir, prefix, "origin", "nginx.pid", "nginx", NULL);
}

/* ---- readiness --------------------------------------------------------- */

/* A TCP connection to addr:port within timeout_ms: its non-blocking
 * descriptor, or -1. */
static int probe_connect(const struct in_addr *addr, uint16_t port, int timeout_ms)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port),
				 .sin_addr = *addr};
	struct pollfd pfd = {.fd = fd, .events = POLLOUT};
	if ((connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 || errno == EINPROGRESS) &&
	    poll(&pfd, 1, timeout_ms) == 1 && !(pfd.revents & (POLLERR | POLLHUP)))
		return fd;
	close(fd);
	return -1;
}

static const char probe_req[] = "HEAD /.tfl-probe HTTP/1.0\r\n\r\n";

/* One HTTP exchange with addr: true once a worker answers anything. */
static int probe(const struct in_addr *addr, uint16_t port, int timeout_ms)
{
	int fd = probe_connect(addr, port, timeout_ms);
	if (fd < 0)
		return 0;
	int ok = 0;
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	char buf[16];
	if (send(fd, probe_req, sizeof(probe_req) - 1, MSG_NOSIGNAL) ==
	    (ssize_t)sizeof(probe_req) - 1 &&
	    poll(&pfd, 1, timeout_ms) == 1 && recv(fd, buf, 7, MSG_WAITALL) == 7)
		ok = memcmp(buf, "HTTP/1.", 7) == 0;
	close(fd);
	return ok;
}

/* The client of the TLS probe: the origin's version only, its CA only. */
static SSL_CTX *probe_tls_ctx(const struct origin *or)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	int v = tls_modes[or->o.tls].version;
	if (!ctx || !SSL_CTX_set_min_proto_version(ctx, v) ||
	    !SSL_CTX_set_max_proto_version(ctx, v) ||
	    SSL_CTX_load_verify_locations(ctx, or->ca_file, NULL) != 1) {
		char err[256] = "";
		ERR_error_string_n(ERR_get_error(), err, sizeof(err));
		log_err("origin: %s: probe SSL_CTX: %s", or->ca_file, err);
		ERR_clear_error();
		SSL_CTX_free(ctx);
		return NULL;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
	return ctx;
}

/* Waits until fd is ready for what SSL call result r asks for; 0 when it
 * failed instead (why said in why) or the time ran out. */
static int probe_tls_wait(SSL *s, int r, int fd, int timeout_ms, char *why, size_t len)
{
	int e = SSL_get_error(s, r);
	struct pollfd pfd = {.fd = fd};
	pfd.events = e == SSL_ERROR_WANT_READ ? POLLIN : e == SSL_ERROR_WANT_WRITE ? POLLOUT : 0;
	if (pfd.events)
		return poll(&pfd, 1, timeout_ms) == 1;
	long v = SSL_get_verify_result(s);
	unsigned long err = ERR_get_error();
	if (v != X509_V_OK)
		snprintf(why, len, "certificate: %s", X509_verify_cert_error_string(v));
	else if (err)
		ERR_error_string_n(err, why, len);
	else
		snprintf(why, len, "TLS error %d", e);
	ERR_clear_error();
	return 0;
}

/*
 * probe, over TLS: a handshake of ctx's version with host (SNI, and the
 * certificate checked for it) at addr, then one HTTP exchange.  True once a
 * worker answers; else why the handshake failed, if it did, in why.
 */
static int probe_tls(SSL_CTX *ctx, const struct in_addr *addr, uint16_t port,
		     const char *host, int timeout_ms, char *why, size_t len)
{
	int fd = probe_connect(addr, port, timeout_ms), ok = 0, r;
	if (fd < 0)
		return 0;
	char name[256], buf[8];
	struct in_addr ip;
	snprintf(name, sizeof(name), "%.*s", (int)strcspn(host, ":"), host);
	SSL *s = SSL_new(ctx);
	if (!s || !SSL_set_fd(s, fd) ||
	    !(inet_pton(AF_INET, name, &ip) == 1
		      ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(s), name)
		      : SSL_set_tlsext_host_name(s, name) && SSL_set1_host(s, name)))
		goto out;
	while ((r = SSL_connect(s)) != 1)
		if (!probe_tls_wait(s, r, fd, timeout_ms, why, len))
			goto out;
	while ((r = SSL_write(s, probe_req, sizeof(probe_req) - 1)) <= 0)
		if (!probe_tls_wait(s, r, fd, timeout_ms, why, len))
			goto out;
	for (int got = 0; got < 7; got += r > 0 ? r : 0)
		if ((r = SSL_read(s, buf + got, 7 - got)) <= 0 &&
		    !probe_tls_wait(s, r, fd, timeout_ms, why, len))
			goto out;
	ok = memcmp(buf, "HTTP/1.", 7) == 0;
out:
	ERR_clear_error();
	SSL_free(s);
	close(fd);
	return ok;
}

/* nginx in its own process group, so that origin_free reaches the workers;
 * stdout to /dev/null, stderr (early errors, before its error log) in
 * RUN/stderr.log. */
static int nginx_spawn(struct origin *or)
{
	char conf[PATH_MAX], elog[PATH_MAX], prefix[PATH_MAX], slog[PATH_MAX];
	snprintf(conf, sizeof(conf), "%s/nginx.conf", or->rundir);
	snprintf(elog, sizeof(elog), "%s/error.log", or->rundir);
	snprintf(prefix, sizeof(prefix), "%s/", or->rundir);
	snprintf(slog, sizeof(slog), "%s/stderr.log", or->rundir);
	char *argv[] = {(char *)or->o.nginx, "-p", prefix, "-c", conf, "-e", elog, NULL};

	int logfd = open(slog, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (logfd < 0) {
		int rc = -errno;
		log_err("origin: %s: open: %s", slog, strerror(errno));
		return rc;
	}
	struct proc_spawn_opts so = {
		.path = argv[0], .argv = argv, .log_fd = logfd, .stdout_null = true,
		.new_group = true,
	};
	pid_t pid = proc_spawn(&so);
	close(logfd);
	if (pid < 0)
		return pid;
	or->pid = pid;
	or->reaped = 0;
	return 0;
}

/* RUN/tls: the run's CA and a certificate naming every host.  0 or a
 * negative errno, logged. */
static int tls_files(struct origin *or)
{
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s/tls", or->rundir);
	/* root's alone: the master reads the key before it drops to nobody */
	if (mkdir(dir, 0700) < 0 || chmod(dir, 0700) < 0) {
		int rc = -errno;
		log_err("origin: %s: mkdir: %s", dir, strerror(errno));
		return rc;
	}
	return tls_cert_make(dir, (const char *const *)or->pg->hosts, or->pg->nhosts);
}

/* The certificates (with TLS), the docroot and nginx.conf.  0 or a
 * negative errno, logged. */
static int origin_files(struct origin *or)
{
	char path[PATH_MAX];
	int rc = or->o.tls != TLS_OFF ? tls_files(or) : 0;
	if (rc < 0)
		return rc;
	snprintf(path, sizeof(path), "%s/docroot", or->rundir);
	if (or->o.browser)
		rc = origin_docroot_browser(or->pg, path, &or->o, or->size);
	else
		rc = origin_docroot_build(or->pg, path, or->o.seed);
	if (rc < 0)
		return rc;

	snprintf(path, sizeof(path), "%s/nginx.conf", or->rundir);
	FILE *f = fopen(path, "wxe");
	if (!f) {
		rc = -errno;
		log_err("origin: %s: fopen: %s", path, strerror(errno));
		return rc;
	}
	rc = origin_conf_write(f, or->pg, &or->o, or->rundir);
	if (fclose(f) != 0 && rc == 0) {
		rc = -EIO;
		log_err("origin: %s: fclose: %s", path, strerror(errno));
	}
	return rc;
}

/* Waits until a worker answers on every address (over TLS: host i's
 * verified handshake at address i).  0, or -EIO after logging. */
static int origin_wait_ready(struct origin *or)
{
	SSL_CTX *ctx = NULL;
	if (or->o.tls != TLS_OFF && !(ctx = probe_tls_ctx(or)))
		return -EIO;
	int64_t deadline = clock_mono_ms() + ORIGIN_START_TIMEOUT_MS;
	size_t ready = 0;
	int status, rc = 0;
	char why[256] = "";
	while (ready < or->o.naddrs && rc == 0) {
		if (master_gone(or, &status)) {
			if (status == -1)
				log_err("origin: nginx %d exited before serving", (int)or->pid);
			else
				log_err("origin: nginx %d exited (%s %d) before serving",
					(int)or->pid, WIFEXITED(status) ? "status" : "signal",
					WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
			rc = -EIO;
			break;
		}
		int64_t left = deadline - clock_mono_ms();
		if (left <= 0) {
			char addr[INET_ADDRSTRLEN];
			inet_ntop(AF_INET, &or->o.addrs[ready], addr, sizeof(addr));
			log_err("origin: nginx %d: %s:%u not serving %s after %d ms%s%s",
				(int)or->pid, addr, origin_port(&or->o), or->pg->hosts[ready],
				ORIGIN_START_TIMEOUT_MS, why[0] ? "; last TLS error: " : "", why);
			rc = -EIO;
			break;
		}
		int ms = left < 200 ? (int)left : 200;
		if (ctx ? probe_tls(ctx, &or->o.addrs[ready], origin_port(&or->o),
				    or->pg->hosts[ready], ms, why, sizeof(why))
			: probe(&or->o.addrs[ready], origin_port(&or->o), ms))
			ready++;
		else
			proc_sleep_ms(20);
	}
	SSL_CTX_free(ctx);
	return rc;
}

int origin_start(struct origin *or)
{
	if (or->pid > 0) {
		log_err("origin %s: already started", or->rundir);
		return -EALREADY;
	}
	int rc = origin_files(or);
	if (rc < 0)
		return rc;
	rc = nginx_spawn(or);
	if (rc < 0)
		return rc;
	if (origin_wait_ready(or) < 0) {
		log_tail(or, "stderr.log");
		log_tail(or, "error.log");
		nginx_stop(or);
		return -EIO;
	}
	log_info("origin: nginx %d serving %zu hosts from %s%s%s", (int)or->pid,
		 or->pg->nhosts, or->rundir, or->ca_file ? " over " : "",
		 or->ca_file ? tls_mode_title(or->o.tls) : "");
	return 0;
}

void origin_free(struct origin *or)
{
	if (!or)
		return;
	nginx_stop(or);
	fs_tree_remove(or->rundir);
	free(or->ca_file);
	free(or->addrs);
	free(or->size);
	free(or->rundir);
	free(or);
}
