/*
 * The loader runs one loop: ask the scheduler for actions (open, send,
 * close) and carry them out, then wait in epoll for the sockets, feed what
 * they return to the HTTP parser and report progress back to the
 * scheduler.  Every failure ends the load at once with a reason; every
 * epoll wait is bounded by the nearest request deadline.
 *
 * TFO: with TCP_FASTOPEN_CONNECT, a non-blocking connect() returns 0 at
 * once without sending anything, and the first send() puts the data in the
 * SYN and returns the bytes taken (the rest, if any, waits for the
 * handshake: EAGAIN).  Without it (or without a cookie) connect() returns
 * EINPROGRESS and send() EAGAIN until the handshake completes.  Both paths
 * are the same code: write what the socket takes, wait for EPOLLOUT.
 *
 * HTTPS: the connection's bytes go through its tls_conn (tls/client.h),
 * which only encrypts and decrypts; the socket I/O stays here.  The first
 * flush writes the first flight (the ClientHello, plus the request as
 * early data on a resumed 1.3-early connection) in one send(), so that TFO
 * carries all of it in the SYN.  The request is encrypted once the
 * handshake is done (or resent then, when the server refused the early
 * data).  A recv() of ciphertext is decrypted whole before the next
 * event, the same granularity as a plain recv() of FETCH_RBUF bytes.
 */
#include "workloads/fetch.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"
#include "workloads/http.h"

#define DEFAULT_TIMEOUT_NS (30ull * 1000000000ull)
#define DEFAULT_OVERALL_NS (300ull * 1000000000ull)
#define FETCH_RBUF 65536

struct conn {
	int fd;
	int host;
	int res;                /* request in flight, or -1 */
	bool connected;
	bool syn_checked;
	size_t woff;            /* bytes of the current request written */
	int64_t start_ns;       /* when the current request was handed over */
	uint32_t events;        /* epoll interest */
	struct http_resp resp;
	struct tls_conn *tls;   /* NULL for plain HTTP */
	ssize_t req_at;         /* TLS: ciphertext bytes to send before the
				   current request's; -1 once it left */
};

struct load {
	const struct page *pg;
	const struct in_addr *addr;
	struct fetch_opts o;
	struct fetch_result *r;
	struct sched *s;
	int ep;
	struct conn **c;        /* by connection id; at most one per resource */
	char **req;             /* prebuilt request per resource */
	size_t *reqlen;
	int64_t t0_ns;          /* CLOCK_MONOTONIC at the start */
	char *rbuf;             /* one read buffer for all sockets (with TLS,
				   for the ciphertext, then the plaintext) */
	int rc;                 /* first failure, 0 if none */
};

static int64_t elapsed(const struct load *L)
{
	return clock_mono_ns() - L->t0_ns;
}

