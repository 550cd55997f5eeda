/*
 * The page loader: a browser-like HTTP/1.1 client that fetches every
 * resource of a page over real sockets in the current network namespace,
 * following workloads/sched.h's model (connection pools, dependencies,
 * capture plans), optionally with TCP Fast Open, and times every step.
 *
 * Single-threaded, non-blocking, epoll.  With TFO the socket gets
 * TCP_FASTOPEN_CONNECT before connect(), so the request written right after
 * the connect goes out in the SYN.  Every wait has a bound: each request
 * has timeout_ns from being sent to its last byte, and the whole load has
 * overall_ns; a load never hangs.
 */
#ifndef TFOLAB_WORKLOADS_FETCH_H
#define TFOLAB_WORKLOADS_FETCH_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "common/vocab.h"
#include "tls/client.h"
#include "workloads/page.h"
#include "workloads/sched.h"

struct fetch_opts {
	uint16_t port;            /* server port; 0 = 80 */
	bool tfo;                 /* set TCP_FASTOPEN_CONNECT on every socket */
	enum tls_mode tls;        /* TLS_OFF: plain HTTP; else HTTPS through
				     tls_client (port 0 then means 443) */
	struct tls_client *tls_client; /* borrowed; its tickets are taken
				     (1.3-early) and new ones stored */
	struct sched_opts sched;  /* pools, per-connection cap, plan */
	uint64_t timeout_ns;      /* per request, sent to last byte; 0 = 30 s */
	uint64_t overall_ns;      /* whole load; 0 = 300 s */
};

/* Times are ns since the start of the load (CLOCK_MONOTONIC); -1 = never. */
struct fetch_req {
	int64_t queued_ns;        /* became requestable */
	int64_t connect_ns;       /* its connection's connect(), if new_conn */
	int64_t connected_ns;     /* its connection established, if new_conn */
	int64_t tls_done_ns;      /* its connection's TLS handshake done, if
				     new_conn and TLS; -1 otherwise */
	int64_t sent_ns;          /* first request byte written */
	int64_t first_byte_ns;    /* first response byte read */
	int64_t done_ns;          /* last response byte read */
	int conn;                 /* connection id, or -1 if never sent */
	bool new_conn;            /* first request on its connection */
	int status;               /* HTTP status, 0 if none */
	uint32_t req_bytes;       /* request size actually sent */
	uint64_t resp_bytes;      /* response bytes, head included */
	uint64_t body_bytes;      /* body bytes received */
};

struct fetch_conn {
	int host;                 /* index into page.hosts */
	int64_t connect_ns;       /* connect() called */
	int64_t connected_ns;     /* handshake completed */
	int64_t tls_done_ns;      /* TLS handshake completed; -1 if none */
	int64_t closed_ns;
	struct tls_info tls;      /* OpenSSL's account; version 0 without TLS */
	bool syn_data;            /* TCPI_OPT_SYN_DATA: SYN data was acked */
	unsigned requests;        /* requests it carried */
	char cc[16];              /* TCP_CONGESTION read back with its first
				     response byte; "" if none arrived */
};

struct fetch_result {
	int64_t plt_ns;           /* start to the last completed resource;
				     -1 if the load failed */
	size_t n;                 /* = page.n */
	struct fetch_req *req;
	size_t nconns;            /* connections opened */
	struct fetch_conn *conns;
	size_t conns_syn_data;    /* of those, with SYN data acked */
	size_t conns_resumed;     /* of those, TLS sessions resumed */
	size_t conns_early;       /* of those, early data accepted */
	uint64_t bytes_rx;        /* response bytes received, heads included */
	uint64_t bytes_tx;        /* request bytes sent: handed to the socket,
				     or over TLS to OpenSSL (plaintext; a
				     request refused as early data counts
				     twice, as it is sent twice) */
	char cc_used[16];         /* fetch_cc_summary of conns */
	int64_t load_event_ns;    /* a browser's loadEventEnd (browser/load.h);
				     -1 for this fetcher */
	size_t extra_requests;    /* a browser's requests of no resource of
				     the page (favicon.ico) */
	char error[256];          /* why the load failed; "" on success */
};

/*
 * Loads pg, connecting to host_addr[i] (one per pg->hosts[i]) on o->port.
 * Every response must be 200 with a Content-Length equal to the resource's
 * body_bytes.  Returns 0 on success; on failure a negative errno
 * (-ETIMEDOUT, -ECONNREFUSED, -ECONNRESET, -EPROTO for a bad response,
 * -EBADMSG for a size or status mismatch, -ENOMEM, -EINVAL for a page the
 * scheduler refuses, ...) with r->error set to one line naming the
 * resource, host and connection.  r is filled in either case (timings of
 * what happened) and must be released with fetch_result_free.
 */
int fetch_page(const struct page *pg, const struct in_addr *host_addr,
	       const struct fetch_opts *o, struct fetch_result *r);

void fetch_result_free(struct fetch_result *r);

/*
 * fetch_cc_summary - the congestion control that the @n connections read
 * back (struct fetch_conn.cc): their common name, "mixed" when they
 * differ, "" when none was read.  *@nread (if not NULL) = how many were.
 */
void fetch_cc_summary(const struct fetch_conn *conns, size_t n, char out[16], size_t *nread);

/*
 * Writes a text waterfall to f: one line per request with bars scaled to
 * the PLT: '.' queued, 'c' connecting (until the request could be sent:
 * with TFO it goes in the SYN, so the handshake shows as waiting), 's'
 * secure: a new TLS connection's handshake, from connected to tls_done
 * (or to the request, sent earlier as early data), 'w' waiting for the
 * first byte, 'r' receiving; '+' marks a new connection.
 * Returns 0 or -EIO.
 */
int fetch_waterfall_print(const struct page *pg, const struct fetch_result *r,
			  FILE *f);

#endif
