/*
 * Table 1: PLT with and without TFO per page and RTT, and how each cell
 * stands against the paper.  Disagreements are printed, never smoothed:
 * each row says where its improvement lies relative to the paper's 4-41%
 * and, for the cells whose value the paper states, relative to that value;
 * the notes check per page that the gain grows with RTT.
 */
#include "results/table.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "results/render.h"

/* The tested cells of one page and setting, ascending in RTT. */
struct trend {
	const struct cell **cells;
	size_t n;
	int grows;               /* improvement strictly increases with RTT */
};

static int cmp_rtt(const void *a, const void *b)
{
	const struct cell *x = *(const struct cell *const *)a, *y = *(const struct cell *const *)b;
	int64_t p = cell_cond(x)->rtt_ns, q = cell_cond(y)->rtt_ns;
	return (p > q) - (p < q);
}

/* Same page, setting and TFO mode: the cells one trend runs through. */
static int same_series(const struct cell *a, const struct cell *b)
{
	const struct store_condition *x = cell_cond(a), *y = cell_cond(b);
	return !strcmp(x->page, y->page) && cell_cond_diff(x, y) == 0 &&
	       a->tfo.cond->tfo_mode == b->tfo.cond->tfo_mode;
}

/* Groups the tested cells into trends; *out is a new array (free each
 * trend's cells and the array). */
static int trends_build(const struct cell_set *set, struct trend **out, size_t *n)
{
	struct trend *t = calloc(set->n ? set->n : 1, sizeof(*t));
	char *taken = calloc(set->n ? set->n : 1, 1);
	size_t nt = 0;
	if (!t || !taken)
		goto nomem;
	for (size_t i = 0; i < set->n; i++) {
		if (taken[i] || !set->cells[i].tested)
			continue;
		struct trend *tr = &t[nt++];
		tr->cells = calloc(set->n, sizeof(*tr->cells));
		if (!tr->cells)
			goto nomem;
		for (size_t j = i; j < set->n; j++)
			if (!taken[j] && set->cells[j].tested &&
			    same_series(&set->cells[i], &set->cells[j])) {
				taken[j] = 1;
				tr->cells[tr->n++] = &set->cells[j];
			}
		qsort(tr->cells, tr->n, sizeof(*tr->cells), cmp_rtt);
		tr->grows = 1;
		for (size_t k = 1; k < tr->n; k++)
			if (!(tr->cells[k]->imp.point > tr->cells[k - 1]->imp.point))
				tr->grows = 0;
	}
	free(taken);
	*out = t;
	*n = nt;
	return 0;
nomem:
	for (size_t i = 0; t && i < nt; i++)
		free(t[i].cells);
	free(t);
	free(taken);
	return -ENOMEM;
}

static void trends_free(struct trend *t, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(t[i].cells);
	free(t);
}

static void row_setting(const struct cell_set *set, const struct cell *c, char *buf, size_t len)
{
	cell_row_setting(set, c, CELL_VARY_ALL, buf, len);
}

static const char *cond_tls_title(const struct store_condition *c)
{
	return tls_mode_title(c->tls);
}

static const char *cond_fetcher_title(const struct store_condition *c)
{
	return fetcher_title(c->fetcher);
}

/* The keys with a column of their own (CELL_COLUMNS), in their order. */
static const struct own_column {
	unsigned vary;
	const char *heading;
	const char *(*title)(const struct store_condition *c);
} own_columns[] = {
	{ CELL_VARY_TLS, "TLS", cond_tls_title },
	{ CELL_VARY_FETCHER, "Fetcher", cond_fetcher_title },
};

#define N_OWN_COLUMNS (sizeof(own_columns) / sizeof(own_columns[0]))

/* The Setting column: what sets a row apart but the keys with a column of
 * their own in this run (a TLS column when it has HTTPS cells, a Fetcher
 * column when it has Chromium's). */
static void column_setting(const struct cell_set *set, const struct cell *c, char *buf,
			   size_t len)
{
	cell_row_setting(set, c, CELL_VARY_ALL & ~set->columns, buf, len);
}

static int needs_setting_column(const struct cell_set *set)
{
	return (set->varying & ~set->columns) || set->has_cookie;
}

static double mean_improvement(const struct cell_set *set, size_t *n)
{
	double sum = 0;
	*n = 0;
	for (size_t i = 0; i < set->n; i++)
		if (set->cells[i].tested) {
			sum += set->cells[i].imp.point;
			(*n)++;
		}
	return *n ? sum / (double)*n : NAN;
}

