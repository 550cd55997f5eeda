/*
 * A trial: one load of a session's page from the client namespace, checked
 * against the kernel's own counters: did the connections use TFO as the
 * mode says (verify/tfo.h), and did the host stall under the link
 * (verify/stall.h)?  An invalid trial says why.
 */
#ifndef TFOLAB_RUN_TRIAL_H
#define TFOLAB_RUN_TRIAL_H

#include <stdbool.h>
#include <stdint.h>

#include "common/vocab.h"
#include "emulator/link.h"
#include "run/session.h"
#include "verify/tfo.h"
#include "workloads/fetch.h"

struct trial_opts {
	int tfo_sysctl;          /* net.ipv4.tcp_fastopen for this load: 0, 519, 3 */
	enum tls_mode tls;       /* plain HTTP or the TLS mode of the load; the
				    condition's, shared by a group's cells */
	bool warm;               /* cookies were fetched by an earlier load */
	bool flush_metrics;      /* flush tcp_metrics on both sides first */
	struct sched_opts sched;
	uint64_t timeout_ns;     /* per request */
	uint64_t stall_limit_ns; /* see stall_verdict; 0 = no verdict */
	bool browser;            /* a real Chromium loads the page (browser/load.h),
				    verified by the kernel's counters alone;
				    warm-ups still use the builtin fetcher;
				    with TFO it gets the preload library
				    (common/datadir.h preload_path) */
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
	int64_t fallback_ns;             /* their cost (trial.c fallback_cost);
					    -1 unknown */
	int64_t cpu_fetch_ns;            /* CPU time (user + system) the fetcher
					    spent on the load; -1 unknown */
	int64_t cpu_origin_ns;           /* the origin's over the load; -1 unknown */
	int64_t load_event_ns;           /* Chromium's loadEventEnd, ns from
					    navigation start (its PLT, which
					    fetch.plt_ns repeats); 0 or -1: none
					    (the builtin fetcher), stored as NULL */
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

/*
 * trial_warmup - one load that does not count, as @o says; a failed fetch
 * is only a warning.  Over TLS it makes full handshakes, so that it only
 * adds session tickets.  Returns 0, or a negative errno when the testbed
 * itself failed.
 */
int trial_warmup(struct session *s, const struct trial_opts *o);

/*
 * trial_prepare - set @o up for a load that counts in TFO mode @mode: its
 * sysctl, and the TCP metrics flushed first; for a mode with real cookies,
 * one trial_warmup first to fetch them, after which the metrics are kept
 * (the cookies live there).  Then, in TLS mode 1.3-early (@o->tls, set by
 * the caller), up to 3 trial_warmup loads while a host of the page has
 * fewer stored session tickets than the connections a load may open to
 * it.  Returns 0, or a negative errno when the testbed failed.
 */
int trial_prepare(struct session *s, struct trial_opts *o, enum tfo_mode mode);

#endif
