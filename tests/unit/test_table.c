/*
 * Table 1 and the persistence comparison, rendered from a database filled
 * with synthetic trials whose statistics are known by hand.  The trials of
 * a side are listed by seq: V a valid trial (the next PLT), I an invalid
 * one that counts (a timeout: its round is used), S a host stall (invalid,
 * repeated, not a round).  Pairs are the off and TFO trials of one round,
 * both valid (results/cells.c, "Pairing"); they are written out below by
 * hand.  p is the paired t-test's, from mpmath.
 *
 *   cell               off PLTs (s)          TFO PLTs (s)               gain   p
 *   amazon  20 ms      1.00 1.10 0.90 1.00   0.96 S 1.05 0.86 0.96 0.95 4.4%   5.6e-5 **
 *                      1.00                  (5 fallbacks, 1 per trial)
 *   amazon 100 ms      2.0 2.2 1.8 2.0 2.0   1.6 1.7 1.5 1.6 1.6        20%    2.2e-4 **
 *   amazon 200 ms      3.0 3.3 2.7 3.0 3.0   1.5 1.65 1.35 1.5 1.5      50%    6.0e-6 ** (above 41%)
 *   wsj     20 ms      1.0 1.4 0.6 1.2 0.8   1.02 1.36 0.62 1.16 0.78   1.2%   0.43 ns
 *   wsj    100 ms      2.0 2.01 1.99 2 2     1.98 1.985 1.975 1.98 1.975 1.05% 3.6e-4 ** (below 4%)
 *   nytimes 100 ms     I 1.5                 1.2 1.3 1.1                one pair: not tested
 *   wikipedia-tcp 100  2.0 2.2 2.1 2.0 2.1   1.8 1.98 I 1.8 1.89 1.5    10%    2.7e-5 **
 *                      pairs: rounds 0, 1, 3, 4 (off round 2 and TFO round 5 unpaired)
 *   wikipedia-tcp 200  3.0 3.2 2.8 3.0 3.0   1.8 1.9 1.7 1.8 1.8        40%    2.9e-6 **
 *
 * The paper states amazon and wsj at 20 ms (4-5%), wikipedia-tcp at 100 ms
 * (16%) and 200 ms (41%).  By hand (amazon 20 ms): d = 0.04 0.05 0.04
 * 0.04 0.05, mean 0.044, sample variance 0.00003, t = 0.044 /
 * sqrt(0.00003 / 5) = 17.96 with 4 dof.  Means and sds are exact decimals;
 * the bootstrap CIs come from stats_boot_paired_improvement with the
 * table's seed, which test_stats checks on its own.  Every trial of this
 * run reports cc cubic, as configured.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <jansson.h>

#include "results/export.h"
#include "results/stats.h"
#include "results/store.h"
#include "results/table.h"

struct fixture {
	char dir[64];
	char path[128];
	struct store *st;
	int64_t run;       /* Table 1 run */
	int64_t sweep;     /* per_conn sweep run */
	int64_t empty;     /* a run whose only trial is invalid */
	int64_t cookie;    /* one cell with off, on and cookie; still running */
	int64_t small;     /* three pairs, where the CI and the test disagree */
};

struct side {
	const char *pattern;     /* V, I, S by seq; NULL: n times V */
	double plt[6];           /* the valid PLTs */
	size_t n;
	int64_t fallbacks;       /* of each valid trial; -1 unknown */
	const char *cc_used;     /* of each valid trial */
};

struct spec {
	const char *page;
	int rtt_ms;
	int per_conn;
	struct side off, tfo;
	/* The pairs by hand when a pattern leaves some trial unpaired; else
	 * npairs is 0 and the valid PLTs pair in order. */
	double pair_off[6], pair_tfo[6];
	size_t npairs;
};

static const struct spec table1[] = {
	{ "amazon", 20, 2, { NULL, { 1.00, 1.10, 0.90, 1.00, 1.00 }, 5, 0, "cubic" },
	  { "VSVVVV", { 0.96, 1.05, 0.86, 0.96, 0.95 }, 5, 1, "cubic" }, { 0 }, { 0 }, 0 },
	{ "amazon", 100, 2, { NULL, { 2.0, 2.2, 1.8, 2.0, 2.0 }, 5, -1, "cubic" },
	  { NULL, { 1.6, 1.7, 1.5, 1.6, 1.6 }, 5, -1, "cubic" }, { 0 }, { 0 }, 0 },
	{ "amazon", 200, 2, { NULL, { 3.0, 3.3, 2.7, 3.0, 3.0 }, 5, -1, "cubic" },
	  { NULL, { 1.5, 1.65, 1.35, 1.5, 1.5 }, 5, -1, "cubic" }, { 0 }, { 0 }, 0 },
	{ "wsj", 20, 2, { NULL, { 1.0, 1.4, 0.6, 1.2, 0.8 }, 5, -1, "cubic" },
	  { NULL, { 1.02, 1.36, 0.62, 1.16, 0.78 }, 5, -1, "cubic" }, { 0 }, { 0 }, 0 },
	{ "wsj", 100, 2, { NULL, { 2.0, 2.01, 1.99, 2.0, 2.0 }, 5, -1, "cubic" },
	  { NULL, { 1.98, 1.985, 1.975, 1.98, 1.975 }, 5, -1, "cubic" }, { 0 }, { 0 }, 0 },
	{ "nytimes", 100, 2, { "IV", { 1.5 }, 1, -1, "cubic" },
	  { NULL, { 1.2, 1.3, 1.1 }, 3, -1, "cubic" }, { 1.5 }, { 1.3 }, 1 },
	{ "wikipedia-tcp", 100, 2, { NULL, { 2.0, 2.2, 2.1, 2.0, 2.1 }, 5, -1, "cubic" },
	  { "VVIVVV", { 1.8, 1.98, 1.8, 1.89, 1.5 }, 5, -1, "cubic" },
	  { 2.0, 2.2, 2.0, 2.1 }, { 1.8, 1.98, 1.8, 1.89 }, 4 },
	{ "wikipedia-tcp", 200, 2, { NULL, { 3.0, 3.2, 2.8, 3.0, 3.0 }, 5, -1, "cubic" },
	  { NULL, { 1.8, 1.9, 1.7, 1.8, 1.8 }, 5, -1, "cubic" }, { 0 }, { 0 }, 0 },
};