static void md_trend(FILE *f, const struct cell_set *set, const struct trend *t)
{
	char setting[256] = "", rtt[32];
	row_setting(set, t->cells[0], setting, sizeof(setting));
	fprintf(f, "- ");
	render_md_text(f, cell_cond(t->cells[0])->page);
	if (*setting)
		fprintf(f, " (%s)", setting);
	if (t->n < 2) {
		render_rtt_ms(cell_cond(t->cells[0]), rtt, sizeof(rtt));
		fprintf(f, ": only RTT %s ms was measured; the trend with RTT is not checked.\n", rtt);
		return;
	}
	fprintf(f, ": the gain %s with RTT (", t->grows ? "grows" : "does NOT grow");
	for (size_t k = 0; k < t->n; k++) {
		render_rtt_ms(cell_cond(t->cells[k]), rtt, sizeof(rtt));
		fprintf(f, "%s%s ms %.1f%%", k ? ", " : "", rtt, 100 * t->cells[k]->imp.point);
	}
	fprintf(f, ")%s\n", t->grows ? ", as in the paper." : ", unlike the paper.");
}

static void md_render(FILE *f, const struct store_run *run, const struct cell_set *set,
		      const struct trend *tr, size_t ntr, const struct table_opts *o)
{
	int with_setting = needs_setting_column(set);
	char rtt[32], off[96], tfo[96], imp[96], vs[128], setting[256], stated[256];

	render_md_header(f, "Table 1: page load time with and without TCP Fast Open", run, set);
	fprintf(f, "| Page | RTT (ms) |");
	for (size_t k = 0; k < N_OWN_COLUMNS; k++)
		if (set->columns & own_columns[k].vary)
			fprintf(f, " %s |", own_columns[k].heading);
	fprintf(f, "%s PLT non-TFO (s) | PLT TFO (s) | Improvement | vs paper |\n",
		with_setting ? " Setting |" : "");
	fprintf(f, "|---|---:|");
	for (size_t k = 0; k < N_OWN_COLUMNS; k++)
		if (set->columns & own_columns[k].vary)
			fprintf(f, "---|");
	fprintf(f, "%s---:|---:|---:|---|\n", with_setting ? "---|" : "");
	for (size_t i = 0; i < set->n; i++) {
		const struct cell *c = &set->cells[i];
		render_rtt_ms(cell_cond(c), rtt, sizeof(rtt));
		render_plt(&c->off, off, sizeof(off));
		render_plt(&c->tfo, tfo, sizeof(tfo));
		render_improvement(c, imp, sizeof(imp));
		cell_verdict_format(c, vs, sizeof(vs));
		fprintf(f, "| ");
		render_md_text(f, cell_cond(c)->page);
		fprintf(f, " | %s |", rtt);
		for (size_t k = 0; k < N_OWN_COLUMNS; k++)
			if (set->columns & own_columns[k].vary)
				fprintf(f, " %s |", own_columns[k].title(cell_cond(c)));
		if (with_setting) {
			column_setting(set, c, setting, sizeof(setting));
			fprintf(f, " ");
			render_md_text(f, setting);
			fprintf(f, " |");
		}
		fprintf(f, " %s | %s | %s | %s |\n", off, tfo, imp, vs);
	}

	fprintf(f, "\nNotes:\n");
	fprintf(f, "- PLT: mean ± sample sd over the valid trials (n), with the connections "
		"that fell back from TFO (SYN data not acked) when there were some; %zu valid "
		"trials used, %zu invalid trials excluded", set->valid_trials, set->invalid_trials);
	if (set->stalled_trials)
		fprintf(f, " (%zu of them caught a host stall: the link delivered a packet "
			"later than the experiment's stall_limit, and was repeated, up to `trials` "
			"times per condition)",
			set->stalled_trials);
	fprintf(f, ".\n");
	render_md_method(f, set, o);
	paper_cells_summary(stated, sizeof(stated));
	fprintf(f, "- Paper (Radhakrishnan et al., CoNEXT 2011): TFO cut PLT by %s across "
		"Table 1's cells, by more than %g%% on average, and the gain grows with RTT. "
		"It states the gain of some cells (%s); there the %g%% CI is compared with the "
		"stated value (within: it meets it).\n",
		PAPER_RANGE_TEXT, 100 * PAPER_IMPROVEMENT_MEAN, stated, 100 * o->level);
	render_md_cc(f, set);

	size_t nbad = 0, ntested;
	for (size_t i = 0; i < set->n; i++)
		nbad += !cell_agrees(&set->cells[i]);
	if (nbad == 0) {
		fprintf(f, "- Every cell agrees with the paper.\n");
	} else {
		fprintf(f, "- %zu of %zu cells disagree with the paper or are not conclusive:",
			nbad, set->n);
		for (size_t i = 0, k = 0; i < set->n; i++) {
			const struct cell *c = &set->cells[i];
			if (cell_agrees(c))
				continue;
			render_rtt_ms(cell_cond(c), rtt, sizeof(rtt));
			cell_verdict_format(c, vs, sizeof(vs));
			fprintf(f, "%s ", k++ ? ";" : "");
			render_md_text(f, cell_cond(c)->page);
			fprintf(f, " %s ms", rtt);
			if (with_setting || set->columns) {
				row_setting(set, c, setting, sizeof(setting));
				if (*setting)
					fprintf(f, " (%s)", setting);
			}
			fprintf(f, ": %s", vs);
		}
		fprintf(f, ".\n");
	}
	for (size_t i = 0; i < ntr; i++)
		md_trend(f, set, &tr[i]);
	double mean = mean_improvement(set, &ntested);
	if (ntested > 0)
		fprintf(f, "- Mean improvement over %zu tested cells: %.1f%% (paper: more than "
			"%g%% on average)%s\n", ntested, 100 * mean, 100 * PAPER_IMPROVEMENT_MEAN,
			mean > PAPER_IMPROVEMENT_MEAN ? "." : "; below the paper's average.");
}

