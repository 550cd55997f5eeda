/*
 * Table 1 and the comparison of runs with HTTPS cells (the experiment key
 * tls) or Chromium's cells (the key fetcher), rendered from a database of
 * synthetic trials.  Every TFO trial of
 * a cell is faster than its non-TFO partner by the same time, so the time
 * saved is exact and p is 0; the gains are exact ratios of means:
 *
 *   cell                 off PLTs (s)        TFO PLTs (s)        gain    saved
 *   amazon 100 HTTP      2.0 2.1 1.9 2.0     1.6 1.7 1.5 1.6     20%     400 ms
 *   amazon 100 TLS 1.3   2.5 2.6 2.4 2.5     2.1 2.2 2.0 2.1     16%     400 ms
 *   wsj    100 HTTP      1.0 1.1 0.9 1.0     0.9 1.0 0.8 0.9     10%     100 ms
 *   wsj    100 TLS 1.3   1.25 1.35 1.15 1.25 1.15 1.25 1.05 1.15  8%     100 ms
 *
 * A second run holds only TLS 1.3 cells (amazon 100 ms above).
 *
 * A third run has the builtin fetcher beside Chromium (the experiment key
 * fetcher), over HTTP; Chromium's means against the builtin's:
 *
 *   cell                 off PLTs (s)        TFO PLTs (s)        gain    saved
 *   amazon 100 builtin   2.0 2.1 1.9 2.0     1.6 1.7 1.5 1.6     20%     400 ms
 *   amazon 100 Chromium  2.06 ... (+3%)      1.76 ... (+10%, *)  14.6%   300 ms
 *   wsj    100 builtin   1.0 1.1 0.9 1.0     0.9 1.0 0.8 0.9     10%     100 ms
 *   wsj    100 Chromium  0.98 ... (-2%)      0.92 ... (+2.2%)    6.1%    60 ms
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

#include "results/store.h"
#include "results/table.h"

struct fixture {
	char dir[64];
	char path[128];
	struct store *st;
	int64_t mixed;     /* HTTP and TLS 1.3 side by side */
	int64_t https;     /* TLS 1.3 only */
	int64_t browser;   /* the builtin fetcher and Chromium side by side */
};

struct cellspec {
	const char *page;
	enum tls_mode tls;
	double off[4], tfo[4];
	enum fetcher fetcher;
};

static const struct cellspec mixed[] = {
	{ "amazon", TLS_OFF, { 2.0, 2.1, 1.9, 2.0 }, { 1.6, 1.7, 1.5, 1.6 }, FETCHER_BUILTIN },
	{ "amazon", TLS_13, { 2.5, 2.6, 2.4, 2.5 }, { 2.1, 2.2, 2.0, 2.1 }, FETCHER_BUILTIN },
	{ "wsj", TLS_OFF, { 1.0, 1.1, 0.9, 1.0 }, { 0.9, 1.0, 0.8, 0.9 }, FETCHER_BUILTIN },
	{ "wsj", TLS_13, { 1.25, 1.35, 1.15, 1.25 }, { 1.15, 1.25, 1.05, 1.15 }, FETCHER_BUILTIN },
};

static const struct cellspec browser[] = {
	{ "amazon", TLS_OFF, { 2.0, 2.1, 1.9, 2.0 }, { 1.6, 1.7, 1.5, 1.6 }, FETCHER_BUILTIN },
	{ "amazon", TLS_OFF, { 2.06, 2.16, 1.96, 2.06 }, { 1.76, 1.86, 1.66, 1.76 },
	  FETCHER_CHROMIUM },
	{ "wsj", TLS_OFF, { 1.0, 1.1, 0.9, 1.0 }, { 0.9, 1.0, 0.8, 0.9 }, FETCHER_BUILTIN },
	{ "wsj", TLS_OFF, { 0.98, 1.08, 0.88, 0.98 }, { 0.92, 1.02, 0.82, 0.92 }, FETCHER_CHROMIUM },
};