/* Records the first failure; later ones are consequences. */
static int fail(struct load *L, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(struct load *L, int rc, const char *fmt, ...)
{
	if (L->rc)
		return L->rc;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(L->r->error, sizeof(L->r->error), fmt, ap);
	va_end(ap);
	L->rc = rc;
	log_info("fetch %s: %s", L->pg->name ? L->pg->name : "page",
		 L->r->error);
	return rc;
}

static const char *res_name(const struct load *L, int res)
{
	return L->pg->res[res].id;
}

static const char *host_name(const struct load *L, int host)
{
	return L->pg->hosts[host];
}

static int conn_interest(struct load *L, int id, uint32_t ev)
{
	struct conn *c = L->c[id];
	if (c->events == ev)
		return 0;
	struct epoll_event e = { .events = ev, .data.u32 = (uint32_t)id };
	if (epoll_ctl(L->ep, EPOLL_CTL_MOD, c->fd, &e) < 0)
		return fail(L, -errno, "conn %d: epoll_ctl: %s", id,
			    strerror(errno));
	c->events = ev;
	return 0;
}

static int conn_open(struct load *L, int id, int host, int64_t now)
{
	struct conn *c = calloc(1, sizeof(*c));
	if (!c)
		return fail(L, -ENOMEM, "conn %d: out of memory", id);
	c->fd = -1;
	c->host = host;
	c->res = -1;
	c->req_at = -1;
	L->c[id] = c;
	L->r->nconns = (size_t)id + 1;
	L->r->conns[id] = (struct fetch_conn){ .host = host, .connect_ns = now,
		.connected_ns = -1, .tls_done_ns = -1, .closed_ns = -1 };

	const char *hn = host_name(L, host);
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return fail(L, -errno, "conn %d to %s: socket: %s", id, hn,
			    strerror(errno));
	int one = 1;
	if (setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) < 0)
		return fail(L, -errno, "conn %d to %s: TCP_NODELAY: %s", id, hn,
			    strerror(errno));
	/* EOPNOTSUPP: net.ipv4.tcp_fastopen has the client bit off here, so
	 * the connection goes without TFO, as a browser's would. */
	if (L->o.tfo && setsockopt(c->fd, IPPROTO_TCP, TCP_FASTOPEN_CONNECT,
				   &one, sizeof(one)) < 0 && errno != EOPNOTSUPP)
		return fail(L, -errno, "conn %d to %s: TCP_FASTOPEN_CONNECT: %s",
			    id, hn, strerror(errno));
	struct epoll_event e = { .events = EPOLLIN | EPOLLOUT | EPOLLRDHUP,
				 .data.u32 = (uint32_t)id };
	if (epoll_ctl(L->ep, EPOLL_CTL_ADD, c->fd, &e) < 0)
		return fail(L, -errno, "conn %d: epoll_ctl: %s", id,
			    strerror(errno));
	c->events = e.events;
	if (L->o.tls != TLS_OFF && !(c->tls = tls_conn_new(L->o.tls_client, hn)))
		return fail(L, -EPROTO, "conn %d to %s: cannot set up TLS (see above)", id, hn);
	struct sockaddr_in sa = { .sin_family = AF_INET,
		.sin_port = htons(L->o.port), .sin_addr = L->addr[host] };
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 &&
	    errno != EINPROGRESS)
		return fail(L, -errno, "conn %d to %s (%s:%u): connect: %s", id,
			    hn, inet_ntoa(L->addr[host]), L->o.port,
			    strerror(errno));
	return 0;
}

/* Is the handshake done?  EPOLLOUT alone does not say so for a socket
 * whose TFO connect is still deferred. */
static bool conn_established(int fd)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0)
		return false;
	return ti.tcpi_state == TCP_ESTABLISHED ||
	       ti.tcpi_state == TCP_CLOSE_WAIT;
}

static void conn_mark_connected(struct load *L, int id, int64_t now)
{
	struct conn *c = L->c[id];
	if (c->connected)
		return;
	c->connected = true;
	L->r->conns[id].connected_ns = now;
	if (c->res >= 0 && L->r->req[c->res].new_conn)
		L->r->req[c->res].connected_ns = now;
}

/* Sends what the socket takes of the @len bytes at @p; *@sent = how many.
 * Returns 0 (a full socket is no failure) or the load's failure. */
static int sock_send(struct load *L, int id, const char *p, size_t len, size_t *sent)
{
	struct conn *c = L->c[id];
	*sent = 0;
	while (*sent < len) {
		ssize_t n = send(c->fd, p + *sent, len - *sent, MSG_NOSIGNAL);
		if (n > 0) {
			*sent += (size_t)n;
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EINPROGRESS || errno == EINTR))
			break;
		return fail(L, n < 0 ? -errno : -EIO, "res %s: conn %d to %s: send: %s",
			    c->res >= 0 ? res_name(L, c->res) : "-", id, host_name(L, c->host),
			    n < 0 ? strerror(errno) : "wrote nothing");
	}
	return 0;
}

/* The whole current request was handed to TLS; its ciphertext starts
 * @at bytes into what waits to be sent (sent_ns is when it leaves). */
static void req_handed(struct load *L, int id, size_t at)
{
	struct conn *c = L->c[id];
	c->woff = L->reqlen[c->res];
	c->req_at = (ssize_t)at;
	L->r->bytes_tx += L->reqlen[c->res];
}

