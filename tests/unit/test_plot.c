/*
 * The plots' data files, from a database filled through the store API with
 * synthetic trials whose statistics are known by hand:
 *
 *   run "grid": 2 pages x 2 RTTs x (off, on), 3 valid trials each
 *     cell           off PLTs (s)       TFO PLTs (s)        gain
 *     amazon  20 ms  1.0 1.1 0.9        0.8 0.9 0.7         20%  (+ 1 invalid TFO trial, 99 s)
 *     amazon 100 ms  2.0 2.2 1.8        1.5 1.6 1.4         25%
 *     wsj     20 ms  0.5 0.6 0.4        0.45 0.5 0.4        10%
 *     wsj    100 ms  1.0 1.2 0.8        0.8 0.9 0.7         20%
 *   run "sweep": amazon 100 ms at 1, 2 and unlimited requests per connection
 *   run "broken": its only trial is invalid
 *
 * Every trial has three requests (two connections); the TFO ones send the
 * request with the SYN.  Means and sds are computed here by hand; the CIs
 * come from stats (checked by test_stats) with the table's seed.  When
 * gnuplot is installed, the whole plot is drawn and every image checked.
 */
#include <errno.h>
#include <ftw.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "cli/commands.h"
#include "plots/plot.h"
#include "plots/plot_data.h"
#include "plots/plot_gp.h"
#include "plots/plot_waterfall.h"
#include "results/stats.h"
#include "results/store.h"
#include "results/table.h"

struct spec {
	const char *page;
	int rtt_ms;
	int per_conn;
	double off[3];
	double tfo[3];
};

static const struct spec grid[] = {
	{ "amazon", 20, 2, { 1.0, 1.1, 0.9 }, { 0.8, 0.9, 0.7 } },
	{ "amazon", 100, 2, { 2.0, 2.2, 1.8 }, { 1.5, 1.6, 1.4 } },
	{ "wsj", 20, 2, { 0.5, 0.6, 0.4 }, { 0.45, 0.5, 0.4 } },
	{ "wsj", 100, 2, { 1.0, 1.2, 0.8 }, { 0.8, 0.9, 0.7 } },
};

static const struct spec sweep[] = {
	{ "amazon", 100, 1, { 2.0, 2.2, 1.8 }, { 1.4, 1.5, 1.3 } },
	{ "amazon", 100, 2, { 2.0, 2.2, 1.8 }, { 1.5, 1.6, 1.4 } },
	{ "amazon", 100, 0, { 2.0, 2.2, 1.8 }, { 1.9, 2.0, 1.8 } },
};

struct fixture {
	char dir[64];
	char path[128];
	struct store *st;
	int64_t grid, sweep, broken;
	struct cell_opts opts;
};

/*
 * The requests of a load at rtt_ms: r0 opens connection 0, r1 reuses it, r2
 * opens connection 1 once r0 is done.  Without TFO a request is sent when
 * the handshake is done; with it, with the SYN.
 */
static void make_requests(int rtt_ms, int tfo, struct store_request q[3])
{
	int64_t rtt = rtt_ms * 1000000LL, ms = 1000000;
	int64_t sent0 = tfo ? 0 : rtt;
	q[0] = (struct store_request){ .res_idx = 0, .res_id = "r0", .host = "www.example.com",
		.path = "/", .conn_id = 0, .new_conn = 1, .syn_data = tfo, .queued_ns = 0,
		.connect_start_ns = 0, .connected_ns = rtt, .req_sent_ns = sent0,
		.first_byte_ns = sent0 + rtt, .last_byte_ns = sent0 + rtt + 10 * ms,
		.body_bytes = 1000, .status = 200, .tls_done_ns = -1 };
	int64_t t1 = q[0].last_byte_ns;
	q[1] = (struct store_request){ .res_idx = 1, .res_id = "r1", .host = "www.example.com",
		.path = "/a.css", .conn_id = 0, .new_conn = 0, .queued_ns = t1,
		.connect_start_ns = -1, .connected_ns = -1, .req_sent_ns = t1,
		.first_byte_ns = t1 + rtt, .last_byte_ns = t1 + rtt + 5 * ms, .status = 200,
		.tls_done_ns = -1 };
	int64_t sent2 = t1 + (tfo ? 0 : rtt);
	q[2] = (struct store_request){ .res_idx = 2, .res_id = "r2", .host = "img.example.com",
		.path = "/b.png", .conn_id = 1, .new_conn = 1, .syn_data = tfo, .queued_ns = t1,
		.connect_start_ns = t1, .connected_ns = t1 + rtt, .req_sent_ns = sent2,
		.first_byte_ns = sent2 + rtt, .last_byte_ns = sent2 + rtt + 20 * ms, .status = 200,
		.tls_done_ns = -1 };
}