/* The cells of @s in matrix order (pages, tls, fetcher, tfo), as run/group.c stores them. */
static int64_t add_run(struct store *st, const struct cellspec *s, size_t n)
{
	struct store_run r = { .started_at = 1700000000LL * 1000000000LL, .experiment_name = "https",
			       .git_describe = "v0.2", .kernel = "6.18.0", .link_backend = "userspace" };
	struct store_request q = { .res_idx = 0, .host = "h", .new_conn = 1, .status = 200,
				   .tls_done_ns = -1 };
	int64_t run;
	assert_int_equal(store_run_begin(st, &r, &run), 0);
	for (size_t i = 0; i < n; i++)
		for (int m = 0; m < 2; m++) {
			struct store_condition c = {
				.run_id = run, .idx = (int)(2 * i) + m, .pair_key = (int)i,
				.page = s[i].page, .rtt_ns = 100000000, .down_bps = 4000000,
				.up_bps = 256000, .queue_pkts = 1000, .tfo_mode = m ? TFO_ON : TFO_OFF,
				.tfo_sysctl = m ? 519 : 0, .tls = s[i].tls,
				.fetcher = s[i].fetcher, .per_conn = 2,
				.conns_per_host = 6, .trials = 4, .backend = "userspace", .cc = "cubic",
			};
			int64_t id;
			assert_int_equal(store_condition_insert(st, &c, &id), 0);
			for (int t = 0; t < 4; t++) {
				double plt = m ? s[i].tfo[t] : s[i].off[t];
				struct store_trial tr = { .seq = t, .valid = 1, .plt_ns = llround(plt * 1e9),
							  .steal_ns = -1, .fallbacks = -1, .fallback_ns = -1,
							  .cpu_fetch_ns = -1, .cpu_origin_ns = -1 };
				assert_int_equal(store_trial_insert(st, id, &tr, &q, 1, NULL), 0);
			}
		}
	assert_int_equal(store_run_end(st, run, "done", r.started_at + 1), 0);
	return run;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	if (!f)
		return -1;
	strcpy(f->dir, "/tmp/tfolab-test-tablekeys-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/t.db", f->dir);
	if (store_open(f->path, &f->st) < 0)
		return -1;
	f->mixed = add_run(f->st, mixed, sizeof(mixed) / sizeof(mixed[0]));
	f->https = add_run(f->st, &mixed[1], 1);
	f->browser = add_run(f->st, browser, sizeof(browser) / sizeof(browser[0]));
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
static int render(struct fixture *f, int compare, enum table_pivot by, int64_t run,
		  enum table_format fmt, char **text)
{
	struct table_opts o;
	size_t len;
	table_opts_default(&o);
	o.format = fmt;
	o.pivot = by;
	FILE *mem = open_memstream(text, &len);
	assert_non_null(mem);
	int rc = compare ? table_render_compare(f->st, run, &o, mem) : table_render(f->st, run, &o, mem);
	fclose(mem);
	return rc;
}

static void must_have(const char *out, const char *s)
{
	if (!strstr(out, s))
		fail_msg("missing\n  %s\nin:\n%s", s, out);
}

static void test_table_column(void **state)
{
	struct fixture *f = *state;
	char *out;
	assert_int_equal(render(f, 0, TABLE_PIVOT_AUTO, f->mixed, TABLE_MD, &out), 0);
	/* TLS has a column of its own, and no Setting column is needed. */
	must_have(out, "| Page | RTT (ms) | TLS | PLT non-TFO (s) | PLT TFO (s) | Improvement | "
		  "vs paper |\n|---|---:|---|---:|---:|---:|---|\n");
	must_have(out, "\n| amazon | 100 | HTTP | 2.000 ± 0.082 (n=4) | 1.600 ± 0.082 (n=4) | 20.0% [");
	must_have(out, "\n| amazon | 100 | TLS 1.3 | 2.500 ± 0.082 (n=4) | 2.100 ± 0.082 (n=4) | 16.0% [");
	must_have(out, "\n| wsj | 100 | TLS 1.3 | 1.250 ± 0.082 (n=4) | 1.150 ± 0.082 (n=4) | 8.0% [");
	/* The trends tell HTTP from HTTPS; the shared settings do not name TLS. */
	must_have(out, "\n- amazon (HTTP): only RTT 100 ms was measured;");
	must_have(out, "\n- amazon (TLS 1.3): only RTT 100 ms was measured;");
	assert_null(strstr(out, "Every cell: down 4mbit, up 256kbit, queue 1000p, loss 0%, 2 "
			   "req/conn, 6 conns/host, TLS"));
	free(out);

	/* Only HTTPS: still the column, and the shared line says which TLS. */
	assert_int_equal(render(f, 0, TABLE_PIVOT_AUTO, f->https, TABLE_MD, &out), 0);
	must_have(out, "| Page | RTT (ms) | TLS | PLT non-TFO (s) |");
	must_have(out, "\n| amazon | 100 | TLS 1.3 | 2.500 ± 0.082 (n=4) |");
	must_have(out, ", TLS 1.3, cc cubic, backend userspace.\n");
	free(out);

	assert_int_equal(render(f, 0, TABLE_PIVOT_AUTO, f->mixed, TABLE_CSV, &out), 0);
	must_have(out, ",conns_per_host,cc,tls,fetcher,tfo_mode,off_n,");
	must_have(out, "\namazon,100,4000000,256000,1000,0,0,2,6,cubic,off,builtin,on,4,0,2.000000,");
	must_have(out, "\namazon,100,4000000,256000,1000,0,0,2,6,cubic,1.3,builtin,on,4,0,2.500000,");
	free(out);

	json_error_t err;
	assert_int_equal(render(f, 0, TABLE_PIVOT_AUTO, f->mixed, TABLE_JSON, &out), 0);
	json_t *doc = json_loads(out, 0, &err);
	assert_non_null(doc);
	json_t *cells = json_object_get(doc, "cells");
	assert_int_equal(json_array_size(cells), 4);
	const char *want[] = { "off", "1.3", "off", "1.3" };
	for (size_t i = 0; i < 4; i++) {
		json_t *c = json_array_get(cells, i);
		assert_string_equal(json_string_value(json_object_get(c, "tls")), want[i]);
		/* the setting does not repeat it */
		assert_null(strstr(json_string_value(json_object_get(c, "setting")), "TLS"));
	}
	json_decref(doc);
	free(out);
}

static void test_compare_tls(void **state)
{
	struct fixture *f = *state;
	char *out;
	/* Auto: the run varies tls, not per_conn. */
	for (int by = 0; by < 2; by++) {
		assert_int_equal(render(f, 1, by ? TABLE_PIVOT_TLS : TABLE_PIVOT_AUTO, f->mixed,
					TABLE_MD, &out), 0);
		must_have(out, "# TFO's gain over HTTP and over HTTPS\n");
		must_have(out, "| Page | RTT (ms) | over HTTP | over TLS 1.3 |\n|---|---:|---:|---:|\n");
		must_have(out, "\n| amazon | 100 | 20.0% [");
		must_have(out, "] ** | 16.0% [");
		must_have(out, "\n| wsj | 100 | 10.0% [");
		must_have(out, "\n- amazon 100 ms: TFO saves 20.0% (400 ms) over HTTP, TFO saves "
			  "16.0% (400 ms) over TLS 1.3.\n");
		must_have(out, "\n- wsj 100 ms: TFO saves 10.0% (100 ms) over HTTP, TFO saves "
			  "8.0% (100 ms) over TLS 1.3.\n");
		free(out);
	}

	assert_int_equal(render(f, 1, TABLE_PIVOT_TLS, f->mixed, TABLE_CSV, &out), 0);
	must_have(out, "page,rtt_ms,setting,tfo_mode,tls,off_n,off_invalid,");
	must_have(out, "\namazon,100,,on,off,4,0,2.000000,4,0,1.600000,4,20.00,");
	must_have(out, "\namazon,100,,on,1.3,4,0,2.500000,4,0,2.100000,4,16.00,");
	free(out);

	json_error_t err;
	assert_int_equal(render(f, 1, TABLE_PIVOT_TLS, f->mixed, TABLE_JSON, &out), 0);
	json_t *doc = json_loads(out, 0, &err);
	assert_non_null(doc);
	assert_string_equal(json_string_value(json_object_get(doc, "by")), "tls");
	json_t *groups = json_object_get(doc, "groups");
	assert_int_equal(json_array_size(groups), 2);
	json_t *g = json_array_get(groups, 0);
	assert_null(json_object_get(g, "gain_shrinks_with_persistence"));
	json_t *pts = json_object_get(g, "points");
	assert_int_equal(json_array_size(pts), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(pts, 1), "tls")), "1.3");
	assert_true(fabs(json_number_value(json_object_get(json_array_get(pts, 1), "saved_s")) - 0.4)
		    < 1e-9);
	assert_true(fabs(json_number_value(json_object_get(json_array_get(pts, 1),
							   "improvement_pct")) - 16) < 1e-9);
	json_decref(doc);
	free(out);

	/* By per_conn instead: one column, a row per page and TLS mode. */
	assert_int_equal(render(f, 1, TABLE_PIVOT_PER_CONN, f->mixed, TABLE_MD, &out), 0);
	must_have(out, "| Page | RTT (ms) | Setting | 2 req/conn |\n");
	must_have(out, "\n| amazon | 100 | TLS 1.3 | 16.0% [");
	must_have(out, "single requests-per-connection setting");
	free(out);
	assert_int_equal(render(f, 1, TABLE_PIVOT_PER_CONN, f->mixed, TABLE_JSON, &out), 0);
	doc = json_loads(out, 0, &err);
	assert_non_null(doc);
	g = json_array_get(json_object_get(doc, "groups"), 1);
	assert_string_equal(json_string_value(json_object_get(g, "tls")), "1.3");
	json_decref(doc);
	free(out);

	/* One TLS mode: nothing to compare, said. */
	assert_int_equal(render(f, 1, TABLE_PIVOT_TLS, f->https, TABLE_MD, &out), 0);
	must_have(out, "- This run measured a single TLS mode; there is nothing to compare");
	free(out);
}

