/*
 * One group of the run: the cells that differ only in TFO, in one session,
 * their trials alternating between the modes (see run/runner.h).
 */
#include "run/runner.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "common/units.h"
#include "emulator/backend.h"
#include "os/proc.h"
#include "run/trial.h"
#include "run/trial_rows.h"
#include "workloads/pages.h"

int runner_stall_pause_s(int streak)
{
	return streak < 1 ? 0 : streak > 5 ? 16 : 1 << (streak - 1);
}

int runner_wants_trial(int done, int stalled, uint32_t trials, uint32_t t)
{
	return done <= (int)t && stalled <= (int)trials;
}

/*
 * The congestion control a condition runs with: its cc key, or else what a
 * new namespace starts with, which is the host's default (recorded, never
 * changed).
 */
static void cc_in_use(const struct condition_spec *c, char *buf, size_t len)
{
	FILE *f;
	snprintf(buf, len, "%s", c->cc);
	if (c->cc[0] || !(f = fopen("/proc/sys/net/ipv4/tcp_congestion_control", "r")))
		return;
	if (!fgets(buf, (int)len, f))
		snprintf(buf, len, "unknown");
	buf[strcspn(buf, "\n")] = 0;
	fclose(f);
}

static int cond_insert(struct runner *r, const struct condition_spec *c, int64_t *id)
{
	char cc[32];
	cc_in_use(c, cc, sizeof(cc));
	struct store_condition sc = {
		.run_id = r->run_id, .idx = (int)c->index, .pair_key = (int)c->pair, .page = c->page,
		.rtt_ns = (int64_t)c->rtt_ns, .down_bps = (int64_t)c->link.down.rate_bps,
		.up_bps = (int64_t)c->link.up.rate_bps, .queue_pkts = c->link.down.limit_pkts,
		.queue_bytes = (int64_t)c->link.down.limit_bytes, .loss = c->link.down.loss,
		.tfo_mode = c->tfo, .tfo_sysctl = tfo_mode_sysctl(c->tfo, false), .per_conn = (int)c->per_conn,
		.conns_per_host = (int)c->conns_per_host, .trials = (int)c->trials, .warmup = (int)c->warmup,
		.timeout_ns = (int64_t)c->timeout_ns, .backend = r->ops->name,
		/* NULL where the backend cannot tell a stall (struct link_backend_ops.mark) */
		.stall_limit_ns = r->ops->mark ? (int64_t)c->stall_limit_ns : -1,
		.cc = cc, .encoding = encoding_name(c->encoding), .tls = c->tls,
		.fetcher = c->fetcher,
	};
	return store_condition_insert(r->st, &sc, id);
}

/* Stores one trial: the trial row, its requests, connections and link counters. */
static int trial_store(struct runner *r, int64_t cond_id, int seq, const struct page *pg,
		       const struct trial_result *t)
{
	struct trial_rows rows;
	int rc = trial_rows_make(pg, t, seq, &rows);
	if (rc < 0)
		return rc;
	rc = store_trial_insert(r->st, cond_id, &rows.trial, rows.reqs, rows.n, rows.link);
	trial_rows_release(&rows);
	return rc;
}

/*
 * One counted trial of cell @k of the group @g, stored with @seq; @num is
 * its 1-based number among the cell's counted trials.  *@again
 * is set when the host stalled during it (stored invalid; the caller
 * repeats it).  0, or a negative errno when the testbed or store failed.
 */
static int trial_once(struct runner *r, const struct condition_spec *g, size_t k, int64_t cond_id,
		      int seq, int num, struct session *s, const struct page *pg, struct trial_opts *to,
		      const char *rtt, bool *again)
{
	char what[400];
	int rc;

	*again = false;
	r->cond_now = g[k].index + 1;
	if ((rc = trial_prepare(s, to, g[k].tfo)) < 0)
		return rc;
	struct trial_result tr;
	if ((rc = trial_run(s, to, &tr)) < 0)
		return rc;
	rc = trial_store(r, cond_id, seq, pg, &tr);
	if (rc == 0) {
		char mode[64];  /* "on", "on tls 1.3" over HTTPS, "on fetcher chromium" */
		snprintf(mode, sizeof(mode), "%s%s%s%s%s", tfo_mode_name(g[k].tfo),
			 g[k].tls ? " tls " : "", g[k].tls ? tls_mode_name(g[k].tls) : "",
			 g[k].fetcher ? " fetcher " : "", g[k].fetcher ? fetcher_name(g[k].fetcher) : "");
		*again = tr.stalled;
		if (tr.stalled)
			r->stalls++;
		if (!tr.stalled) {
			r->done_trials++;
			r->done_here++;
		}
		snprintf(what, sizeof(what), "%s rtt %s tfo %s trial %d/%u%s", g->page, rtt, mode,
			 num, g[k].trials, tr.stalled ? " STALLED, again" : tr.valid ? "" : " INVALID");
		runner_progress(r, what, tr.fetch.plt_ns >= 0 ? tr.fetch.plt_ns / 1e9 : -1);
		if (!tr.valid)
			log_warn("%s rtt %s tfo %s trial %d is invalid%s: %s", g->page, rtt, mode, num,
				 tr.stalled ? " (repeated)" : "", tr.reason);
	}
	trial_result_release(&tr);
	return rc;
}