/*
 * TLS's part of a flush: the first flight once (with the request as early
 * data when the connection resumes in 1.3-early), the request once the
 * handshake is done, then as much ciphertext as the socket takes.
 * *@pending = ciphertext left over.
 */
static int tls_flush(struct load *L, int id, int64_t now, bool *pending)
{
	struct conn *c = L->c[id];
	int res = c->res, rc;
	if (!tls_conn_started(c->tls)) {
		bool early = res >= 0 && tls_modes[L->o.tls].early;
		size_t taken = 0;
		rc = tls_conn_start(c->tls, early ? L->req[res] : NULL, early ? L->reqlen[res] : 0, &taken);
		if (rc)
			return fail(L, rc, "conn %d: %s", id, tls_conn_error(c->tls));
		if (taken)
			req_handed(L, id, 0);   /* early data: in the first flight */
	}
	const void *p;
	size_t len, n;
	if (res >= 0 && c->woff == 0 && tls_conn_ready(c->tls)) {
		tls_conn_pending(c->tls, &p, &len);
		if ((rc = tls_conn_write(c->tls, L->req[res], L->reqlen[res])))
			return fail(L, rc, "res %s: conn %d: %s", res_name(L, res), id,
				    tls_conn_error(c->tls));
		req_handed(L, id, len);
	}
	tls_conn_pending(c->tls, &p, &len);
	if ((rc = sock_send(L, id, p, len, &n)))
		return rc;
	tls_conn_sent(c->tls, n);
	if (c->req_at >= 0 && res >= 0 && n > (size_t)c->req_at) {
		L->r->req[res].sent_ns = now;   /* its first byte left just now */
		c->req_at = -1;
	} else if (c->req_at >= 0) {
		c->req_at -= (ssize_t)n;
	}
	*pending = n < len;
	return 0;
}

/* Writes what the socket takes of the current request (through TLS for
 * HTTPS), then sets the interest: EPOLLOUT while bytes are pending or the
 * handshake is not done (to time it). */
static int conn_flush(struct load *L, int id, int64_t now)
{
	struct conn *c = L->c[id];
	int res = c->res, rc;
	bool pending = false;
	if (c->tls) {
		if ((rc = tls_flush(L, id, now, &pending)))
			return rc;
	} else if (res >= 0 && c->woff < L->reqlen[res]) {
		size_t n;
		if ((rc = sock_send(L, id, L->req[res] + c->woff, L->reqlen[res] - c->woff, &n)))
			return rc;
		if (n && c->woff == 0)
			L->r->req[res].sent_ns = now;
		c->woff += n;
		L->r->bytes_tx += n;
		pending = c->woff < L->reqlen[res];
	}
	return conn_interest(L, id, EPOLLIN | EPOLLRDHUP |
			     (pending || !c->connected ? EPOLLOUT : 0));
}

static int conn_send(struct load *L, int id, int res, int64_t now)
{
	struct conn *c = L->c[id];
	struct fetch_req *q = &L->r->req[res];
	q->conn = id;
	q->new_conn = L->r->conns[id].requests == 0;
	if (q->new_conn) {
		q->connect_ns = L->r->conns[id].connect_ns;
		q->connected_ns = L->r->conns[id].connected_ns;
		q->tls_done_ns = L->r->conns[id].tls_done_ns;
	}
	q->req_bytes = (uint32_t)L->reqlen[res];
	L->r->conns[id].requests++;
	c->res = res;
	c->woff = 0;
	/* The deadline starts now even if the bytes wait for the handshake:
	 * connect time is part of the request's time. */
	c->start_ns = now;
	http_resp_init(&c->resp);
	return conn_flush(L, id, now);
}

static void conn_close(struct load *L, int id, int64_t now)
{
	struct conn *c = L->c[id];
	if (!c)
		return;
	if (c->fd >= 0)
		close(c->fd);
	tls_conn_free(c->tls);
	if (L->r->conns[id].closed_ns < 0)
		L->r->conns[id].closed_ns = now;
	free(c);
	L->c[id] = NULL;
}

