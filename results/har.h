/*
 * One page load as a HAR 1.2 file, for Chrome DevTools and HAR viewers.
 *
 * The one writer of tfolab's HARs: `tfolab load --har` fills a struct
 * har_load from the fetcher's result, `tfolab har` from the store (a trial
 * and its requests).  What goes where:
 *
 *   log.creator      tfolab and its version (git describe)
 *   log.pages[0]     the page: id "page_1", title = the page name,
 *                    startedDateTime = the load's start, pageTimings.onLoad
 *                    = the PLT (ms); custom: _tfo (the mode), _tcp_fastopen
 *                    (the sysctl), _tls (the TLS mode: off, 1.2, 1.3,
 *                    1.3-early), _valid and _reason (the verdict), _link
 *                    (rtt_ms, down_bps, up_bps, loss, backend, cc)
 *   log.entries[i]   one per request, in page order: startedDateTime (the
 *                    load's start + queued), time, request (GET, the URL as
 *                    http://host/path, https:// over TLS, HTTP/1.1, headersSize = the request
 *                    bytes or -1, bodySize 0), response (status, HTTP/1.1,
 *                    Content-Encoding and Content-Type headers when known,
 *                    content.size = decoded bytes, bodySize = the body bytes
 *                    received, headersSize or -1), connection (the
 *                    fetcher's connection id as text), timings, and custom
 *                    _tfo (its connection had SYN data acked),
 *                    _new_connection, _initiator (the parent's URL)
 *
 * Timings (ms, 3 decimals) follow one request through the fetcher:
 * blocked = queued to connect() (new connection) or to the request's
 * first byte written (reused); dns = -1 (no DNS); connect = connect() to
 * the request written (with TFO the request rides in the SYN, so this is
 * about 0 and the handshake shows in wait); ssl = the part of connect
 * that TLS's handshake took, from the TCP handshake's end to TLS's (as HAR
 * 1.2 says, connect includes it; 0 when the request left earlier as early
 * data, its handshake showing in wait; -1 on a reused connection and
 * without TLS); send = 0; wait = written to the first response byte;
 * receive = to the last.  Missing times (a request never sent) take the
 * time before them, so every part is >= 0 and blocked + connect + send +
 * wait + receive = time exactly (integer microseconds).
 */
#ifndef TFOLAB_RESULTS_HAR_H
#define TFOLAB_RESULTS_HAR_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

/* One request; times are ns from the load's start, -1 = never. */
struct har_req {
	const char *host, *path;
	const char *parent_url;    /* "http://host/path" of its parent, or NULL */
	const char *ctype;         /* content type, or NULL */
	const char *enc;           /* Content-Encoding, or NULL for identity */
	int status;
	int conn;                  /* connection id, -1 = never sent */
	bool new_conn, tfo;
	int64_t req_bytes;         /* request bytes, -1 unknown */
	int64_t resp_head_bytes;   /* response head bytes, -1 unknown */
	int64_t body_bytes;        /* body bytes received (the wire) */
	int64_t decoded_bytes;     /* content.size; -1 = body_bytes */
	int64_t queued_ns, connect_ns, sent_ns, first_byte_ns, done_ns;
	int64_t connected_ns;      /* TCP handshake done (new_conn) */
	int64_t tls_done_ns;       /* TLS handshake done (new_conn); -1 = no TLS */
};

struct har_load {
	const char *page;          /* page name */
	int64_t started_unix_us;   /* wall clock of the load's start */
	int64_t plt_ns;            /* -1 if the load failed */
	const char *tfo;           /* TFO mode name */
	const char *tls;           /* TLS mode name; NULL = "off" (plain HTTP) */
	int tfo_sysctl;
	bool valid;
	const char *reason;        /* the verdict, or NULL */
	int64_t rtt_ns, down_bps, up_bps;
	double loss;
	const char *backend, *cc;  /* may be NULL */
	size_t n;
	const struct har_req *req;
};

/* har_scheme - "https" for a TLS mode name (not NULL or "off"), else "http":
 * the scheme of the load's URLs. */
const char *har_scheme(const char *tls);

/* The HAR as a new JSON tree (json_decref it), or NULL on ENOMEM. */
json_t *har_build(const struct har_load *l);

/*
 * Writes the HAR to path ("-" = stdout), indented.  Returns 0, or a
 * negative errno after logging "PATH: ...".
 */
int har_write_file(const struct har_load *l, const char *path);

#endif
