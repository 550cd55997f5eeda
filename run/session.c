#include "run/session.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/clock.h"
#include "common/log.h"
#include "os/netns.h"
#include "os/tcpmetrics.h"
#include "testbed/rundir.h"
#include "verify/stall.h"
#include "workloads/origin.h"

int session_serve(struct testbed *tb, const struct page *pg, int fastopen, uint64_t seed,
		  struct origin **out)
{
	struct origin_opts oo = {
		.addrs = tb->server_addr, .naddrs = pg->nhosts, .fastopen = fastopen,
		.seed = seed, .base_dir = tb->run_dir, .prefix = tb->prefix,
	};
	struct origin *or = origin_new(pg, &oo);
	int saved, rc;

	if (!or)
		return -EINVAL;
	/* nginx inherits the server namespace from the thread that forks it. */
	rc = testbed_enter(tb, TESTBED_SERVER, &saved);
	if (rc == 0) {
		rc = origin_start(or);
		netns_leave(saved);
	}
	if (rc < 0) {
		origin_free(or);
		return rc;
	}
	*out = or;
	return 0;
}

int session_up(const struct session_opts *o, struct session **out)
{
	struct session *s = calloc(1, sizeof(*s));
	int rc;

	if (!s)
		return -ENOMEM;
	s->pg = o->pg;
	s->tfo_sysctl = -1;
	struct testbed_opts to = {
		.nservers = (int)o->pg->nhosts, .backend = o->backend, .link = o->link,
		.tfo_sysctl = -1, .cc = o->cc,
	};
	if (o->pg->nhosts < 1 || o->pg->nhosts > TESTBED_MAX_SERVERS) {
		log_err("page %s: %zu hosts; the testbed serves 1 to %d", o->pg->name, o->pg->nhosts,
			TESTBED_MAX_SERVERS);
		free(s);
		return -EINVAL;
	}
	rc = testbed_up(&to, &s->tb);
	if (rc < 0) {
		free(s);
		return rc;
	}
	rc = session_serve(s->tb, o->pg, o->fastopen_qlen, o->seed, &s->origin);
	if (rc < 0)
		goto error;
	*out = s;
	return 0;
error:
	session_down(s);
	return rc;
}

int session_down(struct session *s)
{
	if (!s)
		return 0;
	origin_free(s->origin);
	int rc = testbed_down(s->tb);
	free(s);
	return rc;
}

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
	int rc;
};

static int load(void *arg)
{
	struct load_args *a = arg;
	a->rc = fetch_page(a->s->pg, a->s->tb->server_addr, a->fo, &a->r->fetch);
	return 0;
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
	int64_t *ok = calloc(2 * n, sizeof(*ok)), cost = 0;
	if (!ok) {
		log_err("fallback cost of %zu connections: calloc: %s", f->nconns, strerror(ENOMEM));
		return -1;
	}
	int64_t *first = ok + n;   /* connect() to first byte, per connection */
	for (size_t c = 0; c < f->nconns; c++)
		first[c] = -1;
	for (size_t i = 0; i < f->n; i++) {
		const struct fetch_req *q = &f->req[i];
		if (q->new_conn && q->conn >= 0 && (size_t)q->conn < f->nconns && q->first_byte_ns >= 0)
			first[q->conn] = q->first_byte_ns - f->conns[q->conn].connect_ns;
	}
	for (size_t c = 0; c < f->nconns; c++)
		if (f->conns[c].syn_data && first[c] >= 0)
			ok[nok++] = first[c];
	if (nok) {
		/* Insertion sort: a load has tens of connections. */
		for (size_t i = 1; i < nok; i++)
			for (size_t j = i; j > 0 && ok[j - 1] > ok[j]; j--) {
				int64_t t = ok[j];
				ok[j] = ok[j - 1];
				ok[j - 1] = t;
			}
		int64_t med = ok[nok / 2];
		for (size_t c = 0; c < f->nconns; c++)
			if (!f->conns[c].syn_data && first[c] > med)
				cost += first[c] - med;
	}
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

int trial_run(struct session *s, const struct trial_opts *o, struct trial_result *r)
{
	struct tfo_counters c0, c1, s0, s1;
	struct link_stats up0, down0, up1, down1;
	int rc;

	memset(r, 0, sizeof(*r));
	r->tfo_sysctl = o->tfo_sysctl;
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
		.tfo = (o->tfo_sysctl & 0x1) != 0, .sched = o->sched, .timeout_ns = o->timeout_ns,
	};
	struct load_args a = { .s = s, .fo = &fo, .r = r };
	/* Steal time is context, not a verdict: a machine without it warns once. */
	static bool no_steal;
	uint64_t steal0 = 0, steal1 = 0;
	r->late_known = testbed_link_mark(s->tb);
	r->steal_ns = -1;
	bool steal_ok = !no_steal && stall_steal_read("/proc/stat", &steal0) == 0;
	no_steal = !steal_ok;
	r->started_at_us = clock_real_ns() / 1000;
	if ((rc = in_ns(s, TESTBED_CLIENT, load, &a)) < 0)
		return rc;
	if (steal_ok && stall_steal_read("/proc/stat", &steal1) == 0 && steal1 >= steal0)
		r->steal_ns = (int64_t)(steal1 - steal0);

	if ((rc = in_ns(s, TESTBED_CLIENT, read_counters, &c1)) < 0 ||
	    (rc = in_ns(s, TESTBED_SERVER, read_counters, &s1)) < 0 ||
	    (rc = testbed_link_stats(s->tb, &up1, &down1)) < 0)
		return rc;
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
	bool *syn = calloc(r->fetch.nconns ? r->fetch.nconns : 1, sizeof(bool));
	if (!syn)
		return -ENOMEM;
	for (size_t i = 0; i < r->fetch.nconns; i++)
		syn[i] = r->fetch.conns[i].syn_data;
	struct tfo_check chk = {
		.mode = o->tfo_sysctl, .warm = o->warm, .new_conns = r->fetch.nconns,
		.syn_data = syn, .client = &r->client, .server = &r->server,
		.link_drops = r->up.drops_queue + r->up.drops_loss + r->down.drops_queue +
			      r->down.drops_loss,
	};
	r->valid = tfo_verdict(&chk, r->reason, sizeof(r->reason));
	r->fallbacks = chk.fallbacks;
	r->fallback_ns = r->fallbacks ? fallback_cost(&r->fetch) : 0;
	free(syn);
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
