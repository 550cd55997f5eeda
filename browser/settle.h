/*
 * When is a browser's page load over, and was it whole?  The decisions of
 * browser/load.c, apart from its DevTools I/O so that they can be driven
 * by a synthetic clock (tests/unit/test_load.c).
 *
 * A load is over ("settled") once the load event has fired, no request is
 * open, and either every resource of the page has been requested or the
 * grace after the load event has passed (a resource the page's script asks
 * for late gets that long to appear).  It has timed out when the bound
 * (from navigation, the request timeout twice over: run/trial.c) passes
 * first.  A settled load is whole when every resource was requested once,
 * answered 200 with its decoded size; requests of no resource (e.g.
 * /favicon.ico) are allowed and counted.
 *
 * Pure: the caller passes the time in (CLOCK_MONOTONIC ns) and feeds the
 * DevTools events to the netlog (browser/netlog.h) itself.
 */
#ifndef TFOLAB_BROWSER_SETTLE_H
#define TFOLAB_BROWSER_SETTLE_H

#include <stdint.h>

#include "browser/netlog.h"
#include "workloads/fetch.h"
#include "workloads/page.h"

struct settle {
	const struct page *pg;    /* borrowed */
	uint16_t port;            /* server port; 0 = 80 */
	uint64_t overall_ns;      /* the bound, from navigation */
	uint64_t grace_ns;        /* after the load event */
	int64_t deadline_ns;      /* navigation + overall_ns */
	int64_t load_ns;          /* when the load event fired, or -1 */
};

enum settle_state {
	SETTLE_WAIT,              /* not over: wait for an event or the wake */
	SETTLE_DONE,              /* settled: judge it with settle_finish */
	SETTLE_TIMEDOUT,          /* the bound passed first: settle_timeout */
};

/* settle_init - a load of @pg navigated at @now_ns, bounded by @overall_ns
 * with @grace_ns after its load event.  Holds nothing to release. */
void settle_init(struct settle *s, const struct page *pg, uint16_t port, int64_t now_ns,
		 uint64_t overall_ns, uint64_t grace_ns);

/* settle_load_event - the load event fired at @now_ns (the first counts). */
void settle_load_event(struct settle *s, int64_t now_ns);

/*
 * settle_check - the state at @now_ns given what @l has seen.  For
 * SETTLE_WAIT, *@wake_ns gets when to look again even without an event
 * (the grace's end or the bound), never later than the bound.
 */
enum settle_state settle_check(const struct settle *s, const struct netlog *l, int64_t now_ns,
			       int64_t *wake_ns);

/* settle_timeout - writes into r->error why a load that timed out did, in
 * one line naming the first request still open.  Returns -ETIMEDOUT. */
int settle_timeout(const struct settle *s, const struct netlog *l, struct fetch_result *r);

/*
 * settle_finish - fills @r (as netlog_to_fetch; release it with
 * fetch_result_free) from a settled load, with Navigation Timing's
 * requestStart and loadEventEnd (@req_ms, @load_ms from navigation start)
 * giving the PLT and the start of the load in the browser's clock.
 * 0 when the load was whole; -EBADMSG with r->error naming the first
 * resource missed or wrong (or the root's missing timing); -ENOMEM (logged).
 */
int settle_finish(const struct settle *s, const struct netlog *l, double req_ms, double load_ms,
		  struct fetch_result *r);

#endif