/* Gains: amazon 30, 20, 5% (shrinks); wsj 10, 12, 3% (does not).  No cc read back. */
static const struct spec sweep[] = {
	{ "amazon", 100, 1, { NULL, { 2.0, 2.1, 1.9, 2.0 }, 4, -1, NULL },
	  { NULL, { 1.4, 1.5, 1.3, 1.4 }, 4, -1, NULL }, { 0 }, { 0 }, 0 },
	{ "amazon", 100, 2, { NULL, { 2.0, 2.1, 1.9, 2.0 }, 4, -1, NULL },
	  { NULL, { 1.6, 1.7, 1.5, 1.6 }, 4, -1, NULL }, { 0 }, { 0 }, 0 },
	{ "amazon", 100, 0, { NULL, { 2.0, 2.1, 1.9, 2.0 }, 4, -1, NULL },
	  { NULL, { 1.9, 2.0, 1.8, 1.9 }, 4, -1, NULL }, { 0 }, { 0 }, 0 },
	{ "wsj", 100, 1, { NULL, { 1.0, 1.1, 0.9, 1.0 }, 4, -1, NULL },
	  { NULL, { 0.90, 0.95, 0.85, 0.90 }, 4, -1, NULL }, { 0 }, { 0 }, 0 },
	{ "wsj", 100, 2, { NULL, { 1.0, 1.1, 0.9, 1.0 }, 4, -1, NULL },
	  { NULL, { 0.88, 0.93, 0.83, 0.88 }, 4, -1, NULL }, { 0 }, { 0 }, 0 },
	{ "wsj", 100, 0, { NULL, { 1.0, 1.1, 0.9, 1.0 }, 4, -1, NULL },
	  { NULL, { 0.97, 1.02, 0.92, 0.97 }, 4, -1, NULL }, { 0 }, { 0 }, 0 },
};

static const double small_off[] = { 1.0, 1.0, 1.0 }, small_tfo[] = { 0.90, 0.95, 0.99 };

static void add_trials(struct store *st, int64_t cond, const struct side *s)
{
	struct store_request q = { .res_idx = 0, .host = "h", .new_conn = 1, .status = 200 };
	struct store_link_stats link[2] = { { .pkts = 1 }, { .pkts = 1 } };
	size_t v = 0, len = s->pattern ? strlen(s->pattern) : s->n;
	for (size_t i = 0; i < len; i++) {
		char kind = s->pattern ? s->pattern[i] : 'V';
		struct store_trial t = { .seq = (int)i, .valid = kind == 'V', .stalled = kind == 'S',
					 .invalid_reason = kind == 'V' ? NULL : "timeout",
					 .plt_ns = 99000000000LL, .steal_ns = -1, .fallbacks = -1,
					 .fallback_ns = -1 };
		if (kind == 'V') {
			t.plt_ns = llround(s->plt[v++] * 1e9);
			t.fallbacks = s->fallbacks;
			t.cc_used = s->cc_used;
		}
		assert_int_equal(store_trial_insert(st, cond, &t, &q, 1, link), 0);
	}
	assert_int_equal(v, s->n);
}

static int64_t add_run(struct store *st, const char *name, const struct spec *s, size_t n)
{
	struct store_run r = {
		.started_at = 1700000000LL * 1000000000LL, .experiment_name = name,
		.git_describe = "v0.1", .kernel = "6.18.0", .link_backend = "userspace",
		.command_line = "tfolab run x.conf",
	};
	int64_t run;
	assert_int_equal(store_run_begin(st, &r, &run), 0);
	for (size_t i = 0; i < n; i++) {
		for (int m = 0; m < 2; m++) {
			struct store_condition c = {
				.run_id = run, .idx = (int)(2 * i) + m, .pair_key = (int)i,
				.page = s[i].page, .rtt_ns = s[i].rtt_ms * 1000000LL,
				.down_bps = 4000000, .up_bps = 256000, .queue_pkts = 1000,
				.tfo_mode = m ? TFO_ON : TFO_OFF, .tfo_sysctl = m ? 519 : 0,
				.per_conn = s[i].per_conn, .conns_per_host = 6, .trials = 5,
				.backend = "userspace", .cc = "cubic",
			};
			int64_t id;
			assert_int_equal(store_condition_insert(st, &c, &id), 0);
			add_trials(st, id, m ? &s[i].tfo : &s[i].off);
		}
	}
	assert_int_equal(store_run_end(st, run, "done", r.started_at + 1), 0);
	return run;
}

/* amazon 100 ms: off 2.0 s, on 1.6 s (20%), cookie 1.8 s (10%); not ended.
 * The TFO connections report reno, not the configured cubic. */