static void add_trials(struct store *st, int64_t cond, int rtt_ms, int tfo, const double *plt,
		       int invalid)
{
	struct store_request q[3];
	int seq = 0;
	make_requests(rtt_ms, tfo, q);
	for (int i = 0; i < 3; i++) {
		struct store_trial t = { .seq = seq++, .valid = 1, .plt_ns = llround(plt[i] * 1e9) };
		assert_int_equal(store_trial_insert(st, cond, &t, q, 3, NULL), 0);
	}
	/* Last, in a fourth round of its own: the three valid trials of each
	 * side stay paired round by round (results/cells.c, "Pairing"). */
	if (invalid) {
		struct store_trial t = { .seq = seq++, .valid = 0, .invalid_reason = "timeout",
					 .plt_ns = 99000000000LL };
		assert_int_equal(store_trial_insert(st, cond, &t, q, 3, NULL), 0);
	}
}

static int64_t add_run(struct store *st, const char *name, const struct spec *s, size_t n)
{
	struct store_run r = { .started_at = 1700000000LL * 1000000000LL, .experiment_name = name,
			       .link_backend = "userspace" };
	int64_t run;
	assert_int_equal(store_run_begin(st, &r, &run), 0);
	for (size_t i = 0; i < n; i++)
		for (int m = 0; m < 2; m++) {
			struct store_condition c = {
				.run_id = run, .idx = (int)(2 * i) + m, .pair_key = (int)i,
				.page = s[i].page, .rtt_ns = s[i].rtt_ms * 1000000LL,
				.down_bps = 4000000, .up_bps = 256000, .queue_pkts = 1000,
				.tfo_mode = m ? TFO_ON : TFO_OFF, .tfo_sysctl = m ? 519 : 0,
				.per_conn = s[i].per_conn, .conns_per_host = 6, .trials = 3,
				.backend = "userspace", .cc = "cubic",
			};
			int64_t id;
			assert_int_equal(store_condition_insert(st, &c, &id), 0);
			/* The invalid trial: amazon 20 ms with TFO, in the grid only. */
			add_trials(st, id, s[i].rtt_ms, m, m ? s[i].tfo : s[i].off,
				   s == grid && i == 0 && m);
		}
	assert_int_equal(store_run_end(st, run, "done", r.started_at + 1), 0);
	return run;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	if (!f)
		return -1;
	strcpy(f->dir, "/tmp/tfolab-test-plot-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/t.db", f->dir);
	if (store_open(f->path, &f->st) < 0)
		return -1;
	f->grid = add_run(f->st, "grid", grid, 4);
	f->sweep = add_run(f->st, "sweep", sweep, 3);
	struct store_run r = { .started_at = 1, .experiment_name = "broken" };
	struct store_condition c = { .page = "amazon", .rtt_ns = 20000000, .down_bps = 1,
				     .up_bps = 1, .backend = "userspace" };
	struct store_trial t = { .valid = 0, .invalid_reason = "timeout" };
	struct store_request q = { .host = "h" };
	int64_t id;
	if (store_run_begin(f->st, &r, &f->broken) < 0)
		return -1;
	c.run_id = f->broken;
	if (store_condition_insert(f->st, &c, &id) < 0 || store_trial_insert(f->st, id, &t, &q, 1, NULL) < 0)
		return -1;
	f->opts = (struct cell_opts){ .seed = TABLE_DEFAULT_SEED, .resamples = TABLE_DEFAULT_RESAMPLES,
				      .level = TABLE_DEFAULT_LEVEL };
	*state = f;
	return 0;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(path);
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	store_close(f->st);
	nftw(f->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

typedef int (*writer)(const struct plot_data *pd, FILE *f);

/* Runs a writer into a new string (free it). */
static char *write_str(const struct plot_data *pd, writer fn)
{
	char *text = NULL;
	size_t len;
	FILE *mem = open_memstream(&text, &len);
	assert_non_null(mem);
	assert_int_equal(fn(pd, mem), 0);
	fclose(mem);
	return text;
}

/* The lines of text that are not comments, plus the last comment line (the
 * column names), so that the header's prose may change but not the data. */
static char *data_lines(const char *text)
{
	char *out = NULL, *cols = NULL;
	size_t len;
	FILE *mem = open_memstream(&out, &len);
	assert_non_null(mem);
	for (const char *p = text; *p;) {
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (*p == '#') {
			free(cols);
			cols = strndup(p, n);
		} else {
			if (cols) {
				fprintf(mem, "%s\n", cols);
				free(cols);
				cols = NULL;
			}
			fprintf(mem, "%.*s\n", (int)n, p);
		}
		p += n + (e != NULL);
	}
	free(cols);
	fclose(mem);
	return out;
}

static double hand_mean(const double *x)
{
	return (x[0] + x[1] + x[2]) / 3;
}

static double hand_sd(const double *x)
{
	double m = hand_mean(x), s = 0;
	for (int i = 0; i < 3; i++)
		s += (x[i] - m) * (x[i] - m);
	return sqrt(s / 2);
}

static void put_num(FILE *f, double v)
{
	if (isfinite(v))
		fprintf(f, "%.6f", v);
	else
		fputs("NaN", f);
}

static void put_side(FILE *f, const double *x)
{
	double sd = hand_sd(x);
	fprintf(f, "\t3\t");
	put_num(f, hand_mean(x));
	fputc('\t', f);
	put_num(f, sd);
	fputc('\t', f);
	/* t(0.975, 2) = 4.302653 */
	put_num(f, stats_t_quantile(0.975, 2) * sd / sqrt(3));
}

static void test_plt(void **state)
{
	struct fixture *f = *state;
	struct plot_data pd;
	assert_int_equal(plot_data_load(f->st, f->grid, &f->opts, &pd), 0);
	assert_int_equal(pd.set.valid_trials, 24);
	assert_int_equal(pd.set.invalid_trials, 1);
	assert_true(fabs(stats_t_quantile(0.975, 2) - 4.302653) < 1e-5);

	char *expect = NULL;
	size_t len;
	FILE *mem = open_memstream(&expect, &len);
	fputs("# x\tpage\trtt_ms\tsetting\toff_n\toff_mean_s\toff_sd_s\toff_ci_s"
	      "\ttfo_n\ttfo_mean_s\ttfo_sd_s\ttfo_ci_s\n", mem);
	for (int i = 0; i < 4; i++) {
		fprintf(mem, "%d\t%s\t%d\t-", i, grid[i].page, grid[i].rtt_ms);
		put_side(mem, grid[i].off);
		put_side(mem, grid[i].tfo);
		fputc('\n', mem);
	}
	fclose(mem);
	char *text = write_str(&pd, plot_write_plt);
	char *got = data_lines(text);
	assert_string_equal(got, expect);
	/* The invalid 99 s trial is left out but counted. */
	assert_non_null(strstr(text, "24 valid trials, 1 invalid left out"));
	assert_null(strstr(text, "99"));
	free(text);
	free(got);
	free(expect);
	plot_data_release(&pd);
}

static void put_imp(FILE *f, const struct fixture *fx, const struct spec *s, const char *series,
		    const char *extra, int with_p)
{
	struct stats_interval iv;
	struct stats_paired w;
	double gain = 1 - hand_mean(s->tfo) / hand_mean(s->off);
	assert_int_equal(stats_boot_paired_improvement(s->off, s->tfo, 3, fx->opts.resamples,
						       fx->opts.seed, fx->opts.level, &iv), 0);
	assert_int_equal(stats_paired_t(s->off, s->tfo, 3, fx->opts.level, &w), 0);
	assert_true(fabs(iv.point - gain) < 1e-12);
	fprintf(f, "%s\t%s", series, extra);
	fprintf(f, "\t%.6f\t%.6f\t%.6f\t3\t3", gain * 100, iv.lo * 100, iv.hi * 100);
	if (with_p)
		fprintf(f, "\t%.6g", w.p);
	fputc('\n', f);
}

static void test_improvement(void **state)
{
	struct fixture *f = *state;
	struct plot_data pd;
	assert_int_equal(plot_data_load(f->st, f->grid, &f->opts, &pd), 0);
	assert_int_equal(pd.nimp, 2);
	assert_string_equal(pd.imp[0].title, "amazon");
	assert_string_equal(pd.imp[1].title, "wsj");
	assert_int_equal(pd.nper_conn, 1);
	assert_int_equal(pd.npers, 0);

	char *expect = NULL;
	size_t len;
	FILE *mem = open_memstream(&expect, &len);
	fputs("# series\trtt_ms\timprovement_pct\tci_lo_pct\tci_hi_pct\toff_n\ttfo_n\tp\n", mem);
	for (int i = 0; i < 4; i++) {
		char rtt[16];
		snprintf(rtt, sizeof(rtt), "%d", grid[i].rtt_ms);
		if (i == 2)
			fputs("\n\n", mem);
		put_imp(mem, f, &grid[i], grid[i].page, rtt, 1);
	}
	fclose(mem);
	char *text = write_str(&pd, plot_write_improvement);
	char *got = data_lines(text);
	assert_string_equal(got, expect);
	/* 20% and 25% are within the paper's range; the table agrees on the CI. */
	assert_non_null(strstr(got, "amazon\t100\t25.000000\t"));
	assert_non_null(strstr(text, "4-41%"));
	free(text);
	free(got);
	free(expect);
	plot_data_release(&pd);
}

static void test_cdf(void **state)
{
	struct fixture *f = *state;
	struct plot_data pd;
	assert_int_equal(plot_data_load(f->st, f->grid, &f->opts, &pd), 0);
	char *expect = NULL;
	size_t len;
	FILE *mem = open_memstream(&expect, &len);
	fputs("# condition\ttfo\tplt_s\tcdf\n", mem);
	for (int i = 0; i < 8; i++) {
		const struct spec *s = &grid[i / 2];
		double x[3];
		memcpy(x, i % 2 ? s->tfo : s->off, sizeof(x));
		stats_sort(x, 3);
		if (i)
			fputs("\n\n", mem);
		char title[64];
		snprintf(title, sizeof(title), "%s, %d ms, %s", s->page, s->rtt_ms,
			 i % 2 ? "TFO" : "non-TFO");
		for (int k = 0; k <= 3; k++)
			fprintf(mem, "%s\t%s\t%.6f\t%.6f\n", title, i % 2 ? "on" : "off",
				x[k ? k - 1 : 0], k / 3.0);
	}
	fclose(mem);
	char *text = write_str(&pd, plot_write_cdf);
	char *got = data_lines(text);
	assert_string_equal(got, expect);
	free(text);
	free(got);
	free(expect);
	/* A panel per page; a pair shares its colour, distinct within the page. */
	assert_int_equal(pd.npages, 2);
	assert_string_equal(pd.pages[1], "wsj");
	assert_int_equal(pd.ncdf, 8);
	static const int page[8] = { 0, 0, 0, 0, 1, 1, 1, 1 }, group[8] = { 0, 0, 1, 1, 0, 0, 1, 1 };
	for (int i = 0; i < 8; i++) {
		assert_int_equal(pd.conds[i].page, page[i]);
		assert_int_equal(pd.conds[i].group, group[i]);
	}
	assert_string_equal(pd.conds[3].short_title, "100 ms, TFO");
	plot_data_release(&pd);
}

static void test_persistence(void **state)
{
	struct fixture *f = *state;
	struct plot_data pd;
	assert_int_equal(plot_data_load(f->st, f->sweep, &f->opts, &pd), 0);
	assert_int_equal(pd.nper_conn, 3);
	assert_int_equal(pd.per_conn[0], 1);
	assert_int_equal(pd.per_conn[1], 2);
	assert_int_equal(pd.per_conn[2], 0);
	assert_int_equal(pd.npers, 1);
	assert_string_equal(pd.pers[0].title, "amazon, 100 ms");
	/* per_conn varies, so each improvement line is one per_conn value. */
	assert_int_equal(pd.nimp, 3);

	char *expect = NULL;
	size_t len;
	FILE *mem = open_memstream(&expect, &len);
	fputs("# series\tpage\trtt_ms\tper_conn\tx\timprovement_pct\tci_lo_pct\tci_hi_pct"
	      "\toff_n\ttfo_n\n", mem);
	static const char *const pc[] = { "1", "2", "unlimited" };
	for (int i = 0; i < 3; i++) {
		char extra[64];
		snprintf(extra, sizeof(extra), "amazon\t100\t%s\t%d", pc[i], i);
		put_imp(mem, f, &sweep[i], "amazon, 100 ms", extra, 0);
	}
	fclose(mem);
	char *text = write_str(&pd, plot_write_persistence);
	char *got = data_lines(text);
	assert_string_equal(got, expect);
	free(text);
	free(got);
	free(expect);
	plot_data_release(&pd);
}

static void test_waterfall(void **state)
{
	struct fixture *f = *state;
	struct plot_data pd;
	struct store *db = f->st;
	struct plot_waterfall wf;
	assert_int_equal(plot_data_load(f->st, f->grid, &f->opts, &pd), 0);
	/* A page: its own largest RTT; a page without measurements: none. */
	assert_int_equal(plot_waterfall_load(&pd, db, "wsj", -1, -1, &wf), 0);
	assert_string_equal(wf.tfo.cond->page, "wsj");
	assert_int_equal(wf.tfo.cond->rtt_ns, 100000000);
	assert_int_equal(wf.tfo.trial.plt_ns, 800000000);
	plot_waterfall_release(&wf);
	assert_int_equal(plot_waterfall_load(&pd, db, "nytimes", -1, -1, &wf), -ENODATA);
	plot_waterfall_release(&wf);
	/* A TLS mode: the run is plain HTTP throughout. */
	assert_int_equal(plot_waterfall_load(&pd, db, "wsj", TLS_13, -1, &wf), -ENODATA);
	plot_waterfall_release(&wf);
	assert_int_equal(plot_waterfall_load(&pd, db, "wsj", TLS_OFF, FETCHER_CHROMIUM, &wf), -ENODATA);
	plot_waterfall_release(&wf);
	assert_int_equal(plot_waterfall_load(&pd, db, "wsj", TLS_OFF, FETCHER_BUILTIN, &wf), 0);
	plot_waterfall_release(&wf);
	assert_int_equal(plot_waterfall_load(&pd, db, "wsj", TLS_OFF, -1, &wf), 0);
	assert_int_equal(wf.tfo.trial.plt_ns, 800000000);
	plot_waterfall_release(&wf);
	assert_int_equal(plot_waterfall_load(&pd, db, NULL, -1, -1, &wf), 0);

	/* The largest RTT, first page: amazon 100 ms; its median trials. */
	assert_string_equal(wf.off.cond->page, "amazon");
	assert_int_equal(wf.off.cond->rtt_ns, 100000000);
	assert_int_equal(wf.off.cond->tfo_mode, TFO_OFF);
	assert_int_equal(wf.tfo.cond->tfo_mode, TFO_ON);
	assert_int_equal(wf.off.trial.plt_ns, 2000000000);
	assert_int_equal(wf.off.trial.seq, 0);
	assert_int_equal(wf.tfo.trial.plt_ns, 1500000000);
	assert_int_equal(wf.off.n, 3);
	assert_int_equal(wf.off.new_conns, 2);
	assert_int_equal(wf.off.syn_data, 0);
	assert_int_equal(wf.tfo.syn_data, 2);
	assert_true(fabs(wf.span_ms - 2000) < 1e-9);  /* the PLT is later than any request */

	for (int tfo = 0; tfo < 2; tfo++) {
		struct store_request q[3];
		make_requests(100, tfo, q);
		char *expect = NULL, *text = NULL;
		size_t len;
		FILE *mem = open_memstream(&expect, &len);
		fputs("# row\tres_idx\tconn_id\tnew_conn\tsyn_data\tqueued_ms\tconnect_start_ms"
		      "\tconnected_ms\treq_sent_ms\tfirst_byte_ms\tlast_byte_ms\ttls_done_ms\turl\n", mem);
		for (int i = 0; i < 3; i++) {
			fprintf(mem, "%d\t%d\t%d\t%d\t%d\t%.6f\t", i + 1, i, q[i].conn_id,
				q[i].new_conn, q[i].syn_data, q[i].queued_ns / 1e6);
			if (q[i].new_conn)
				fprintf(mem, "%.6f\t%.6f", q[i].connect_start_ns / 1e6,
					q[i].connected_ns / 1e6);
			else
				fputs("NaN\tNaN", mem);
			fprintf(mem, "\t%.6f\t%.6f\t%.6f\tNaN\t%s%s\n", q[i].req_sent_ns / 1e6,
				q[i].first_byte_ns / 1e6, q[i].last_byte_ns / 1e6, q[i].host,
				q[i].path);
		}
		fclose(mem);
		mem = open_memstream(&text, &len);
		assert_int_equal(plot_write_waterfall(&pd, tfo ? &wf.tfo : &wf.off, mem), 0);
		fclose(mem);
		char *got = data_lines(text);
		assert_string_equal(got, expect);
		free(got);
		free(text);
		free(expect);
	}
	/* With TFO the second connection's request leaves with its SYN. */
	assert_true(wf.tfo.req[2].req_sent_ns == wf.tfo.req[2].connect_start_ns);
	assert_true(wf.off.req[2].req_sent_ns == wf.off.req[2].connected_ns);
	plot_waterfall_release(&wf);
	plot_data_release(&pd);
}

static struct plot_opts opts_for(struct fixture *f, const char *out, const char *gnuplot)
{
	return (struct plot_opts){ .db_path = f->path, .out_dir = out, .png = 1, .svg = 1,
				   .waterfall_tls = -1, .gnuplot = gnuplot, .cells = f->opts };
}

/* Reads a whole file into a new string; NULL if it does not exist. */
static char *slurp(const char *path, size_t *len)
{
	FILE *in = fopen(path, "rb");
	if (!in)
		return NULL;
	char *buf = NULL;
	FILE *mem = open_memstream(&buf, len);
	char tmp[8192];
	size_t n;
	while ((n = fread(tmp, 1, sizeof(tmp), in)) > 0)
		fwrite(tmp, 1, n, mem);
	fclose(in);
	fclose(mem);
	return buf;
}

/* Runs plot_run and returns what it listed (free it). */
static char *run_plot(struct fixture *f, int64_t run, const struct plot_opts *o, int want)
{
	char *list = NULL;
	size_t len;
	FILE *mem = open_memstream(&list, &len);
	assert_int_equal(plot_run(f->st, run, o, mem), want);
	fclose(mem);
	return list;
}

static void check_image(const char *dir, const char *name, const char *fmt, const char *list)
{
	char path[256];
	size_t len;
	snprintf(path, sizeof(path), "%s/%s.%s", dir, name, fmt);
	char *data = slurp(path, &len);
	if (!data)
		fail_msg("%s was not written", path);
	assert_true(len > 100);
	if (!strcmp(fmt, "png"))
		assert_memory_equal(data, "\x89PNG\r\n\x1a\n", 8);
	else
		assert_non_null(strstr(data, "<svg"));
	free(data);
	char line[260];
	snprintf(line, sizeof(line), "%s\n", path);
	assert_non_null(strstr(list, line));
}

static void test_errors(void **state)
{
	struct fixture *f = *state;
	char out[128];
	snprintf(out, sizeof(out), "%s/none", f->dir);
	struct plot_opts o = opts_for(f, out, NULL);
	free(run_plot(f, 999, &o, -ENOENT));
	free(run_plot(f, f->broken, &o, -ENODATA));
	struct stat sb;
	assert_int_equal(stat(out, &sb), -1);  /* nothing was created */
}

/* Without gnuplot: the data files and scripts only. */
static void test_no_images(void **state)
{
	struct fixture *f = *state;
	char out[128], path[192];
	snprintf(out, sizeof(out), "%s/data/sub", f->dir);
	struct plot_opts o = opts_for(f, out, NULL);
	char *list = run_plot(f, f->grid, &o, 0);
	static const char *const files[] = { "plt.dat", "plt.gp", "improvement.dat",
		"improvement.gp", "waterfall_off.dat", "waterfall_tfo.dat", "waterfall.gp",
		"cdf.dat", "cdf.gp" };
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s\n", out, files[i]);
		assert_non_null(strstr(list, path));
		path[strlen(path) - 1] = '\0';
		assert_int_equal(access(path, R_OK), 0);
	}
	assert_null(strstr(list, "persistence"));
	assert_null(strstr(list, ".png"));
	free(list);
}

static void test_images(void **state)
{
	struct fixture *f = *state;
	char gnuplot[4096], out[128];
	if (plot_gp_find(gnuplot, sizeof(gnuplot)) < 0) {
		print_message("SKIP: gnuplot is not installed\n");
		skip();
		return;
	}
	snprintf(out, sizeof(out), "%s/grid", f->dir);
	struct plot_opts o = opts_for(f, out, gnuplot);
	char *list = run_plot(f, f->grid, &o, 0);
	static const char *const names[] = { "plt", "improvement", "waterfall", "cdf" };
	for (size_t i = 0; i < 4; i++) {
		check_image(out, names[i], "png", list);
		check_image(out, names[i], "svg", list);
	}
	assert_null(strstr(list, "persistence"));
	free(list);

	snprintf(out, sizeof(out), "%s/sweep", f->dir);
	o = opts_for(f, out, gnuplot);
	o.svg = 0;
	list = run_plot(f, f->sweep, &o, 0);
	check_image(out, "persistence", "png", list);
	check_image(out, "plt", "png", list);
	assert_null(strstr(list, ".svg"));
	free(list);
}

/*
 * One cell with one valid trial each side: its sd is NaN in the data, and
 * gnuplot 5.4 used to crash (SIGSEGV) drawing plt from it.
 */
static void test_images_one_trial(void **state)
{
	struct fixture *f = *state;
	char gnuplot[4096], out[128];
	if (plot_gp_find(gnuplot, sizeof(gnuplot)) < 0) {
		print_message("SKIP: gnuplot is not installed\n");
		skip();
		return;
	}
	struct store_run r = { .started_at = 1700000000LL * 1000000000LL, .experiment_name = "one",
			       .link_backend = "userspace" };
	int64_t run;
	assert_int_equal(store_run_begin(f->st, &r, &run), 0);
	for (int m = 0; m < 2; m++) {
		struct store_condition c = {
			.run_id = run, .idx = m, .pair_key = 0, .page = "wikipedia-tcp",
			.rtt_ns = 20000000, .down_bps = 4000000, .up_bps = 256000, .queue_pkts = 1000,
			.tfo_mode = m ? TFO_ON : TFO_OFF, .tfo_sysctl = m ? 519 : 0,
			.per_conn = 2, .conns_per_host = 6, .trials = 1, .backend = "userspace",
			.cc = "bbr",
		};
		struct store_request q[3];
		struct store_trial t = { .seq = 0, .valid = 1, .plt_ns = m ? 1912000000 : 1940000000 };
		int64_t id;
		assert_int_equal(store_condition_insert(f->st, &c, &id), 0);
		make_requests(20, m, q);
		assert_int_equal(store_trial_insert(f->st, id, &t, q, 3, NULL), 0);
	}
	snprintf(out, sizeof(out), "%s/one", f->dir);
	struct plot_opts o = opts_for(f, out, gnuplot);
	char *list = run_plot(f, run, &o, 0);
	check_image(out, "plt", "png", list);
	check_image(out, "plt", "svg", list);
	check_image(out, "cdf", "png", list);
	free(list);
}

/* A template gnuplot rejects: plot_run fails with -EIO. */
static void test_gnuplot_fails(void **state)
{
	struct fixture *f = *state;
	char gnuplot[4096], tdir[128], out[128], path[192];
	if (plot_gp_find(gnuplot, sizeof(gnuplot)) < 0) {
		print_message("SKIP: gnuplot is not installed\n");
		skip();
		return;
	}
	snprintf(tdir, sizeof(tdir), "%s/templates", f->dir);
	assert_int_equal(mkdir(tdir, 0777), 0);
	snprintf(path, sizeof(path), "%s/common.gp", tdir);
	FILE *t = fopen(path, "w");
	fputs("set terminal svg\nset output out . '.' . fmt\n", t);
	fclose(t);
	snprintf(path, sizeof(path), "%s/plt.gp", tdir);
	t = fopen(path, "w");
	fputs("plot no_such_function(x)\n", t);
	fclose(t);
	char *old = getenv("TFOLAB_PLOTS_DIR") ? strdup(getenv("TFOLAB_PLOTS_DIR")) : NULL;
	setenv("TFOLAB_PLOTS_DIR", tdir, 1);
	snprintf(out, sizeof(out), "%s/fails", f->dir);
	struct plot_opts o = opts_for(f, out, gnuplot);
	char *list = run_plot(f, f->grid, &o, -EIO);
	assert_null(strstr(list, "plt.svg"));
	free(list);
	if (old)
		setenv("TFOLAB_PLOTS_DIR", old, 1);
	else
		unsetenv("TFOLAB_PLOTS_DIR");
	free(old);
}

static void test_gp_quote(void **state)
{
	char *text = NULL;
	size_t len;
	FILE *mem = open_memstream(&text, &len);
	plot_gp_put_str(mem, "it's\na page");
	fclose(mem);
	assert_string_equal(text, "'it''s a page'");
	free(text);
}

static int run_cmd(char **argv)
{
	int argc = 0;
	while (argv[argc])
		argc++;
	return cmd_plot(argc, argv);
}

/* The command line: usage errors are 2, a missing database 1, a run 0. */
static void test_cmd(void **state)
{
	struct fixture *f = *state;
	char out[128], path[192];
	snprintf(out, sizeof(out), "%s/cmd", f->dir);
	char *help[] = { "plot", "--help", NULL };
	char *no_out[] = { "plot", "--db", f->path, NULL };
	char *bad_fmt[] = { "plot", "--db", f->path, "--out", out, "--format", "gif", NULL };
	char *bad_run[] = { "plot", "--db", f->path, "--out", out, "--run", "x", NULL };
	char *no_db[] = { "plot", "--db", "/nonexistent/t.db", "--out", out, NULL };
	char *no_run[] = { "plot", "--db", f->path, "--out", out, "--run", "999", NULL };
	char bid[16];
	snprintf(bid, sizeof(bid), "%lld", (long long)f->broken);
	char *broken[] = { "plot", "--db", f->path, "--out", out, "--run", bid, NULL };
	assert_int_equal(run_cmd(help), 0);
	assert_int_equal(run_cmd(no_out), 2);
	assert_int_equal(run_cmd(bad_fmt), 2);
	assert_int_equal(run_cmd(bad_run), 2);
	assert_int_equal(run_cmd(no_db), 1);
	assert_int_equal(access("/nonexistent/t.db", F_OK), -1);  /* not created */
	char gnuplot[4096];
	if (plot_gp_find(gnuplot, sizeof(gnuplot)) < 0)
		return;
	assert_int_equal(run_cmd(no_run), 1);
	assert_int_equal(run_cmd(broken), 1);
	char run[16];
	snprintf(run, sizeof(run), "%lld", (long long)f->sweep);
	char *ok[] = { "plot", "--db", f->path, "--out", out, "--run", run, "--format", "svg", NULL };
	assert_int_equal(run_cmd(ok), 0);
	snprintf(path, sizeof(path), "%s/persistence.svg", out);
	assert_int_equal(access(path, R_OK), 0);
	snprintf(path, sizeof(path), "%s/persistence.png", out);
	assert_int_equal(access(path, F_OK), -1);
	char gid[16];
	snprintf(gid, sizeof(gid), "%lld", (long long)f->grid);
	char *page[] = { "plot", "--db", f->path, "--out", out, "--run", gid, "--format", "png",
			 "--page", "wsj", NULL };
	assert_int_equal(run_cmd(page), 0);
	snprintf(path, sizeof(path), "%s/waterfall_tfo.dat", out);
	size_t len;
	char *text = slurp(path, &len);
	assert_non_null(text);
	assert_non_null(strstr(text, "wsj, 100 ms, TFO"));
	free(text);
	char *no_page[] = { "plot", "--db", f->path, "--out", out, "--run", gid, "--page", "nytimes",
			    NULL };
	assert_int_equal(run_cmd(no_page), 1);
}

int main(void)
{
	/* Templates from this source tree, whatever the build configured. */
	const char *src = getenv("TFOLAB_SRC");
	char dir[4096];
	if (src && !getenv("TFOLAB_PLOTS_DIR")) {
		snprintf(dir, sizeof(dir), "%s/plots", src);
		setenv("TFOLAB_PLOTS_DIR", dir, 1);
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plt),
		cmocka_unit_test(test_improvement),
		cmocka_unit_test(test_cdf),
		cmocka_unit_test(test_persistence),
		cmocka_unit_test(test_waterfall),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_no_images),
		cmocka_unit_test(test_images),
		cmocka_unit_test(test_images_one_trial),
		cmocka_unit_test(test_gnuplot_fails),
		cmocka_unit_test(test_gp_quote),
		cmocka_unit_test(test_cmd),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