static void csv_num(FILE *f, const char *fmt, double v, int present)
{
	fputc(',', f);
	if (present && isfinite(v))
		fprintf(f, fmt, v);
}

static void csv_side(FILE *f, const struct cell_side *s)
{
	fprintf(f, ",%zu,%zu", s->n, s->invalid);
	csv_num(f, "%.6f", s->sum.mean, s->n > 0);
	csv_num(f, "%.6f", s->sum.sd, s->n > 1);
	csv_num(f, "%.6f", s->sum.median, s->n > 0);
	fputc(',', f);
	if (s->fallbacks >= 0)
		fprintf(f, "%lld", (long long)s->fallbacks);
	fputc(',', f);
	render_csv_text(f, s->cc_used ? s->cc_used : "");
}

static void csv_render(FILE *f, const struct cell_set *set)
{
	fprintf(f, "page,rtt_ms,down_bps,up_bps,queue_pkts,queue_bytes,loss,per_conn,"
		"conns_per_host,cc,tls,fetcher,tfo_mode,off_n,off_invalid,off_mean_s,off_sd_s,off_median_s,"
		"off_fallbacks,off_cc_used,tfo_n,tfo_invalid,tfo_mean_s,tfo_sd_s,tfo_median_s,"
		"tfo_fallbacks,tfo_cc_used,pairs,unpaired,diff_s,diff_ci_lo_s,diff_ci_hi_s,"
		"improvement_pct,improvement_ci_lo_pct,improvement_ci_hi_pct,t,dof,p,significance,"
		"ci_test_agree,vs_paper,ci_meets_paper_range,paper_low_pct,paper_high_pct,"
		"vs_paper_cell\n");
	for (size_t i = 0; i < set->n; i++) {
		const struct cell *c = &set->cells[i];
		const struct store_condition *k = cell_cond(c);
		char rtt[32];
		render_rtt_ms(k, rtt, sizeof(rtt));
		render_csv_text(f, k->page);
		fprintf(f, ",%s,%lld,%lld,%lld,%lld,%g,%d,%d,", rtt, (long long)k->down_bps,
			(long long)k->up_bps, (long long)k->queue_pkts, (long long)k->queue_bytes,
			k->loss, k->per_conn, k->conns_per_host);
		render_csv_text(f, k->cc ? k->cc : "");
		fprintf(f, ",%s,%s,%s", tls_mode_name(k->tls), fetcher_name(k->fetcher),
			c->tfo.cond ? tfo_mode_name(c->tfo.cond->tfo_mode) : "");
		csv_side(f, &c->off);
		csv_side(f, &c->tfo);
		fprintf(f, ",%zu,%zu", c->npairs, c->unpaired);
		csv_num(f, "%.6f", c->test.diff, c->tested);
		csv_num(f, "%.6f", c->test.ci_lo, c->tested);
		csv_num(f, "%.6f", c->test.ci_hi, c->tested);
		csv_num(f, "%.2f", 100 * c->imp.point, c->tested);
		csv_num(f, "%.2f", 100 * c->imp.lo, c->tested);
		csv_num(f, "%.2f", 100 * c->imp.hi, c->tested);
		csv_num(f, "%.4f", c->test.t, c->tested);
		csv_num(f, "%.0f", c->test.dof, c->tested);
		csv_num(f, "%.3g", c->test.p, c->tested);
		fprintf(f, ",%s,%s,%s,%s", cell_significance(c),
			c->tested ? (c->ci_test_agree ? "1" : "0") : "", cell_verdict_code(c->verdict),
			c->tested ? (c->ci_meets_range ? "1" : "0") : "");
		csv_num(f, "%g", c->paper ? 100 * c->paper->low : NAN, c->paper != NULL);
		csv_num(f, "%g", c->paper ? 100 * c->paper->high : NAN, c->paper != NULL);
		fprintf(f, ",%s\n", cell_paper_check_code(c->paper_check));
	}
}