static int64_t add_cookie_run(struct store *st)
{
	struct store_run r = { .started_at = 1700000000LL * 1000000000LL, .experiment_name = "cookies" };
	static const struct side sides[3] = {
		{ NULL, { 2.0, 2.1, 1.9, 2.0 }, 4, 0, "cubic" },
		{ NULL, { 1.6, 1.7, 1.5, 1.6 }, 4, 2, "reno" },
		{ NULL, { 1.8, 1.9, 1.7, 1.8 }, 4, 0, "cubic" },
	};
	int64_t run;
	assert_int_equal(store_run_begin(st, &r, &run), 0);
	for (int m = 0; m < 3; m++) {
		struct store_condition c = {
			.run_id = run, .idx = m, .pair_key = 0, .page = "amazon",
			.rtt_ns = 100000000, .down_bps = 4000000, .up_bps = 256000,
			.tfo_mode = (enum tfo_mode)m, .tfo_sysctl = m == 0 ? 0 : m == 1 ? 519 : 3,
			.per_conn = 2, .backend = "userspace", .cc = "cubic",
		};
		int64_t id;
		assert_int_equal(store_condition_insert(st, &c, &id), 0);
		add_trials(st, id, &sides[m]);
	}
	return run;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	if (!f)
		return -1;
	strcpy(f->dir, "/tmp/tfolab-test-table-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/t.db", f->dir);
	if (store_open(f->path, &f->st) < 0)
		return -1;
	f->run = add_run(f->st, "table1", table1, sizeof(table1) / sizeof(table1[0]));
	f->sweep = add_run(f->st, "persistence", sweep, sizeof(sweep) / sizeof(sweep[0]));
	static const struct spec none[] = {
		{ "amazon", 20, 2, { "I", { 0 }, 0, -1, NULL }, { "", { 0 }, 0, -1, NULL },
		  { 0 }, { 0 }, 0 },
	};
	f->empty = add_run(f->st, "broken", none, 1);
	f->cookie = add_cookie_run(f->st);
	/* d = 0.10 0.05 0.01: t = 2.05 with 2 dof, p = 0.18; but every pair
	 * gains, so no resample of pairs gains nothing. */
	static const struct spec small[] = {
		{ "wsj", 100, 2, { NULL, { 1.0, 1.0, 1.0 }, 3, -1, NULL },
		  { NULL, { 0.90, 0.95, 0.99 }, 3, -1, NULL }, { 0 }, { 0 }, 0 },
	};
	f->small = add_run(f->st, "small", small, 1);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char p[160];
	store_close(f->st);
	const char *suffix[] = { "", "-wal", "-shm" };
	for (size_t i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "%s%s", f->path, suffix[i]);
		unlink(p);
	}
	rmdir(f->dir);
	free(f);
	return 0;
}

/* Renders into a new string (free it); returns the render's status. */
static int render(struct fixture *f, int compare, int64_t run, enum table_format fmt, char **text)
{
	struct table_opts o;
	size_t len;
	table_opts_default(&o);
	o.format = fmt;
	FILE *mem = open_memstream(text, &len);
	assert_non_null(mem);
	int rc = compare ? table_render_compare(f->st, run, &o, mem) : table_render(f->st, run, &o, mem);
	fclose(mem);
	return rc;
}

/* The pairs of a spec (see struct spec); returns their number. */
static size_t pairs_of(const struct spec *s, const double **po, const double **pt)
{
	if (s->npairs) {
		*po = s->pair_off;
		*pt = s->pair_tfo;
		return s->npairs;
	}
	assert_int_equal(s->off.n, s->tfo.n);
	*po = s->off.plt;
	*pt = s->tfo.plt;
	return s->off.n;
}

/* The improvement cell as the table must print it: the point and CI from
 * the stats module with the table's seed over the pairs, and the mark
 * derived by hand. */
static void imp_text(const struct spec *s, const char *mark, char *buf, size_t len)
{
	struct stats_interval ci;
	const double *po, *pt;
	size_t n = pairs_of(s, &po, &pt);
	assert_int_equal(stats_boot_paired_improvement(po, pt, n, TABLE_DEFAULT_RESAMPLES,
						       TABLE_DEFAULT_SEED, TABLE_DEFAULT_LEVEL, &ci), 0);
	snprintf(buf, len, "%.1f%% [%.1f, %.1f] %s", 100 * ci.point, 100 * ci.lo, 100 * ci.hi, mark);
}

static struct stats_interval boot(const struct spec *s)
{
	struct stats_interval ci;
	const double *po, *pt;
	size_t n = pairs_of(s, &po, &pt);
	assert_int_equal(stats_boot_paired_improvement(po, pt, n, TABLE_DEFAULT_RESAMPLES,
						       TABLE_DEFAULT_SEED, TABLE_DEFAULT_LEVEL, &ci), 0);
	return ci;
}

