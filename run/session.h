/*
 * A session: one testbed with the origin server of one page running in its
 * server namespace, ready for page loads.  A trial is one load of the page
 * from the client namespace, verified against the kernel's own counters.
 *
 * Each condition of an experiment gets one session; its trials alternate
 * TFO off and on in the same session (testbed_set_tfo between trials), so
 * that slow drift of a noisy machine hits both alike.
 */
#ifndef TFOLAB_RUN_SESSION_H
#define TFOLAB_RUN_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "emulator/link.h"
#include "testbed/testbed.h"
#include "verify/tfo.h"
#include "workloads/fetch.h"
#include "workloads/page.h"

struct origin;

struct session_opts {
	const struct page *pg;                  /* borrowed; outlives the session */
	const struct link_backend_ops *backend;
	struct link_params link;
	const char *cc;                         /* NULL = namespace default */
	int fastopen_qlen;                      /* nginx listen fastopen=N */
	uint64_t seed;                          /* body bytes */
};

struct session {
	struct testbed *tb;
	struct origin *origin;
	const struct page *pg;
	int tfo_sysctl;                         /* current value, -1 = unset */
};

/*
 * session_serve - start the origin (nginx) of @pg in @tb's server namespace,
 * one server address per host of the page (tb needs pg->nhosts addresses).
 * Free it with origin_free().  0 or a negative errno, nothing left behind.
 */
int session_serve(struct testbed *tb, const struct page *pg, int fastopen, uint64_t seed,
		  struct origin **out);

/* session_up - testbed + origin.  0, or a negative errno with nothing left. */
int session_up(const struct session_opts *o, struct session **out);

/* session_down - stop nginx, tear the testbed down, free.  NULL is a no-op. */
int session_down(struct session *s);

struct trial_opts {
	int tfo_sysctl;          /* net.ipv4.tcp_fastopen for this load: 0, 519, 3 */
	bool warm;               /* cookies were fetched by an earlier load */
	bool flush_metrics;      /* flush tcp_metrics on both sides first */
	struct sched_opts sched;
	uint64_t timeout_ns;     /* per request */
	uint64_t stall_limit_ns; /* see stall_verdict; 0 = no verdict */
};

struct trial_result {
	struct fetch_result fetch;       /* timings; release with trial_result_release */
	int64_t started_at_us;           /* wall clock (CLOCK_REALTIME) of the start */
	int tfo_sysctl;
	bool valid;
	bool stalled;                    /* invalid because the host stalled (stall.h):
					  * a repeat may succeed */
	char reason[320];                /* why invalid; the TFO verdict when valid */
	int64_t steal_ns;                /* the guest's steal time over the load; -1 unknown */
	bool late_known;                 /* the backend measures lateness (up/down.late_*) */
	struct tfo_counters client;      /* deltas over the load */
	struct tfo_counters server;
	struct link_stats up, down;      /* deltas over the load */
	size_t fallbacks;                /* TFO fallbacks after drops (tfo.h) */
	int64_t fallback_ns;             /* their cost (session.c fallback_cost);
					    -1 unknown */
};

/*
 * trial_run - one load of the page.  Flushes the TCP metrics when asked,
 * sets the TFO sysctl in both namespaces, reads the TcpExt counters of both
 * namespaces and the link counters before and after, loads the page from
 * the client namespace and gives the verdict: a failed load (reset,
 * timeout, wrong size or status) or a TFO check that disagrees with the
 * mode makes the trial invalid, with the reason.  Returns 0 when the trial
 * ran (valid or not), or a negative errno when the testbed itself failed.
 */
int trial_run(struct session *s, const struct trial_opts *o, struct trial_result *r);

void trial_result_release(struct trial_result *r);

#endif
