/*
 * Turning recorded page loads into pages.  The format is detected from the
 * content, not the file name:
 *   - HAR 1.2: JSON with log.entries (import_har.c);
 *   - the page-manifest CSV of reference/pages (header
 *     id,parent,host,path,bytes,content_type,discovered_by,ref_offset);
 *   - the capture CSV of reference/captures (header seq,group,connection,...)
 *     (both in import_csv.c).
 * How each field is derived is documented in workloads/pages/README.md.
 *
 * The page is built in memory, written in the .page format and parsed back,
 * so an imported page is exactly what its .page file holds and passed every
 * check of page_parse.
 */
#ifndef TFOLAB_WORKLOADS_IMPORT_H
#define TFOLAB_WORKLOADS_IMPORT_H

#include <stddef.h>
#include <stdint.h>

#include "workloads/page.h"

enum import_skip {
	IMPORT_SKIP_DATA,      /* data: URL */
	IMPORT_SKIP_BLOB,      /* blob: URL */
	IMPORT_SKIP_SCHEME,    /* another non-HTTP scheme (about:, file:, ...) */
	IMPORT_SKIP_FAILED,    /* status 0, or an _error */
	IMPORT_SKIP_EXTENSION, /* chrome-extension:, moz-extension:, ... */
	IMPORT_SKIP_WEBSOCKET, /* ws:, wss:, a 101 or a _resourceType websocket */
	IMPORT_SKIP_CACHED,    /* served from cache, with --cache skip */
	IMPORT_SKIP_N
};

enum import_warn {
	IMPORT_WARN_SIZE_FALLBACK, /* bodySize missing or -1: a fallback gave it */
	IMPORT_WARN_SIZE_UNKNOWN,  /* no size anywhere: body_bytes 0 */
	IMPORT_WARN_TIME,          /* startedDateTime missing or unreadable */
	IMPORT_WARN_INITIATOR,     /* _initiator matched no earlier entry: root */
	IMPORT_WARN_METHOD,        /* not a GET: replayed as a GET of that size */
	IMPORT_WARN_REQ_CLAMPED,   /* request over PAGE_MAX_REQ: clamped */
	IMPORT_WARN_CONN_SPLIT,    /* a connection id used for several hosts
	                              (HTTP/2 coalescing): one conn per host */
	IMPORT_WARN_SIZE_MISMATCH, /* wire and decoded sizes differ without a
	                              Content-Encoding: the wire size for both */
	IMPORT_WARN_PORT_CONN,     /* connection holds the server port (Firefox):
	                              not a connection id, ignored */
	IMPORT_WARN_REPEAT,        /* a URL fetched again: a query key
	                              (tfl-repeat=N) tells the copies apart */
	IMPORT_WARN_N
};

struct import_opts {
	const char *name;   /* page name; NULL = the input file name without
	                       its directory and extension */
	int page;           /* HAR: 1-based index into log.pages; 0 = first */
	const char *date;   /* overrides the date found in the input, or NULL */
	int cache_skip;     /* HAR: leave cached entries out (--cache skip);
	                       0 = import them at their content size */
	int plan_keep;      /* HAR: keep the connection ids even when entries
	                       went over h2/h3 (--plan keep) */
};

/* HAR: the protocol of an entry (response.httpVersion, any case). */
enum import_proto {
	IMPORT_PROTO_H1,       /* HTTP/1.1, http/1.0, 1.1 */
	IMPORT_PROTO_H2,       /* h2, http/2, http/2.0, spdy */
	IMPORT_PROTO_H3,       /* h3, h3-29, http/3, quic */
	IMPORT_PROTO_UNKNOWN,  /* "unknown", absent or anything else */
	IMPORT_PROTO_N
};

struct import_report {
	const char *format;          /* "har", "manifest" or "capture" */
	size_t entries;              /* rows, or HAR entries of the chosen page */
	size_t kept;                 /* resources in the page */
	size_t other_pages;          /* HAR entries of other pages (not in entries) */
	size_t skipped[IMPORT_SKIP_N];
	size_t warnings[IMPORT_WARN_N];
	size_t req_estimated;        /* request bytes from import_req_estimate */
	size_t parent_initiator;     /* HAR: parents taken from _initiator */
	size_t parent_redirect;      /* HAR: parents that are the 3xx before them */
	size_t cached;               /* HAR: kept entries served from cache */
	size_t proto[IMPORT_PROTO_N];/* HAR: kept entries by protocol */
	int plan_dropped;            /* HAR: connection ids dropped (multiplexed) */
	int mux_timing;              /* HAR: a connection's requests overlapped in
	                                time (multiplexed whatever httpVersion says) */
};

const char *import_proto_name(enum import_proto p);

const char *import_skip_name(enum import_skip s);
const char *import_warn_name(enum import_warn w);

/*
 * Imports path.  o may be NULL (defaults).  rep (may be NULL) is filled in
 * also on failure, as far as it got.  Returns 0 and a new page in *out
 * (page_free it), or -EINVAL after logging every problem found
 * ("FILE:LINE:COL: JSON error: ..." or "FILE:LINE: FIELD: PROBLEM"), or
 * -ENOMEM, or the negative errno of reading the file.
 */
int import_file(const char *path, const struct import_opts *o,
		 struct page **out, struct import_report *rep);

/* Same from memory; name is used in messages, for the default page name
 * and to find the manifest's README.md next to it. */
int import_buf(const char *name, const char *buf, size_t len,
	       const struct import_opts *o, struct page **out,
	       struct import_report *rep);

/*
 * The request size used when the input gives none: a GET request line, a
 * Host header and IMPORT_TYPICAL_HEADERS (Chrome 25, 2013).
 */
uint32_t import_req_estimate(const char *host, const char *path);
size_t import_typical_headers_len(void);

#endif