static void test_md(void **state)
{
	struct fixture *f = *state;
	char *out, imp[8][96], expect[8192];
	static const char *const mark[8] = { "**", "**", "**", "ns", "**", "", "**", "**" };
	assert_int_equal(render(f, 0, f->run, TABLE_MD, &out), 0);
	for (int i = 0; i < 8; i++)
		if (i != 5)
			imp_text(&table1[i], mark[i], imp[i], sizeof(imp[i]));
	/* The gains by hand: 4.4, 20, 50, 1.2, 1.05 (printed 1.1 or 1.0), 10 and 40%. */
	assert_true(!strncmp(imp[0], "4.4% [", 6) && !strncmp(imp[1], "20.0% [", 7) &&
		    !strncmp(imp[2], "50.0% [", 7) && !strncmp(imp[3], "1.2% [", 6) &&
		    !strncmp(imp[4], "1.", 2) && !strncmp(imp[6], "10.0% [10.0, 10.0] **", 22) &&
		    !strncmp(imp[7], "40.0% [", 7));
	/* The checks against the stated cells, by their CIs: amazon 20 ms meets
	 * 4-5%, wsj 20 ms lies below it, wikipedia-tcp below 16% and 41%. */
	struct stats_interval a20 = boot(&table1[0]), w20 = boot(&table1[3]), k200 = boot(&table1[7]);
	assert_true(a20.lo <= 0.05 && a20.hi >= 0.04);
	assert_true(w20.hi < 0.04 && w20.lo < 0);
	assert_true(k200.hi < 0.41);
	snprintf(expect, sizeof(expect),
		"# Table 1: page load time with and without TCP Fast Open\n"
		"\n"
		"Run %lld (table1, done), started 2023-11-14 22:13:20 UTC; git v0.1; kernel 6.18.0; backend userspace.\n"
		"Every cell: down 4mbit, up 256kbit, queue 1000p, loss 0%%, 2 req/conn, 6 conns/host, cc cubic (read back), backend userspace.\n"
		"\n"
		"| Page | RTT (ms) | PLT non-TFO (s) | PLT TFO (s) | Improvement | vs paper |\n"
		"|---|---:|---:|---:|---:|---|\n"
		"| amazon | 20 | 1.000 ± 0.071 (n=5) | 0.956 ± 0.067 (n=5, 1 invalid, 5 fallbacks) | %s | within 4–41%%; paper 4–5%%: within |\n"
		"| amazon | 100 | 2.000 ± 0.141 (n=5) | 1.600 ± 0.071 (n=5) | %s | within 4–41%% |\n"
		"| amazon | 200 | 3.000 ± 0.212 (n=5) | 1.500 ± 0.106 (n=5) | %s | above paper range |\n"
		"| wsj | 20 | 1.000 ± 0.316 (n=5) | 0.988 ± 0.295 (n=5) | %s | not significant; paper 4–5%%: below |\n"
		"| wsj | 100 | 2.000 ± 0.007 (n=5) | 1.979 ± 0.004 (n=5) | %s | below paper range |\n"
		"| nytimes | 100 | 1.500 (n=1, 1 invalid) | 1.200 ± 0.100 (n=3) | n/a | insufficient data |\n"
		"| wikipedia-tcp | 100 | 2.080 ± 0.084 (n=5) | 1.794 ± 0.180 (n=5, 1 invalid) | %s | within 4–41%%; paper 16%%: below |\n"
		"| wikipedia-tcp | 200 | 3.000 ± 0.141 (n=5) | 1.800 ± 0.071 (n=5) | %s | within 4–41%%; paper 41%%: below |\n"
		"\n"
		"Notes:\n"
		"- PLT: mean ± sample sd over the valid trials (n), with the connections that fell back from TFO (SYN data not acked) when there were some; 74 valid trials used, 3 invalid trials excluded (1 of them caught a host stall: the link delivered a packet later than the experiment's stall_limit, and was repeated, up to `trials` times per condition).\n"
		"- Improvement: 1 − mean TFO / mean non-TFO over the cell's pairs, a pair being the non-TFO and the TFO trial of one round, run back to back (both valid); paired: 35 pairs (4 valid trials without a valid partner left out); 95%% CI from a bootstrap over pairs (2000 resamples, seed 2011); paired t-test on the per-pair differences: ** p < 0.01, * p < 0.05, ns otherwise.\n"
		"- Paper (Radhakrishnan et al., CoNEXT 2011): TFO cut PLT by 4–41%% across Table 1's cells, by more than 10%% on average, and the gain grows with RTT. It states the gain of some cells (amazon, nytimes, wsj 4–5%% at 20 ms; wikipedia-tcp 16%% at 100 ms; wikipedia-tcp 41%% at 200 ms); there the 95%% CI is compared with the stated value (within: it meets it).\n"
		"- 6 of 8 cells disagree with the paper or are not conclusive: amazon 200 ms: above paper range; wsj 20 ms: not significant; paper 4–5%%: below; wsj 100 ms: below paper range; nytimes 100 ms: insufficient data; wikipedia-tcp 100 ms: within 4–41%%; paper 16%%: below; wikipedia-tcp 200 ms: within 4–41%%; paper 41%%: below.\n"
		"- amazon: the gain grows with RTT (20 ms 4.4%%, 100 ms 20.0%%, 200 ms 50.0%%), as in the paper.\n"
		"- wsj: the gain does NOT grow with RTT (20 ms 1.2%%, 100 ms 1.1%%), unlike the paper.\n"
		"- wikipedia-tcp: the gain grows with RTT (100 ms 10.0%%, 200 ms 40.0%%), as in the paper.\n"
		"- Mean improvement over 7 tested cells: 18.1%% (paper: more than 10%% on average).\n",
		(long long)f->run, imp[0], imp[1], imp[2], imp[3], imp[4], imp[6], imp[7]);
	if (strcmp(out, expect))
		fprintf(stderr, "--- got:\n%s--- expected:\n%s", out, expect);
	assert_string_equal(out, expect);
	free(out);
}