static json_t *json_side(const struct cell_side *s)
{
	return json_pack("{s:I, s:I, s:o, s:o, s:o, s:o, s:o}",
			 "n", (json_int_t)s->n, "invalid", (json_int_t)s->invalid,
			 "mean_s", s->n ? render_json_num(s->sum.mean) : json_null(),
			 "sd_s", s->n > 1 ? render_json_num(s->sum.sd) : json_null(),
			 "median_s", s->n ? render_json_num(s->sum.median) : json_null(),
			 "fallbacks", s->fallbacks >= 0 ? json_integer(s->fallbacks) : json_null(),
			 "cc_used", s->cc_used ? json_string(s->cc_used) : json_null());
}

static json_t *json_paper_cell(const struct cell *c)
{
	if (!c->paper)
		return json_null();
	return json_pack("{s:o, s:o, s:o}",
			 "low_pct", render_json_num(100 * c->paper->low),
			 "high_pct", render_json_num(100 * c->paper->high),
			 "vs_paper_cell", c->paper_check == CELL_PAPER_NONE ? json_null() :
				json_string(cell_paper_check_code(c->paper_check)));
}

static json_t *json_cell(const struct cell *c)
{
	const struct store_condition *k = cell_cond(c);
	char setting[256];
	/* "tls" and "fetcher" are fields of their own */
	cell_setting_format(k, CELL_VARY_ALL & ~CELL_COLUMNS, setting, sizeof(setting));
	json_t *j = json_pack("{s:s, s:o, s:s, s:I, s:s, s:s, s:s, s:o, s:o, s:I, s:I, s:s, s:s,"
			      " s:o, s:o}",
			      "page", k->page,
			      "rtt_ms", json_real((double)k->rtt_ns / 1e6),
			      "setting", setting,
			      "per_conn", (json_int_t)k->per_conn,
			      "tls", tls_mode_name(k->tls),
			      "fetcher", fetcher_name(k->fetcher),
			      "tfo_mode", c->tfo.cond ? tfo_mode_name(c->tfo.cond->tfo_mode) : "",
			      "off", json_side(&c->off),
			      "tfo", json_side(&c->tfo),
			      "pairs", (json_int_t)c->npairs,
			      "unpaired", (json_int_t)c->unpaired,
			      "significance", cell_significance(c),
			      "vs_paper", cell_verdict_code(c->verdict),
			      "paper_cell", json_paper_cell(c),
			      "tested", json_boolean(c->tested));
	if (j && c->tested)
		json_object_update_new(j, json_pack(
			"{s:o, s:[o, o], s:o, s:[o, o], s:o, s:o, s:o, s:b, s:b}",
			"diff_s", render_json_num(c->test.diff),
			"diff_ci_s", render_json_num(c->test.ci_lo), render_json_num(c->test.ci_hi),
			"improvement_pct", render_json_num(100 * c->imp.point),
			"improvement_ci_pct", render_json_num(100 * c->imp.lo),
			render_json_num(100 * c->imp.hi),
			"t", render_json_num(c->test.t),
			"dof", render_json_num(c->test.dof),
			"p", render_json_num(c->test.p),
			"ci_test_agree", c->ci_test_agree,
			"ci_meets_paper_range", c->ci_meets_range));
	return j;
}

