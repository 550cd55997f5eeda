/*
 * A trial: one load of the session's page from the client namespace,
 * measured against the kernel's own counters and the link's, and its
 * verdict (verify/tfo.h, verify/stall.h).
 */
#include "run/trial.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "browser/load.h"
#include "common/datadir.h"
#include "common/log.h"
#include "os/netns.h"
#include "os/proc.h"
#include "os/tcpmetrics.h"
#include "results/stats.h"
#include "verify/stall.h"
#include "verify/tls.h"
#include "workloads/origin.h"

/* Runs @fn in namespace @side of the testbed. */
static int in_ns(struct session *s, enum testbed_side side, int (*fn)(void *), void *arg)
{
	int saved, rc = testbed_enter(s->tb, side, &saved);
	if (rc < 0)
		return rc;
	rc = fn(arg);
	netns_leave(saved);
	return rc;
}

static int read_counters(void *arg)
{
	return tfo_counters_read(arg);
}

static int flush(void *arg)
{
	return tcpmetrics_flush();
}

struct load_args {
	struct session *s;
	const struct fetch_opts *fo;
	struct trial_result *r;
	bool browser;            /* Chromium loads the page */
	int rc;
};

/* Chromium runs in processes of its own: its CPU time is not measured.
 * Without TFO it gets no preload library, as the fetcher sets no
 * TCP_FASTOPEN_CONNECT then. */
static int load_browser(struct load_args *a)
{
	char lib[PATH_MAX] = "";
	struct browser_opts bo = {
		.dir = a->s->tb->run_dir, .prefix = a->s->tb->prefix, .port = a->fo->port,
		/* twice a request's own bound: a page takes seconds */
		.overall_ns = 2 * (a->fo->timeout_ns ? a->fo->timeout_ns : 30000000000ULL),
	};
	if (a->fo->tfo) {
		if (preload_path(lib, sizeof(lib)) < 0) {
			log_err("the TFO preload library %s is missing (ninja -C build builds it)", lib);
			snprintf(a->r->fetch.error, sizeof(a->r->fetch.error),
				 "no TFO preload library for the browser");
			a->r->fetch.plt_ns = a->r->fetch.load_event_ns = -1;
			a->rc = -ENOENT;
			return 0;
		}
		bo.preload = lib;
	}
	a->rc = browser_load(a->s->pg, a->s->tb->server_addr, &bo, &a->r->fetch);
	return 0;
}

/*
 * A browser reports no SYN data of its own: the kernel's count stands for
 * it (conns_syn_data = TCPFastOpenActive), and when every connection the
 * kernel counted had its SYN data acked, so did each the browser reported
 * (the verdict has checked they are no more than the kernel's).
 */
static void browser_syn_data(struct trial_result *r)
{
	struct fetch_result *f = &r->fetch;
	f->conns_syn_data = (size_t)r->client.active;
	bool all = r->valid && r->client.active_opens && r->client.active == r->client.active_opens;
	for (size_t i = 0; all && i < f->nconns; i++)
		f->conns[i].syn_data = true;
}

/* The fetcher runs in this thread: its CPU time is the thread's. */
static int load(void *arg)
{
	struct load_args *a = arg;
	if (a->browser)
		return load_browser(a);
	int64_t t0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
	a->rc = fetch_page(a->s->pg, a->s->tb->server_addr, a->fo, &a->r->fetch);
	int64_t t1 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
	a->r->cpu_fetch_ns = t1 >= t0 ? t1 - t0 : -1;
	return 0;
}

/* The origin's CPU time so far (nginx's master and workers), or -1. */
static int64_t origin_cpu_ns(const struct session *s)
{
	pid_t pid = origin_pid(s->origin);
	int64_t ns = pid > 0 ? proc_cpu_ns(pid) : -1;
	return ns >= 0 ? ns : -1;
}

static void stats_delta(struct link_stats *d, const struct link_stats *before,
			const struct link_stats *after)
{
	*d = *after;
	d->pkts -= before->pkts;
	d->bytes -= before->bytes;
	d->drops_queue -= before->drops_queue;
	d->drops_loss -= before->drops_loss;
	d->late_pkts -= before->late_pkts;
	d->late_ns -= before->late_ns;
}

/*
 * What the fallbacks cost: per connection that fell back, how much longer
 * than the median connection with acked SYN data it took from connect() to
 * its first response byte, summed (never negative).  0 when no connection
 * had SYN data acked to compare with; -1 (unknown; logged) when out of
 * memory.
 */