static void test_csv(void **state)
{
	struct fixture *f = *state;
	char *out, line[1024];
	assert_int_equal(render(f, 0, f->run, TABLE_CSV, &out), 0);
	static const char header[] =
		"page,rtt_ms,down_bps,up_bps,queue_pkts,queue_bytes,loss,per_conn,conns_per_host,"
		"cc,tls,fetcher,tfo_mode,off_n,off_invalid,off_mean_s,off_sd_s,off_median_s,off_fallbacks,"
		"off_cc_used,tfo_n,tfo_invalid,tfo_mean_s,tfo_sd_s,tfo_median_s,tfo_fallbacks,"
		"tfo_cc_used,pairs,unpaired,diff_s,diff_ci_lo_s,diff_ci_hi_s,improvement_pct,"
		"improvement_ci_lo_pct,improvement_ci_hi_pct,t,dof,p,significance,ci_test_agree,"
		"vs_paper,ci_meets_paper_range,paper_low_pct,paper_high_pct,vs_paper_cell\n";
	assert_int_equal(strncmp(out, header, strlen(header)), 0);
	/* Row 1 with the paired values by hand: diff 0.044, t = 17.96 (see the
	 * top), dof 4, p = 5.65e-5 (mpmath); CIs from the stats module. */
	const struct spec *s = &table1[0];
	struct stats_paired w;
	struct stats_interval ci = boot(s);
	assert_int_equal(stats_paired_t(s->off.plt, s->tfo.plt, 5, 0.95, &w), 0);
	assert_true(fabs(w.t - 0.044 / sqrt(0.00003 / 5)) < 1e-6);
	snprintf(line, sizeof(line),
		 "\namazon,20,4000000,256000,1000,0,0,2,6,cubic,off,builtin,on,5,0,1.000000,0.070711,1.000000,0,"
		 "cubic,5,1,0.956000,0.067305,0.960000,5,cubic,5,0,0.044000,%.6f,%.6f,4.40,%.2f,%.2f,"
		 "17.9629,4,5.65e-05,**,1,within,1,4,5,within\n", w.ci_lo, w.ci_hi, 100 * ci.lo,
		 100 * ci.hi);
	if (!strstr(out, line))
		fprintf(stderr, "--- got:\n%s--- expected a line:%s", out, line);
	assert_non_null(strstr(out, line));
	/* wsj 20 ms: d = -0.02 0.04 -0.02 0.04 0.02, t = 0.8847, p = 0.426. */
	assert_non_null(strstr(out, ",0.8847,4,0.426,ns,1,not_significant,0,4,5,below\n"));
	assert_non_null(strstr(out, "\nnytimes,100,4000000,256000,1000,0,0,2,6,cubic,off,builtin,on,1,1,"
				    "1.500000,,1.500000,,cubic,3,0,1.200000,0.100000,1.200000,,cubic,"
				    "1,2,,,,,,,,,,,,insufficient_data,,,,\n"));
	assert_non_null(strstr(out, ",**,1,above,0,,,\n"));
	assert_non_null(strstr(out, ",**,1,below,0,,,\n"));
	assert_non_null(strstr(out, "\nwikipedia-tcp,100,"));
	assert_non_null(strstr(out, ",cubic,4,2,0.207500,"));
	assert_non_null(strstr(out, ",within,1,16,16,below\n"));
	/* Header plus one line per cell. */
	size_t lines = 0;
	for (char *p = out; *p; p++)
		lines += *p == '\n';
	assert_int_equal(lines, 9);
	free(out);
}

static json_t *cell_at(json_t *doc, size_t i)
{
	return json_array_get(json_object_get(doc, "cells"), i);
}

static double num(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	assert_true(json_is_number(v));
	return json_number_value(v);
}

static const char *str(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	assert_true(json_is_string(v));
	return json_string_value(v);
}