static int res_complete(struct load *L, int id, int64_t now)
{
	struct conn *c = L->c[id];
	int res = c->res;
	const struct page_res *p = &L->pg->res[res];
	struct fetch_req *q = &L->r->req[res];
	q->done_ns = now;
	q->status = c->resp.status;
	if (c->resp.status != 200)
		return fail(L, -EBADMSG, "res %s (%s%s): status %d, expected 200",
			    p->id, host_name(L, p->host), p->path,
			    c->resp.status);
	if (c->resp.content_length != p->wire_bytes)
		return fail(L, -EBADMSG, "res %s (%s%s): Content-Length %llu "
			    "but the page says %llu wire bytes", p->id,
			    host_name(L, p->host), p->path,
			    (unsigned long long)c->resp.content_length,
			    (unsigned long long)p->wire_bytes);
	/* The fetcher does not decode: the header must say what the page
	 * says the bytes are, so that a browser would treat them alike. */
	const char *want = p->enc == PAGE_ENC_IDENTITY ? "" : page_enc_name(p->enc);
	if (strcmp(c->resp.encoding, want) != 0)
		return fail(L, -EBADMSG, "res %s (%s%s): Content-Encoding \"%s\" "
			    "but the page says %s", p->id, host_name(L, p->host),
			    p->path, c->resp.encoding, page_enc_name(p->enc));
	c->res = -1;
	int rc = sched_on_done(L->s, res, (uint64_t)now);
	if (rc)
		return fail(L, rc, "res %s: scheduler refused completion", p->id);
	return 0;
}

/*
 * Once its first response byte is in: did the connection's SYN data get
 * acked, and which congestion control does it really use (a route's
 * congctl metric, the namespace's default, or what the socket chose)?
 */