static int64_t fallback_cost(const struct fetch_result *f)
{
	size_t n = f->nconns ? f->nconns : 1, nok = 0;
	/* ns as doubles: exact below 2^53 ns (104 days). */
	double *ok = calloc(2 * n, sizeof(*ok)), med;
	int64_t cost = 0;
	if (!ok) {
		log_err("fallback cost of %zu connections: calloc: %s", f->nconns, strerror(ENOMEM));
		return -1;
	}
	double *first = ok + n;   /* connect() to first byte, per connection */
	for (size_t c = 0; c < f->nconns; c++)
		first[c] = -1;
	for (size_t i = 0; i < f->n; i++) {
		const struct fetch_req *q = &f->req[i];
		if (q->new_conn && q->conn >= 0 && (size_t)q->conn < f->nconns && q->first_byte_ns >= 0)
			first[q->conn] = (double)(q->first_byte_ns - f->conns[q->conn].connect_ns);
	}
	for (size_t c = 0; c < f->nconns; c++)
		if (f->conns[c].syn_data && first[c] >= 0)
			ok[nok++] = first[c];
	int rc = nok ? stats_median(ok, nok, &med) : 0;
	if (rc < 0) {
		log_err("fallback cost of %zu connections: median: %s", f->nconns, strerror(-rc));
		cost = -1;
	}
	for (size_t c = 0; nok && rc == 0 && c < f->nconns; c++)
		if (!f->conns[c].syn_data && first[c] > med)
			cost += (int64_t)(first[c] - med);
	free(ok);   /* and first, its second half */
	return cost;
}

/* "a; b", "a" or "b" into @dst, cut to @len (a reason is for people). */
static void reason_join(char *dst, size_t len, const char *a, const char *b)
{
	const char *part[3] = { a, a && b ? "; " : NULL, b };
	size_t o = 0;
	for (int i = 0; i < 3; i++) {
		size_t l = part[i] ? strlen(part[i]) : 0;
		if (l > len - 1 - o)
			l = len - 1 - o;
		memcpy(dst + o, part[i] ? part[i] : "", l);
		o += l;
	}
	dst[o] = 0;
}

/*
 * The TLS verdict (verify/tls.h) joins the TFO verdict in r->reason: an
 * HTTPS trial is valid only when both are.  Plain HTTP loads keep the TFO
 * reason alone, unless a connection spoke TLS after all.
 */
static void tls_judge(const struct session *s, const struct trial_opts *o, struct trial_result *r)
{
	char tls[160], tfo[sizeof(r->reason)];
	bool ok = tls_verdict(o->tls, r->fetch.conns, r->fetch.nconns,
			      (const char *const *)s->pg->hosts, tls, sizeof(tls));
	if (ok && o->tls == TLS_OFF)
		return;
	snprintf(tfo, sizeof(tfo), "%s", r->reason);
	if (ok)
		reason_join(r->reason, sizeof(r->reason), tfo, tls);
	else
		reason_join(r->reason, sizeof(r->reason), r->valid ? NULL : tfo, tls);
	r->valid = r->valid && ok;
}

int trial_run(struct session *s, const struct trial_opts *o, struct trial_result *r)
{
	struct tfo_counters c0, c1, s0, s1;
	struct link_stats up0, down0, up1, down1;
	int rc;

	memset(r, 0, sizeof(*r));
	r->tfo_sysctl = o->tfo_sysctl;
	r->cpu_fetch_ns = r->cpu_origin_ns = -1;  /* not measured yet */
	if (o->flush_metrics &&
	    ((rc = in_ns(s, TESTBED_CLIENT, flush, NULL)) < 0 || (rc = in_ns(s, TESTBED_SERVER, flush, NULL)) < 0))
		return rc;
	if (s->tfo_sysctl != o->tfo_sysctl) {
		if ((rc = testbed_set_tfo(s->tb, o->tfo_sysctl)) < 0)
			return rc;
		s->tfo_sysctl = o->tfo_sysctl;
	}
	if ((rc = in_ns(s, TESTBED_CLIENT, read_counters, &c0)) < 0 ||
	    (rc = in_ns(s, TESTBED_SERVER, read_counters, &s0)) < 0 ||
	    (rc = testbed_link_stats(s->tb, &up0, &down0)) < 0)
		return rc;

	struct fetch_opts fo = {
		.tfo = (o->tfo_sysctl & 0x1) != 0, .tls = o->tls, .tls_client = s->tls_client,
		.sched = o->sched, .timeout_ns = o->timeout_ns,
	};
	struct load_args a = { .s = s, .fo = &fo, .r = r, .browser = o->browser };
	/* Steal time is context, not a verdict: a machine without it warns once. */
	static bool no_steal;
	uint64_t steal0 = 0, steal1 = 0;
	r->late_known = testbed_link_mark(s->tb);
	r->steal_ns = -1;
	bool steal_ok = !no_steal && stall_steal_read("/proc/stat", &steal0) == 0;
	no_steal = !steal_ok;
	r->started_at_us = clock_real_ns() / 1000;
	int64_t origin0 = origin_cpu_ns(s);
	if ((rc = in_ns(s, TESTBED_CLIENT, load, &a)) < 0)
		return rc;
	int64_t origin1 = origin_cpu_ns(s);
	r->cpu_origin_ns = origin0 >= 0 && origin1 >= origin0 ? origin1 - origin0 : -1;
	if (steal_ok && stall_steal_read("/proc/stat", &steal1) == 0 && steal1 >= steal0)
		r->steal_ns = (int64_t)(steal1 - steal0);

	if ((rc = in_ns(s, TESTBED_CLIENT, read_counters, &c1)) < 0 ||
	    (rc = in_ns(s, TESTBED_SERVER, read_counters, &s1)) < 0 ||
	    (rc = testbed_link_stats(s->tb, &up1, &down1)) < 0)
		return rc;
	r->load_event_ns = r->fetch.load_event_ns;
	tfo_counters_diff(&c0, &c1, &r->client);
	tfo_counters_diff(&s0, &s1, &r->server);
	stats_delta(&r->up, &up0, &up1);
	stats_delta(&r->down, &down0, &down1);

	/* A stall is named first: it explains whatever else went wrong. */
	char stall[160];
	r->stalled = o->stall_limit_ns && r->late_known &&
		     stall_verdict(&r->up, &r->down, o->stall_limit_ns, stall, sizeof(stall));
	if (a.rc < 0) {
		r->valid = false;
		char why[300];
		snprintf(why, sizeof(why), "load failed: %s",
			 r->fetch.error[0] ? r->fetch.error : strerror(-a.rc));
		reason_join(r->reason, sizeof(r->reason), r->stalled ? stall : NULL, why);
		return 0;
	}
	/* A browser's connections are the kernel's to count (tfo.h). */
	bool *syn = o->browser ? NULL : calloc(r->fetch.nconns ? r->fetch.nconns : 1, sizeof(bool));
	if (!o->browser && !syn)
		return -ENOMEM;
	for (size_t i = 0; syn && i < r->fetch.nconns; i++)
		syn[i] = r->fetch.conns[i].syn_data;
	struct tfo_check chk = {
		.mode = o->tfo_sysctl, .warm = o->warm, .new_conns = r->fetch.nconns,
		.syn_data = syn, .client = &r->client, .server = &r->server,
		.link_drops = r->up.drops_queue + r->up.drops_loss + r->down.drops_queue +
			      r->down.drops_loss,
	};
	r->valid = tfo_verdict(&chk, r->reason, sizeof(r->reason));
	if (o->browser)
		browser_syn_data(r);
	r->fallbacks = chk.fallbacks;
	r->fallback_ns = r->fallbacks ? (o->browser ? -1 : fallback_cost(&r->fetch)) : 0;
	free(syn);
	tls_judge(s, o, r);
	if (r->stalled) {
		char tfo[sizeof(r->reason)];
		snprintf(tfo, sizeof(tfo), "%s", r->reason);
		reason_join(r->reason, sizeof(r->reason), stall, r->valid ? NULL : tfo);
		r->valid = false;
	}
	return 0;
}