static int json_render(FILE *f, const struct store_run *run, const struct cell_set *set,
		       const struct trend *tr, size_t ntr, const struct table_opts *o)
{
	json_t *cells = json_array(), *trends = json_array();
	for (size_t i = 0; i < set->n; i++)
		json_array_append_new(cells, json_cell(&set->cells[i]));
	for (size_t i = 0; i < ntr; i++) {
		json_t *rtts = json_array(), *imps = json_array();
		for (size_t k = 0; k < tr[i].n; k++) {
			json_array_append_new(rtts, json_real((double)cell_cond(tr[i].cells[k])->rtt_ns / 1e6));
			json_array_append_new(imps, render_json_num(100 * tr[i].cells[k]->imp.point));
		}
		char setting[256];
		row_setting(set, tr[i].cells[0], setting, sizeof(setting));
		json_array_append_new(trends, json_pack(
			"{s:s, s:s, s:o, s:o, s:o}", "page", cell_cond(tr[i].cells[0])->page,
			"setting", setting, "rtt_ms", rtts, "improvement_pct", imps,
			"grows_with_rtt", tr[i].n < 2 ? json_null() : json_boolean(tr[i].grows)));
	}
	size_t ntested, nstated;
	double mean = mean_improvement(set, &ntested);
	const struct paper_cell *stated = paper_cells(&nstated);
	json_t *jstated = json_array();
	for (size_t i = 0; i < nstated; i++)
		json_array_append_new(jstated, json_pack(
			"{s:s, s:i, s:o, s:o}", "page", stated[i].page, "rtt_ms", stated[i].rtt_ms,
			"low_pct", render_json_num(100 * stated[i].low),
			"high_pct", render_json_num(100 * stated[i].high)));
	json_t *doc = json_pack(
		"{s:o, s:o, s:{s:f, s:f, s:f, s:s, s:o}, s:I, s:I, s:I, s:I, s:I, s:o, s:o, s:o, s:o}",
		"run", render_json_run(run),
		"method", render_json_method(o),
		"paper", "improvement_min_pct", 100 * PAPER_IMPROVEMENT_MIN,
		"improvement_max_pct", 100 * PAPER_IMPROVEMENT_MAX,
		"mean_improvement_more_than_pct", 100 * PAPER_IMPROVEMENT_MEAN,
		"trend", "the gain grows with RTT",
		"cells", jstated,
		"valid_trials", (json_int_t)set->valid_trials,
		"invalid_trials", (json_int_t)set->invalid_trials,
		"stalled_trials", (json_int_t)set->stalled_trials,
		"pairs", (json_int_t)set->pairs,
		"unpaired", (json_int_t)set->unpaired,
		"cc_read_back", set->cc_read ? json_string(set->cc_read) : json_null(),
		"mean_improvement_pct", render_json_num(100 * mean),
		"cells", cells, "trends", trends);
	return render_json_dump(f, doc);
}

int table_render(struct store *st, int64_t run_id, const struct table_opts *o, FILE *out)
{
	struct store_run run;
	struct cell_set set;
	struct trend *tr = NULL;
	size_t ntr = 0;
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = NULL;
	int rc = render_load(st, run_id, o, &run, &set);
	if (rc == 0)
		rc = trends_build(&set, &tr, &ntr);
	if (rc == 0 && !(mem = open_memstream(&buf, &len)))
		rc = -ENOMEM;
	if (rc < 0)
		goto end;
	/* Render into memory first: an error leaves `out` untouched. */
	if (o->format == TABLE_MD)
		md_render(mem, &run, &set, tr, ntr, o);
	else if (o->format == TABLE_CSV)
		csv_render(mem, &set);
	else
		rc = json_render(mem, &run, &set, tr, ntr, o);
	if (fclose(mem) != 0 && rc == 0)
		rc = -ENOMEM;
	if (rc == 0 && (fwrite(buf, 1, len, out) != len || fflush(out) != 0)) {
		log_err("table: writing the output failed");
		rc = -EIO;
	}
end:
	free(buf);
	trends_free(tr, ntr);
	render_release(&run, &set);
	return rc;
}