/* A Fetcher column beside the TLS one's place; csv and json name the
 * fetcher of every cell, whichever run. */
static void test_fetcher_column(void **state)
{
	struct fixture *f = *state;
	char *out;
	assert_int_equal(render(f, 0, TABLE_PIVOT_AUTO, f->browser, TABLE_MD, &out), 0);
	must_have(out, "| Page | RTT (ms) | Fetcher | PLT non-TFO (s) | PLT TFO (s) | Improvement | "
		  "vs paper |\n|---|---:|---|---:|---:|---:|---|\n");
	must_have(out, "\n| amazon | 100 | builtin | 2.000 ± 0.082 (n=4) | 1.600 ± 0.082 (n=4) | 20.0% [");
	must_have(out, "\n| amazon | 100 | Chromium | 2.060 ± 0.082 (n=4) | 1.760 ± 0.082 (n=4) |");
	must_have(out, "\n- amazon (Chromium fetcher): only RTT 100 ms was measured;");
	assert_null(strstr(out, "| TLS |"));
	free(out);
	/* A run without Chromium has no such column. */
	assert_int_equal(render(f, 0, TABLE_PIVOT_AUTO, f->mixed, TABLE_MD, &out), 0);
	assert_null(strstr(out, "Fetcher"));
	free(out);

	assert_int_equal(render(f, 0, TABLE_PIVOT_AUTO, f->browser, TABLE_CSV, &out), 0);
	must_have(out, "\namazon,100,4000000,256000,1000,0,0,2,6,cubic,off,chromium,on,4,0,2.060000,");
	must_have(out, "\nwsj,100,4000000,256000,1000,0,0,2,6,cubic,off,builtin,on,4,0,1.000000,");
	free(out);

	json_error_t err;
	assert_int_equal(render(f, 0, TABLE_PIVOT_AUTO, f->browser, TABLE_JSON, &out), 0);
	json_t *doc = json_loads(out, 0, &err);
	assert_non_null(doc);
	json_t *cells = json_object_get(doc, "cells");
	assert_int_equal(json_array_size(cells), 4);
	const char *want[] = { "builtin", "chromium", "builtin", "chromium" };
	for (size_t i = 0; i < 4; i++) {
		json_t *c = json_array_get(cells, i);
		assert_string_equal(json_string_value(json_object_get(c, "fetcher")), want[i]);
		assert_null(strstr(json_string_value(json_object_get(c, "setting")), "fetcher"));
	}
	json_decref(doc);
	free(out);
}