void trial_result_release(struct trial_result *r)
{
	fetch_result_free(&r->fetch);
}

int trial_warmup(struct session *s, const struct trial_opts *o)
{
	struct trial_result t;
	/* Full handshakes: a warm-up brings tickets and uses none (a resumed
	 * connection brings one at most, often after the load has ended). */
	tls_client_resume(s->tls_client, false);
	/* Cookies live in the namespace's tcp_metrics, whoever fetched them:
	 * the builtin fetcher gets them in a fraction of a browser's time. */
	struct trial_opts w = *o;
	w.browser = false;
	int rc = trial_run(s, &w, &t);
	tls_client_resume(s->tls_client, true);
	if (rc == 0 && t.fetch.error[0])
		log_warn("warm-up load failed: %s", t.fetch.error);
	trial_result_release(&t);
	return rc;
}

/*
 * The first host of the page with fewer stored session tickets than the
 * connections a load may open to it (sched_conns_bound), or -1 when every
 * host has enough.
 */
static int tickets_short(const struct session *s, const struct trial_opts *o)
{
	for (size_t h = 0; h < s->pg->nhosts; h++)
		if (tls_client_tickets(s->tls_client, s->pg->hosts[h]) <
		    sched_conns_bound(s->pg, (int)h, &o->sched))
			return (int)h;
	return -1;
}

int trial_prepare(struct session *s, struct trial_opts *o, enum tfo_mode mode)
{
	int rc, h;
	o->tfo_sysctl = tfo_mode_sysctl(mode, false);
	o->warm = false;
	o->flush_metrics = true;
	if (tfo_modes[mode].cookies) {
		/* Fresh metrics, then one load to fetch the cookies; the counted
		 * load then keeps them (they live in tcp_metrics). */
		log_info("warm-up load to fetch the TFO cookies");
		if ((rc = trial_warmup(s, o)) < 0)
			return rc;
		o->warm = true;
		o->flush_metrics = false;
	}
	/* 1.3-early resumes every connection, each with a ticket of its own:
	 * warm-up loads collect them (trial_warmup makes full handshakes,
	 * which bring two tickets each). */
	for (int i = 0; tls_modes[o->tls].early && i < 3 && (h = tickets_short(s, o)) >= 0; i++) {
		log_info("warm-up load to collect TLS session tickets (%s has %zu)", s->pg->hosts[h],
			 tls_client_tickets(s->tls_client, s->pg->hosts[h]));
		if ((rc = trial_warmup(s, o)) < 0)
			return rc;
	}
	return 0;
}