static void test_json(void **state)
{
	struct fixture *f = *state;
	char *out;
	json_error_t err;
	assert_int_equal(render(f, 0, f->run, TABLE_JSON, &out), 0);
	json_t *doc = json_loads(out, 0, &err);
	assert_non_null(doc);
	assert_int_equal(json_array_size(json_object_get(doc, "cells")), 8);
	assert_int_equal(json_integer_value(json_object_get(doc, "valid_trials")), 74);
	assert_int_equal(json_integer_value(json_object_get(doc, "invalid_trials")), 3);
	assert_int_equal(json_integer_value(json_object_get(doc, "stalled_trials")), 1);
	assert_int_equal(json_integer_value(json_object_get(doc, "pairs")), 35);
	assert_int_equal(json_integer_value(json_object_get(doc, "unpaired")), 4);
	assert_string_equal(str(doc, "cc_read_back"), "cubic");
	json_t *method = json_object_get(doc, "method");
	assert_string_equal(str(method, "test"), "paired t-test on the per-pair differences");
	assert_string_equal(str(method, "improvement_ci"), "percentile bootstrap over pairs");

	json_t *a = cell_at(doc, 0);
	assert_string_equal(str(a, "page"), "amazon");
	assert_true(fabs(num(a, "rtt_ms") - 20) < 1e-9);
	assert_true(fabs(num(a, "improvement_pct") - 4.4) < 1e-6);
	assert_true(fabs(num(a, "p") - 5.6457662e-5) < 1e-11);
	assert_true(fabs(num(a, "dof") - 4) < 1e-12);
	assert_true(fabs(num(a, "diff_s") - 0.044) < 1e-9);
	assert_int_equal(json_integer_value(json_object_get(a, "pairs")), 5);
	assert_true(json_is_true(json_object_get(a, "ci_test_agree")));
	json_t *tfo = json_object_get(a, "tfo");
	assert_int_equal(json_integer_value(json_object_get(tfo, "n")), 5);
	assert_int_equal(json_integer_value(json_object_get(tfo, "invalid")), 1);
	assert_int_equal(json_integer_value(json_object_get(tfo, "fallbacks")), 5);
	assert_string_equal(str(tfo, "cc_used"), "cubic");
	assert_true(fabs(num(tfo, "mean_s") - 0.956) < 1e-9);
	assert_string_equal(str(a, "vs_paper"), "within");
	assert_string_equal(str(a, "significance"), "**");
	json_t *pc = json_object_get(a, "paper_cell");
	assert_true(fabs(num(pc, "low_pct") - 4) < 1e-9 && fabs(num(pc, "high_pct") - 5) < 1e-9);
	assert_string_equal(str(pc, "vs_paper_cell"), "within");

	assert_true(json_is_null(json_object_get(cell_at(doc, 1), "paper_cell")));
	assert_true(json_is_null(json_object_get(json_object_get(cell_at(doc, 1), "tfo"),
						 "fallbacks")));
	assert_string_equal(str(cell_at(doc, 2), "vs_paper"), "above");
	assert_string_equal(str(cell_at(doc, 3), "vs_paper"), "not_significant");
	assert_string_equal(str(json_object_get(cell_at(doc, 3), "paper_cell"), "vs_paper_cell"),
			    "below");
	assert_string_equal(str(cell_at(doc, 4), "vs_paper"), "below");
	json_t *ny = cell_at(doc, 5);
	assert_true(json_is_false(json_object_get(ny, "tested")));
	assert_int_equal(json_integer_value(json_object_get(ny, "pairs")), 1);
	assert_int_equal(json_integer_value(json_object_get(ny, "unpaired")), 2);
	assert_null(json_object_get(ny, "improvement_pct"));
	assert_true(json_is_null(json_object_get(json_object_get(ny, "off"), "sd_s")));
	assert_true(json_is_null(json_object_get(ny, "paper_cell")));
	json_t *wk = cell_at(doc, 6);
	assert_int_equal(json_integer_value(json_object_get(wk, "pairs")), 4);
	assert_int_equal(json_integer_value(json_object_get(wk, "unpaired")), 2);
	assert_true(fabs(num(wk, "improvement_pct") - 10) < 1e-9);
	assert_true(fabs(num(wk, "dof") - 3) < 1e-12);
	assert_string_equal(str(json_object_get(wk, "paper_cell"), "vs_paper_cell"), "below");

	json_t *trends = json_object_get(doc, "trends");
	assert_int_equal(json_array_size(trends), 3);
	assert_true(json_is_true(json_object_get(json_array_get(trends, 0), "grows_with_rtt")));
	assert_true(json_is_false(json_object_get(json_array_get(trends, 1), "grows_with_rtt")));
	assert_true(json_is_true(json_object_get(json_array_get(trends, 2), "grows_with_rtt")));
	/* (4.4 + 20 + 50 + 1.2 + 1.05 + 10 + 40) / 7 */
	assert_true(fabs(num(doc, "mean_improvement_pct") - 126.65 / 7) < 1e-6);
	json_t *paper = json_object_get(doc, "paper");
	assert_true(fabs(num(paper, "improvement_min_pct") - 4) < 1e-9);
	assert_true(fabs(num(paper, "improvement_max_pct") - 41) < 1e-9);
	json_t *stated = json_object_get(paper, "cells");
	assert_int_equal(json_array_size(stated), 5);
	assert_string_equal(str(json_array_get(stated, 3), "page"), "wikipedia-tcp");
	assert_true(fabs(num(json_array_get(stated, 3), "low_pct") - 16) < 1e-9);
	json_decref(doc);
	free(out);
}

static void test_compare(void **state)
{
	struct fixture *f = *state;
	char *out, expect[512];
	assert_int_equal(render(f, 1, f->sweep, TABLE_MD, &out), 0);
	assert_non_null(strstr(out, "| Page | RTT (ms) | 1 req/conn | 2 req/conn | unlimited req/conn |\n"
				    "|---|---:|---:|---:|---:|\n| amazon | 100 | 30.0% ["));
	assert_non_null(strstr(out, "\n| wsj | 100 | 10.0% ["));
	snprintf(expect, sizeof(expect), "- amazon 100 ms: the gain shrinks as connections carry more "
		 "requests (1: 30.0%%, 2: 20.0%%, unlimited: 5.0%%), as expected.\n");
	assert_non_null(strstr(out, expect));
	snprintf(expect, sizeof(expect), "- wsj 100 ms: the gain does NOT shrink as connections carry "
		 "more requests (1: 10.0%%, 2: 12.0%%, unlimited: 3.0%%), unlike the expectation.\n");
	assert_non_null(strstr(out, expect));
	/* The same method note as Table 1's; no cc was read back in this run. */
	assert_non_null(strstr(out, "\n- Improvement: 1 − mean TFO / mean non-TFO over the cell's "
				    "pairs, a pair being the non-TFO and the TFO trial of one round, "
				    "run back to back (both valid); paired: 24 pairs; 95% CI from a "
				    "bootstrap over pairs (2000 resamples, seed 2011); paired t-test on "
				    "the per-pair differences: ** p < 0.01, * p < 0.05, ns otherwise.\n"));
	assert_non_null(strstr(out, ", 6 conns/host, cc cubic, backend userspace.\n"));
	free(out);

	assert_int_equal(render(f, 1, f->sweep, TABLE_CSV, &out), 0);
	/* Equal differences (2.1 - 1.5 = 2.0 - 1.4 = 0.6 s) are no spread: p is
	 * 0, not a p of 1e-48 that measures rounding. */
	assert_non_null(strstr(out, "\namazon,100,,on,1,4,0,2.000000,4,0,1.400000,4,30.00,"));
	assert_non_null(strstr(out, ",0,**\namazon,100,,on,2,"));
	assert_non_null(strstr(out, "\namazon,100,,on,0,4,0,2.000000,4,0,1.900000,4,5.00,"));
	assert_non_null(strstr(out, "\nwsj,100,,on,2,4,0,1.000000,4,0,0.880000,4,12.00,"));
	free(out);

	json_error_t err;
	assert_int_equal(render(f, 1, f->sweep, TABLE_JSON, &out), 0);
	json_t *doc = json_loads(out, 0, &err);
	assert_non_null(doc);
	json_t *groups = json_object_get(doc, "groups");
	assert_int_equal(json_array_size(groups), 2);
	json_t *g = json_array_get(groups, 0);
	assert_true(json_is_true(json_object_get(g, "gain_shrinks_with_persistence")));
	json_t *pts = json_object_get(g, "points");
	assert_int_equal(json_array_size(pts), 3);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(pts, 2), "per_conn")), 0);
	assert_true(fabs(num(json_array_get(pts, 0), "improvement_pct") - 30) < 1e-6);
	assert_true(json_is_false(json_object_get(json_array_get(groups, 1),
						  "gain_shrinks_with_persistence")));
	json_decref(doc);
	free(out);

	/* A run without a sweep still renders, and says there is nothing to compare. */
	assert_int_equal(render(f, 1, f->run, TABLE_MD, &out), 0);
	assert_non_null(strstr(out, "single requests-per-connection setting"));
	free(out);
}