int runner_group(struct runner *r, size_t first, size_t count)
{
	const struct condition_spec *g = r->cells + first;
	int64_t ids[8];
	int done[8], stalled[8], need = 0, rc;
	size_t pre_done = 0;     /* conditions of the group complete before it ran */
	char path[PATH_MAX], what[400], rtt[32];

	if (count > 8) {
		log_err("condition %zu: %zu TFO modes in one pair (at most 8)", g->index, count);
		return -EINVAL;
	}
	for (size_t k = 0; k < count; k++) {
		if ((rc = cond_insert(r, &g[k], &ids[k])) < 0 ||
		    (rc = store_trials_done(r->st, ids[k], &done[k], &stalled[k])) < 0)
			return rc;
		if (g[k].trials && runner_wants_trial(done[k], stalled[k], g[k].trials, g[k].trials - 1))
			need = 1;
		else
			pre_done++;   /* already in the runner's count (a resumed run) */
	}
	if (!need)
		return 0;
	struct page *pg;
	if ((rc = pages_find(g->page, path, sizeof(path))) < 0 || (rc = page_parse(path, &pg)) < 0)
		return rc;
	/* The pair shares its encoding: tfo is the only key inside a group. */
	if (g->encoding == ENC_DECODED)
		page_use_decoded(pg);
	units_format_time(g->rtt_ns, rtt, sizeof(rtt));
	struct session_opts so = {
		.pg = pg, .backend = r->ops, .link = g->link, .cc = g->cc[0] ? g->cc : NULL,
		.fastopen_qlen = 4096, .tls = g->tls, .seed = 1, .markup = g->markup,
	};
	struct session *s;
	if ((rc = session_up(&so, &s)) < 0) {
		page_free(pg);
		return rc;
	}
	struct trial_opts to = {
		.tls = g->tls,  /* like the encoding, shared by the group */
		.browser = g->fetcher == FETCHER_CHROMIUM,  /* and the fetcher */
		.flush_metrics = true, .timeout_ns = g->timeout_ns, .stall_limit_ns = g->stall_limit_ns,
		.sched = { .max_per_host = (int)g->conns_per_host, .per_conn = (int)g->per_conn,
			   .follow_plan = true },
	};
	for (uint32_t w = 0; w < g->warmup && rc == 0; w++)
		for (size_t k = 0; k < count && rc == 0; k++) {
			r->cond_now = g[k].index + 1;
			snprintf(what, sizeof(what), "%s rtt %s: warm-up %u/%u", g->page, rtt, w + 1, g->warmup);
			runner_progress(r, what, -1);
			to.tfo_sysctl = tfo_mode_sysctl(g[k].tfo, false);
			to.warm = false;
			rc = trial_warmup(s, &to);
			if (!rc && proc_interrupted())
				rc = -EINTR;
		}
	for (uint32_t t = 0; t < g->trials && rc == 0; t++) {
		for (size_t k = 0; k < count && rc == 0; k++) {
			int streak = 0;  /* stalls in a row of this load */
			while (rc == 0 && runner_wants_trial(done[k], stalled[k], g[k].trials, t)) {
				bool again;
				rc = trial_once(r, g, k, ids[k], done[k] + stalled[k], done[k] + 1, s,
						pg, &to, rtt, &again);
				if (rc < 0)
					break;
				if (!again) {
					done[k]++;
				} else if (++stalled[k] > (int)g[k].trials) {
					log_warn("%s rtt %s tfo %s: %d host stalls; no more repeats, this "
						 "condition keeps %d trials", g->page, rtt,
						 tfo_mode_name(g[k].tfo), stalled[k], done[k]);
				} else {
					struct timespec pause = { runner_stall_pause_s(++streak), 0 };
					nanosleep(&pause, NULL);
				}
				if (proc_interrupted())
					rc = -EINTR;
			}
		}
	}
	session_down(s);
	page_free(pg);
	if (rc == 0) {
		r->conds_done += count - pre_done;
		runner_progress(r, "conditions done", -1);
	}
	return rc;
}