static void test_compare_fetcher(void **state)
{
	struct fixture *f = *state;
	char *out;
	/* Auto: the run varies the fetcher only. */
	for (int by = 0; by < 2; by++) {
		assert_int_equal(render(f, 1, by ? TABLE_PIVOT_FETCHER : TABLE_PIVOT_AUTO, f->browser,
					TABLE_MD, &out), 0);
		must_have(out, "# TFO's gain with the builtin fetcher and with Chromium\n");
		must_have(out, "| Page | RTT (ms) | builtin non-TFO (s) | builtin TFO (s) | builtin gain "
			  "| Chromium non-TFO (s) | Chromium TFO (s) | Chromium gain "
			  "| Chromium − builtin, non-TFO | Chromium − builtin, TFO |\n"
			  "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
		must_have(out, "\n| amazon | 100 | 2.000 | 1.600 | 20.0% [");
		must_have(out, " | 2.060 | 1.760 | 14.6% [");
		must_have(out, " | +0.060 s (+3.0%) | +0.160 s (+10.0%) † |\n");
		must_have(out, "\n| wsj | 100 | 1.000 | 0.900 | 10.0% [");
		must_have(out, " | 0.980 | 0.920 | 6.1% [");
		must_have(out, " | -0.020 s (-2.0%) | +0.020 s (+2.2%) |\n");
		must_have(out, "\n- amazon 100 ms: TFO saves 20.0% (400 ms) with the builtin fetcher, "
			  "TFO saves 14.6% (300 ms) with Chromium.\n");
		must_have(out, "\n- amazon 100 ms: Chromium's PLT differs from the builtin fetcher's by "
			  "+10.0% with TFO.\n");
		assert_null(strstr(out, "- wsj 100 ms: Chromium's PLT differs"));
		must_have(out, "\n- 1 of 2 compared rows differ by more than 5% (†).\n");
		free(out);
	}

	assert_int_equal(render(f, 1, TABLE_PIVOT_FETCHER, f->browser, TABLE_CSV, &out), 0);
	must_have(out, "page,rtt_ms,setting,tfo_mode,fetcher,off_n,off_invalid,");
	must_have(out, ",significance,off_diff_s,off_diff_pct,tfo_diff_s,tfo_diff_pct,marked\n");
	must_have(out, "\namazon,100,,on,builtin,4,0,2.000000,4,0,1.600000,4,20.00,");
	must_have(out, ",,,,,\namazon,100,,on,chromium,4,0,2.060000,4,0,1.760000,4,14.56,");
	must_have(out, ",0.060000,3.00,0.160000,10.00,1\n");
	must_have(out, ",-0.020000,-2.00,0.020000,2.22,0\n");
	free(out);

	json_error_t err;
	assert_int_equal(render(f, 1, TABLE_PIVOT_FETCHER, f->browser, TABLE_JSON, &out), 0);
	json_t *doc = json_loads(out, 0, &err);
	assert_non_null(doc);
	assert_string_equal(json_string_value(json_object_get(doc, "by")), "fetcher");
	json_t *groups = json_object_get(doc, "groups");
	assert_int_equal(json_array_size(groups), 2);
	json_t *g = json_array_get(groups, 0);
	assert_null(json_object_get(g, "fetcher"));  /* the pivot's own key */
	assert_string_equal(json_string_value(json_object_get(g, "tls")), "off");
	json_t *pts = json_object_get(g, "points");
	assert_int_equal(json_array_size(pts), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(pts, 1), "fetcher")),
			    "chromium");
	assert_true(fabs(json_number_value(json_object_get(json_array_get(pts, 1), "saved_s")) - 0.3)
		    < 1e-9);
	json_t *vs = json_object_get(json_object_get(g, "vs_builtin"), "chromium");
	assert_non_null(vs);
	assert_true(fabs(json_number_value(json_object_get(json_object_get(vs, "tfo"), "diff_pct"))
			 - 10) < 1e-9);
	assert_true(json_is_true(json_object_get(json_object_get(vs, "tfo"), "marked")));
	assert_true(json_is_false(json_object_get(json_object_get(vs, "off"), "marked")));
	json_decref(doc);
	free(out);

	/* By tls instead: groups name their fetcher. */
	assert_int_equal(render(f, 1, TABLE_PIVOT_TLS, f->browser, TABLE_JSON, &out), 0);
	doc = json_loads(out, 0, &err);
	assert_non_null(doc);
	g = json_array_get(json_object_get(doc, "groups"), 1);
	assert_string_equal(json_string_value(json_object_get(g, "fetcher")), "chromium");
	json_decref(doc);
	free(out);

	/* One fetcher: nothing to compare, said, in the generic table. */
	assert_int_equal(render(f, 1, TABLE_PIVOT_FETCHER, f->mixed, TABLE_MD, &out), 0);
	must_have(out, "- This run measured a single fetcher; there is nothing to compare "
		  "(use fetcher = builtin, chromium).\n");
	must_have(out, "| with the builtin fetcher |");
	free(out);
}

static void test_pivot_parse(void **state)
{
	enum table_pivot p = TABLE_PIVOT_AUTO;
	assert_int_equal(table_pivot_parse("fetcher", &p), 0);
	assert_int_equal(p, TABLE_PIVOT_FETCHER);
	assert_int_equal(table_pivot_parse("tls", &p), 0);
	assert_int_equal(p, TABLE_PIVOT_TLS);
	assert_int_equal(table_pivot_parse("per_conn", &p), 0);
	assert_int_equal(p, TABLE_PIVOT_PER_CONN);
	assert_int_equal(table_pivot_parse("rtt", &p), -EINVAL);
	assert_int_equal(table_pivot_parse("", &p), -EINVAL);
	assert_int_equal(table_pivot_parse(NULL, &p), -EINVAL);
	assert_int_equal(p, TABLE_PIVOT_PER_CONN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_table_column, setup, teardown),
		cmocka_unit_test_setup_teardown(test_compare_tls, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fetcher_column, setup, teardown),
		cmocka_unit_test_setup_teardown(test_compare_fetcher, setup, teardown),
		cmocka_unit_test(test_pivot_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