static void test_errors(void **state)
{
	struct fixture *f = *state;
	char *out;
	assert_int_equal(render(f, 0, 9999, TABLE_MD, &out), -ENOENT);
	assert_string_equal(out, "");
	free(out);
	assert_int_equal(render(f, 0, f->empty, TABLE_JSON, &out), -ENODATA);
	assert_string_equal(out, "");
	free(out);
	assert_int_equal(render(f, 1, f->empty, TABLE_CSV, &out), -ENODATA);
	free(out);

	enum table_format fmt;
	assert_int_equal(table_format_parse("json", &fmt), 0);
	assert_int_equal(fmt, TABLE_JSON);
	assert_int_equal(table_format_parse("xml", &fmt), -EINVAL);
}

/* Both TFO modes of a cell are compared with the same non-TFO side. */
static void test_cookie(void **state)
{
	struct fixture *f = *state;
	char *out;
	assert_int_equal(render(f, 0, f->cookie, TABLE_MD, &out), 0);
	assert_non_null(strstr(out, "This run is running: the table holds only the trials stored so far.\n"));
	assert_non_null(strstr(out, "| Page | RTT (ms) | Setting | PLT non-TFO (s) |"));
	assert_non_null(strstr(out, "\n| amazon | 100 | TFO without cookies | 2.000 ± 0.082 (n=4) | "
				    "1.600 ± 0.082 (n=4, 8 fallbacks) | 20.0% ["));
	assert_non_null(strstr(out, "\n| amazon | 100 | TFO with cookies | 2.000 ± 0.082 (n=4) | "
				    "1.800 ± 0.082 (n=4) | 10.0% ["));
	/* Two series of one RTT each: no trend is claimed. */
	assert_non_null(strstr(out, "- amazon (TFO without cookies): only RTT 100 ms was measured;"));
	assert_non_null(strstr(out, "- amazon (TFO with cookies): only RTT 100 ms was measured;"));
	/* The TFO connections reported reno: no read-back in the header, a note. */
	assert_non_null(strstr(out, ", 0 conns/host, cc cubic, backend userspace.\n"));
	assert_non_null(strstr(out, "\n- Congestion control read back from the connections differs "
				    "from the configured one in 1 cell: amazon 100 ms, configured "
				    "cubic: TFO trials reported reno.\n"));
	free(out);
	assert_int_equal(render(f, 0, f->cookie, TABLE_CSV, &out), 0);
	assert_non_null(strstr(out, ",cubic,off,builtin,on,4,0,2.000000,0.081650,2.000000,0,cubic,4,0,1.600000,"
				    "0.081650,1.600000,8,reno,4,0,"));
	assert_non_null(strstr(out, ",cubic,off,builtin,cookie,4,0,2.000000,0.081650,2.000000,0,cubic,4,0,"
				    "1.800000,0.081650,1.800000,0,cubic,4,0,"));
	free(out);
	json_error_t err;
	assert_int_equal(render(f, 0, f->cookie, TABLE_JSON, &out), 0);
	json_t *doc = json_loads(out, 0, &err);
	assert_non_null(doc);
	assert_true(json_is_null(json_object_get(doc, "cc_read_back")));
	json_t *tfo = json_object_get(cell_at(doc, 0), "tfo");
	assert_int_equal(json_integer_value(json_object_get(tfo, "fallbacks")), 8);
	assert_string_equal(str(tfo, "cc_used"), "reno");
	json_decref(doc);
	free(out);
}