static void check_syn_data(struct load *L, int id)
{
	struct conn *c = L->c[id];
	struct fetch_conn *fc = &L->r->conns[id];
	struct tcp_info ti;
	socklen_t len = sizeof(fc->cc) - 1;
	c->syn_checked = true;
	if (getsockopt(c->fd, IPPROTO_TCP, TCP_CONGESTION, fc->cc, &len) < 0) {
		log_warn("conn %d: TCP_CONGESTION: %s", id, strerror(errno));
		len = 0;
	}
	fc->cc[len] = 0; /* the kernel gives at most the @len asked for */
	len = sizeof(ti);
	if (getsockopt(c->fd, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0) {
		log_warn("conn %d: TCP_INFO: %s", id, strerror(errno));
		return;
	}
	if (ti.tcpi_options & TCPI_OPT_SYN_DATA) {
		fc->syn_data = true;
		L->r->conns_syn_data++;
	}
}

/* Feeds one chunk read on connection id to its response. */
static int conn_consume(struct load *L, int id, const char *buf, size_t n,
			int64_t now)
{
	struct conn *c = L->c[id];
	int res = c->res;
	if (res < 0)
		return fail(L, -EPROTO, "conn %d to %s: %zu bytes arrived with "
			    "no request in flight", id, host_name(L, c->host), n);
	struct fetch_req *q = &L->r->req[res];
	if (q->first_byte_ns < 0) {
		q->first_byte_ns = now;
		conn_mark_connected(L, id, now);
		if (!c->syn_checked)
			check_syn_data(L, id);
	}
	L->r->bytes_rx += n;
	ssize_t k = http_resp_feed(&c->resp, buf, n);
	q->resp_bytes = c->resp.total_bytes;
	q->body_bytes = c->resp.body_bytes;
	if (k == -1)
		return fail(L, -EPROTO, "res %s: conn %d to %s: bad response: %s",
			    res_name(L, res), id, host_name(L, c->host),
			    c->resp.reason);
	int rc = sched_on_bytes(L->s, res, c->resp.total_bytes,
				c->resp.body_bytes, (uint64_t)now);
	if (rc)
		return fail(L, rc, "res %s: scheduler refused progress",
			    res_name(L, res));
	if (k == -2)
		return 0;
	if ((size_t)k < n)
		return fail(L, -EPROTO, "res %s: conn %d to %s: %zu bytes "
			    "after the end of the response", res_name(L, res),
			    id, host_name(L, c->host), n - (size_t)k);
	return res_complete(L, id, now);
}

/* A recv() that returned @n <= 0: 0 for "nothing yet", else the failure:
 * the server closed or reset the connection. */
static int conn_recv_end(struct load *L, int id, ssize_t n)
{
	struct conn *c = L->c[id];
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	int e = n < 0 ? errno : 0;
	if (c->res >= 0)
		return fail(L, e ? -e : -ECONNRESET, "res %s: conn %d "
			    "to %s: %s after %llu response bytes",
			    res_name(L, c->res), id,
			    host_name(L, c->host),
			    e ? strerror(e) : "closed by the server",
			    (unsigned long long)c->resp.total_bytes);
	return fail(L, e ? -e : -ECONNRESET, "conn %d to %s: %s while "
		    "idle", id, host_name(L, c->host),
		    e ? strerror(e) : "closed by the server");
}

/* The TLS handshake of connection @id is done: OpenSSL's account of it,
 * and the request again if the server refused it as early data. */
static void tls_done(struct load *L, int id, int64_t now)
{
	struct conn *c = L->c[id];
	struct fetch_conn *fc = &L->r->conns[id];
	fc->tls_done_ns = now;
	if (c->res >= 0 && L->r->req[c->res].new_conn)
		L->r->req[c->res].tls_done_ns = now;
	tls_conn_info(c->tls, &fc->tls);
	L->r->conns_resumed += fc->tls.resumed;
	L->r->conns_early += fc->tls.early == TLS_EARLY_ACCEPTED;
	if (fc->tls.early == TLS_EARLY_REJECTED && c->res >= 0) {
		c->woff = 0;   /* sent again, now: its time is the resend's */
		L->r->req[c->res].sent_ns = -1;
	}
}

/* HTTPS: one recv() of ciphertext, all of it decrypted and fed to the
 * response, then whatever TLS has to send (its handshake, the request). */
static int conn_read_tls(struct load *L, int id, int64_t now)
{
	struct conn *c = L->c[id];
	ssize_t n = recv(c->fd, L->rbuf, FETCH_RBUF, 0);
	if (n <= 0)
		return conn_recv_end(L, id, n);
	conn_mark_connected(L, id, now);
	if (!c->syn_checked)
		check_syn_data(L, id);
	/* OpenSSL copies the ciphertext: rbuf is free for the plaintext. */
	int rc = tls_conn_received(c->tls, L->rbuf, (size_t)n);
	if (rc < 0)
		return fail(L, rc, "conn %d: %s", id, tls_conn_error(c->tls));
	if (rc == 1)
		tls_done(L, id, now);
	ssize_t m;
	while ((m = tls_conn_read(c->tls, L->rbuf, FETCH_RBUF)) > 0)
		if ((rc = conn_consume(L, id, L->rbuf, (size_t)m, now)))
			return rc;
	if (m == -EPIPE)
		return conn_recv_end(L, id, 0);
	if (m < 0)
		return fail(L, (int)m, "conn %d: %s", id, tls_conn_error(c->tls));
	return conn_flush(L, id, now);
}

/* Reads one chunk only: the scheduler must see the bytes before the next
 * read, or a fast link would hide ref_offset (a browser parses as data
 * arrives).  epoll is level-triggered, so the rest comes next round. */
static int conn_read(struct load *L, int id, int64_t now)
{
	struct conn *c = L->c[id];
	if (c->tls)
		return conn_read_tls(L, id, now);
	ssize_t n = recv(c->fd, L->rbuf, FETCH_RBUF, 0);
	if (n > 0)
		return conn_consume(L, id, L->rbuf, (size_t)n, now);
	return conn_recv_end(L, id, n);
}

static int conn_event(struct load *L, int id, uint32_t ev, int64_t now)
{
	struct conn *c = L->c[id];
	if (!c)
		return 0;     /* closed earlier in this batch */
	if (ev & (EPOLLIN | EPOLLERR | EPOLLHUP | EPOLLRDHUP)) {
		int rc = conn_read(L, id, now);
		if (rc)
			return rc;
	}
	if ((ev & EPOLLOUT) && L->c[id]) {
		if (!c->connected && conn_established(c->fd))
			conn_mark_connected(L, id, now);
		return conn_flush(L, id, now);
	}
	return 0;
}

/* Carries out the scheduler's actions.  Returns 1 once the page is done. */
static int pump(struct load *L, int64_t now)
{
	struct sched_action a;
	int rc;
	while ((rc = sched_next(L->s, (uint64_t)now, &a)) == 1) {
		switch (a.type) {
		case SCHED_OPEN:
			rc = conn_open(L, a.conn, a.host, now);
			break;
		case SCHED_SEND:
			L->r->req[a.res].queued_ns = sched_ready_ns(L->s, a.res);
			rc = conn_send(L, a.conn, a.res, now);
			break;
		case SCHED_CLOSE:
			conn_close(L, a.conn, now);
			rc = 0;
			break;
		default:
			rc = 0;
		}
		if (rc)
			return rc;
	}
	if (rc < 0)
		return fail(L, rc, "scheduler stuck: nothing in flight, "
			    "resources left");
	return a.type == SCHED_DONE;
}

/* The nearest deadline, or a failure if one has passed. */
static int deadline(struct load *L, int64_t now, int64_t *until)
{
	int64_t d = (int64_t)L->o.overall_ns;
	if (now >= d)
		return fail(L, -ETIMEDOUT, "page load not done after %.1f s "
			    "(overall bound)", (double)d / 1e9);
	for (size_t id = 0; id < L->r->nconns; id++) {
		struct conn *c = L->c[id];
		if (!c || c->res < 0)
			continue;
		int64_t end = c->start_ns + (int64_t)L->o.timeout_ns;
		if (now >= end)
			return fail(L, -ETIMEDOUT, "res %s: conn %d to %s: "
				    "timed out after %.1f s with %llu response "
				    "bytes (%s)", res_name(L, c->res), (int)id,
				    host_name(L, c->host),
				    (double)L->o.timeout_ns / 1e9,
				    (unsigned long long)c->resp.total_bytes,
				    c->connected ? "connected" :
				    "handshake not completed");
		if (end < d)
			d = end;
	}
	*until = d;
	return 0;
}

static int run(struct load *L)
{
	struct epoll_event ev[64];
	for (;;) {
		int64_t now = elapsed(L), until = 0;
		int rc = pump(L, now);
		if (rc < 0)
			return rc;
		if (rc == 1)
			return 0;
		if ((rc = deadline(L, now, &until)))
			return rc;
		int64_t ms = (until - now + 999999) / 1000000;
		if (ms > 1000)
			ms = 1000;
		int n = epoll_wait(L->ep, ev, 64, (int)ms);
		if (n < 0 && errno != EINTR)
			return fail(L, -errno, "epoll_wait: %s", strerror(errno));
		now = elapsed(L);
		for (int i = 0; i < n; i++)
			if ((rc = conn_event(L, (int)ev[i].data.u32,
					     ev[i].events, now)))
				return rc;
	}
}

static int load_init(struct load *L, const struct page *pg,
		     const struct in_addr *addr, const struct fetch_opts *o,
		     struct fetch_result *r)
{
	memset(r, 0, sizeof(*r));
	r->plt_ns = r->load_event_ns = -1;
	*L = (struct load){ .pg = pg, .addr = addr, .o = *o, .r = r,
			    .ep = -1 };
	if (!L->o.port)
		L->o.port = L->o.tls != TLS_OFF ? 443 : 80;
	if (!L->o.timeout_ns)
		L->o.timeout_ns = DEFAULT_TIMEOUT_NS;
	if (!L->o.overall_ns)
		L->o.overall_ns = DEFAULT_OVERALL_NS;
	r->n = pg->n;
	r->req = calloc(pg->n, sizeof(*r->req));
	r->conns = calloc(pg->n, sizeof(*r->conns));
	L->c = calloc(pg->n, sizeof(*L->c));
	L->req = calloc(pg->n, sizeof(*L->req));
	L->reqlen = calloc(pg->n, sizeof(*L->reqlen));
	L->rbuf = malloc(FETCH_RBUF);
	if (!r->req || !r->conns || !L->c || !L->req || !L->reqlen || !L->rbuf)
		return fail(L, -ENOMEM, "out of memory");
	if (L->o.tls != TLS_OFF && !L->o.tls_client)
		return fail(L, -EINVAL, "HTTPS (%s) without a TLS client", tls_mode_name(L->o.tls));
	for (size_t i = 0; i < pg->n; i++)
		r->req[i] = (struct fetch_req){ .queued_ns = -1,
			.connect_ns = -1, .connected_ns = -1, .tls_done_ns = -1, .sent_ns = -1,
			.first_byte_ns = -1, .done_ns = -1, .conn = -1 };
	/* Before the requests: it also checks the host indexes they use. */
	int rc = sched_new(pg, &L->o.sched, &L->s);
	if (rc)
		return fail(L, rc, "page refused by the scheduler (see above)");
	for (size_t i = 0; i < pg->n; i++) {
		const struct page_res *p = &pg->res[i];
		rc = http_request_build(pg->hosts[p->host], p->path, p->ctype,
					p->req_bytes, &L->req[i],
					&L->reqlen[i]);
		if (rc)
			return fail(L, rc, "res %s: cannot build a request "
				    "for host %s path %s", p->id,
				    pg->hosts[p->host], p->path);
	}
	L->ep = epoll_create1(EPOLL_CLOEXEC);
	if (L->ep < 0)
		return fail(L, -errno, "epoll_create1: %s", strerror(errno));
	return 0;
}

static void load_release(struct load *L)
{
	int64_t now = elapsed(L);
	for (size_t id = 0; id < L->r->nconns; id++)
		conn_close(L, (int)id, now);
	for (size_t i = 0; L->req && i < L->pg->n; i++)
		free(L->req[i]);
	free(L->req);
	free(L->reqlen);
	free(L->rbuf);
	free(L->c);
	sched_free(L->s);
	if (L->ep >= 0)
		close(L->ep);
}

void fetch_cc_summary(const struct fetch_conn *conns, size_t n, char out[16], size_t *nread)
{
	size_t k = 0;
	out[0] = 0;
	for (size_t i = 0; i < n; i++) {
		if (!conns[i].cc[0])
			continue;
		if (k++ == 0)
			snprintf(out, 16, "%s", conns[i].cc);
		else if (strcmp(out, conns[i].cc))
			snprintf(out, 16, "mixed");
	}
	if (nread)
		*nread = k;
}

int fetch_page(const struct page *pg, const struct in_addr *host_addr,
	       const struct fetch_opts *o, struct fetch_result *r)
{
	struct load L;
	int rc = load_init(&L, pg, host_addr, o, r);
	/* The load starts once the requests are built. */
	L.t0_ns = clock_mono_ns();
	if (!rc)
		rc = run(&L);
	if (!rc) {
		for (size_t i = 0; i < pg->n; i++)
			if (r->req[i].done_ns > r->plt_ns)
				r->plt_ns = r->req[i].done_ns;
	}
	/* Also for requests that became ready but never went out. */
	for (size_t i = 0; L.s && i < pg->n; i++)
		r->req[i].queued_ns = sched_ready_ns(L.s, (int)i);
	fetch_cc_summary(r->conns, r->nconns, r->cc_used, NULL);
	load_release(&L);
	return rc;
}

void fetch_result_free(struct fetch_result *r)
{
	if (!r)
		return;
	free(r->req);
	free(r->conns);
	r->req = NULL;
	r->conns = NULL;
	r->n = r->nconns = 0;
}
