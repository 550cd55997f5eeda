/*
 * What the browser did on the network during one page load, from the
 * DevTools Network domain's events, and its translation into the
 * fetcher's record (workloads/fetch.h) so that everything after a load
 * (the verdict, the store, waterfalls, HAR) treats both fetchers alike.
 *
 * Pure: events in, records out; no clock, no I/O.  Times in events are
 * Chromium's monotonic seconds; the load's start t0 is given in the same
 * clock (browser/load.c derives it from Navigation Timing).
 */
#ifndef TFOLAB_BROWSER_NETLOG_H
#define TFOLAB_BROWSER_NETLOG_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "workloads/fetch.h"
#include "workloads/page.h"

/* One request as the browser reported it; times -1 when unknown. */
struct netlog_req {
	char *id;                 /* DevTools requestId */
	char *url;
	double queued_s;          /* requestWillBeSent.timestamp */
	double base_s;            /* response timing.requestTime (the base of
				     the ms offsets below) */
	double connect_ms, connected_ms, send_ms, head_ms;  /* from base_s */
	double done_s;            /* loadingFinished.timestamp */
	int status;               /* HTTP status, 0 before the response */
	int64_t conn_id;          /* response connectionId, -1 before it */
	uint64_t wire_bytes;      /* loadingFinished.encodedDataLength:
				     head and body as received */
	uint64_t body_bytes;      /* the decoded body: dataReceived.dataLength */
	char *failed;             /* loadingFailed errorText, or NULL */
};

struct netlog {
	struct netlog_req *req;
	size_t n, cap;
	char *session;            /* only this session's events count; NULL = any */
};

/* netlog_init - empty; @session (copied, may be NULL) selects the events of
 * one page.  0 or -ENOMEM (logged).  netlog_release frees what it holds. */
int netlog_init(struct netlog *l, const char *session);
void netlog_release(struct netlog *l);

/*
 * netlog_event - takes one DevTools message (borrowed): the Network events
 * requestWillBeSent, responseReceived, dataReceived, loadingFinished and
 * loadingFailed of the session; everything else is ignored.  0, -ENOMEM
 * (logged), or -EPROTO (logged) for one of those events without the fields
 * the protocol promises.
 */
int netlog_event(struct netlog *l, json_t *ev);

/* netlog_pending - requests neither finished nor failed; *@first (if not
 * NULL) gets the URL of the first of them (borrowed), or NULL. */
size_t netlog_pending(const struct netlog *l);
const char *netlog_first_pending(const struct netlog *l);

/* netlog_find - index of the request for @url (the n-th of that URL when
 * @nth > 0), or -1. */
long netlog_find(const struct netlog *l, const char *url, size_t nth);

/* Longest URL netlog_url writes: the origin serves paths of at most 16000
 * bytes (origin_page_check), hosts are shorter than 256. */
#define NETLOG_URL_MAX 16400

/*
 * netlog_url - the URL the browser requests resource @i of @pg by
 * (origin_browser_url: "http://HOST.test[:PORT]PATH"; port 0 = 80, which
 * is left out, as the browser writes it).  0 or -ENAMETOOLONG.
 */
int netlog_url(const struct page *pg, size_t i, uint16_t port, char *out, size_t len);

struct netlog_fill {
	size_t missed;            /* resources of the page never requested */
	size_t extra;             /* requests of no resource (e.g. favicon.ico) */
	size_t bad;               /* failed, not 200, or the wrong decoded size */
	char why[256];            /* the first of those, one line; "" if none */
};

/*
 * netlog_to_fetch - fills @r (zeroed first; release with fetch_result_free)
 * for @pg: per resource its request's times as ns since @t0_s, its
 * connection (connections numbered in order of first use), sizes and
 * status; a resource the browser never requested keeps conn -1 and times
 * -1.  A request counts as a new connection when it is the first on its
 * connectionId.  TCP-level facts the browser does not report (SYN data,
 * congestion control) stay false and "": verify them from the kernel's
 * counters.  r->plt_ns is left to the caller (Navigation Timing).
 * 0, or -ENOMEM (logged); what was wrong with the load is in @f.
 */
int netlog_to_fetch(const struct netlog *l, const struct page *pg, uint16_t port, double t0_s,
		    struct fetch_result *r, struct netlog_fill *f);

#endif