/* Where the CI and the test disagree, the table says so. */
static void test_disagree(void **state)
{
	struct fixture *f = *state;
	char *out;
	struct stats_paired t;
	assert_int_equal(stats_paired_t(small_off, small_tfo, 3, 0.95, &t), 0);
	assert_true(t.p > 0.05);
	assert_int_equal(render(f, 0, f->small, TABLE_MD, &out), 0);
	assert_non_null(strstr(out, " ns | not significant |\n"));
	char line[256];
	snprintf(line, sizeof(line), "\n- In 1 cell the CI and the test disagree (one excludes no "
		 "gain, the other does not): wsj 100 ms: p = %.3g.\n", t.p);
	assert_non_null(strstr(out, line));
	free(out);
	assert_int_equal(render(f, 0, f->run, TABLE_MD, &out), 0);
	assert_null(strstr(out, "the CI and the test disagree"));
	free(out);
	assert_int_equal(render(f, 0, f->small, TABLE_CSV, &out), 0);
	assert_non_null(strstr(out, ",ns,0,not_significant,"));
	free(out);
}

/* The same seed renders the same text. */
static void test_deterministic(void **state)
{
	struct fixture *f = *state;
	char *a, *b;
	assert_int_equal(render(f, 0, f->run, TABLE_CSV, &a), 0);
	assert_int_equal(render(f, 0, f->run, TABLE_CSV, &b), 0);
	assert_string_equal(a, b);
	free(a);
	free(b);
}

/* trials_render into a new string (free it); returns its status. */
static int export(struct fixture *f, int64_t run, enum table_format fmt, char **text)
{
	struct table_opts o;
	size_t len;
	table_opts_default(&o);
	o.format = fmt;
	FILE *mem = open_memstream(text, &len);
	assert_non_null(mem);
	int rc = trials_render(f->st, run, &o, mem);
	fclose(mem);
	return rc;
}

static int count_char(const char *s, char c)
{
	int n = 0;
	for (; *s; s++)
		n += *s == c;
	return n;
}

/* tfolab trials: every trial with its condition, every column, matrix order. */
static void test_export(void **state)
{
	struct fixture *f = *state;
	char *out;

	assert_int_equal(export(f, f->cookie, TABLE_CSV, &out), 12);
	assert_int_equal(count_char(out, '\n'), 13);  /* the header and 12 trials */
	assert_true(!strncmp(out, "condition_id,run_id,idx,pair_key,page,rtt_ns,down_bps,", 54));
	assert_non_null(strstr(out, ",trial_id,seq,started_at,plt_ns,valid,"));
	assert_non_null(strstr(out, ",stalled,"));
	assert_non_null(strstr(out, ",cc_used,"));
	/* The trials' condition_id is the condition's: it is not repeated. */
	const char *second = strstr(out + 1, "condition_id");
	assert_true(second == NULL || second > strchr(out, '\n'));
	free(out);

	assert_int_equal(export(f, f->cookie, TABLE_JSON, &out), 12);
	json_error_t err;
	json_t *doc = json_loads(out, 0, &err);
	if (!doc)
		fail_msg("not JSON: %s\n%s", err.text, out);
	assert_int_equal(json_array_size(doc), 12);
	const char *modes[] = { "off", "on", "cookie" };
	for (size_t i = 0; i < 12; i++) {
		json_t *o = json_array_get(doc, i);
		assert_string_equal(json_string_value(json_object_get(o, "page")), "amazon");
		assert_string_equal(json_string_value(json_object_get(o, "tfo_mode")), modes[i / 4]);
		assert_int_equal(json_integer_value(json_object_get(o, "seq")), i % 4);
		assert_int_equal(json_integer_value(json_object_get(o, "rtt_ns")), 100000000);
		assert_true(json_is_integer(json_object_get(o, "trial_id")));
		assert_true(json_is_null(json_object_get(o, "steal_ns")));
	}
	json_t *on0 = json_array_get(doc, 4);
	assert_int_equal(json_integer_value(json_object_get(on0, "plt_ns")), 1600000000);
	assert_string_equal(json_string_value(json_object_get(on0, "cc_used")), "reno");
	json_decref(doc);
	free(out);

	/* Invalid trials are there, with their reason. */
	assert_int_equal(export(f, f->empty, TABLE_CSV, &out), 1);
	assert_non_null(strstr(out, ",timeout,"));
	free(out);

	/* A field with a comma or a quote is quoted, the quote doubled. */
	struct store_run r = { .started_at = 1, .experiment_name = "quoting" };
	int64_t run, cond;
	assert_int_equal(store_run_begin(f->st, &r, &run), 0);
	struct store_condition c = {
		.run_id = run, .page = "a,\"b\"", .rtt_ns = 1, .down_bps = 1, .up_bps = 1,
		.tfo_mode = TFO_OFF, .backend = "userspace",
	};
	assert_int_equal(store_condition_insert(f->st, &c, &cond), 0);
	assert_int_equal(export(f, run, TABLE_CSV, &out), 0);  /* a run without trials */
	assert_int_equal(count_char(out, '\n'), 1);
	free(out);
	add_trials(f->st, cond, &(struct side){ NULL, { 1.5 }, 1, -1, NULL });
	assert_int_equal(export(f, run, TABLE_CSV, &out), 1);
	assert_non_null(strstr(out, ",\"a,\"\"b\"\"\","));
	free(out);
	assert_int_equal(export(f, run, TABLE_JSON, &out), 1);
	assert_non_null(strstr(out, "\"page\":\"a,\\\"b\\\"\""));
	free(out);

	/* No such run; markdown is not a format of rows. */
	assert_int_equal(export(f, 9999, TABLE_CSV, &out), -ENOENT);
	assert_string_equal(out, "");
	free(out);
	assert_int_equal(export(f, f->cookie, TABLE_MD, &out), -EINVAL);
	assert_string_equal(out, "");
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_md),
		cmocka_unit_test(test_csv),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_compare),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_cookie),
		cmocka_unit_test(test_disagree),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_export),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
