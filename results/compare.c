/*
 * TFO's gain against one key of the experiment, a column per value, a row
 * per page, RTT and other setting.  The key is one of a table of pivots:
 *
 *   per_conn  the persistence comparison: how the gain changes with the
 *             requests a connection may carry (1, 2, ..., unlimited).  The
 *             fewer new connections a page needs, the fewer handshakes TFO
 *             can save, so the gain is expected to shrink as connections
 *             carry more requests; the notes say for each row whether it does.
 *   tls       the gain over plain HTTP beside the gain over each TLS mode.
 *             TFO saves the TCP handshake's round trip of each new
 *             connection either way (over TLS the ClientHello rides in the
 *             SYN), but a TLS load is longer by its own handshakes, so the
 *             same saving is a smaller share of it; the notes give each
 *             row's gains and the time saved.
 *   fetcher   the gain with our builtin fetcher beside the gain with a real
 *             Chromium, both loading the same bytes.  Whether the builtin
 *             fetcher stands for a browser shows in the PLTs themselves, so
 *             the table puts each fetcher's PLT without and with TFO beside
 *             its gain, and the difference of the two fetchers' PLTs, marked
 *             (†) where it exceeds COMPARE_FETCHER_MARK of the builtin's.
 */
#include "results/table.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "results/compare.h"
#include "results/render.h"

static int per_conn_value(const struct store_condition *c)
{
	return c->per_conn;
}

static void per_conn_text(int v, char *buf, size_t len)
{
	if (v == 0)
		snprintf(buf, len, "unlimited");
	else
		snprintf(buf, len, "%d", v);
}

static void per_conn_heading(int v, char *buf, size_t len)
{
	char t[32];
	per_conn_text(v, t, sizeof(t));
	snprintf(buf, len, "%s req/conn", t);
}

static int tls_value(const struct store_condition *c)
{
	return (int)c->tls;
}

static void tls_text(int v, char *buf, size_t len)
{
	snprintf(buf, len, "%s", tls_mode_name((enum tls_mode)v));
}

static void tls_heading(int v, char *buf, size_t len)
{
	snprintf(buf, len, "over %s", tls_mode_title((enum tls_mode)v));
}

static int fetcher_value(const struct store_condition *c)
{
	return (int)c->fetcher;
}

static void fetcher_text(int v, char *buf, size_t len)
{
	snprintf(buf, len, "%s", fetcher_name((enum fetcher)v));
}

static void fetcher_heading(int v, char *buf, size_t len)
{
	snprintf(buf, len, "with %s%s", v == FETCHER_BUILTIN ? "the " : "",
		 v == FETCHER_BUILTIN ? "builtin fetcher" : fetcher_title((enum fetcher)v));
}

static const struct pivot pivots[] = {
	[TABLE_PIVOT_PER_CONN] = { "per_conn", CELL_VARY_PER_CONN, per_conn_value, 1,
				   per_conn_heading, per_conn_text,
				   "TFO's gain against requests per connection", 1,
				   "requests-per-connection setting", "per_conn = 1, 2, unlimited",
				   "the gain shrinks as connections carry more requests", 0 },
	[TABLE_PIVOT_TLS] = { "tls", CELL_VARY_TLS, tls_value, 0, tls_heading, tls_text,
			      "TFO's gain over HTTP and over HTTPS", 0, "TLS mode",
			      "tls = off, 1.3",
			      "TFO saves one round trip per new connection over HTTP and HTTPS alike,"
			      " a smaller share of a longer TLS load", 0 },
	[TABLE_PIVOT_FETCHER] = { "fetcher", CELL_VARY_FETCHER, fetcher_value, 0,
				  fetcher_heading, fetcher_text,
				  "TFO's gain with the builtin fetcher and with Chromium", 0,
				  "fetcher", "fetcher = builtin, chromium",
				  "the builtin fetcher loads a page as a browser does: the same PLTs"
				  " and the same gain from TFO", 1 },
};

int table_pivot_parse(const char *s, enum table_pivot *out)
{
	for (size_t i = 0; s && i < sizeof(pivots) / sizeof(pivots[0]); i++)
		if (pivots[i].key && !strcmp(s, pivots[i].key)) {
			*out = (enum table_pivot)i;
			return 0;
		}
	return -EINVAL;
}

/* Orders values ascending, with 0 as the largest when it means unlimited. */
static int pivot_rank(const struct pivot *pv, int v)
{
	return pv->rank_unlimited && v == 0 ? 0x7fffffff : v;
}

/* Sorts the (few) column values by rank: an insertion sort, since qsort
 * cannot pass the pivot. */
static void cols_sort(const struct pivot *pv, int *cols, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		int v = cols[i];
		size_t j = i;
		for (; j > 0 && pivot_rank(pv, cols[j - 1]) > pivot_rank(pv, v); j--)
			cols[j] = cols[j - 1];
		cols[j] = v;
	}
}

static int same_series(const struct pivot *pv, const struct cell *a, const struct cell *b)
{
	const struct store_condition *x = cell_cond(a), *y = cell_cond(b);
	enum tfo_mode ma = a->tfo.cond ? a->tfo.cond->tfo_mode : TFO_OFF;
	enum tfo_mode mb = b->tfo.cond ? b->tfo.cond->tfo_mode : TFO_OFF;
	return !strcmp(x->page, y->page) && x->rtt_ns == y->rtt_ns && ma == mb &&
	       (cell_cond_diff(x, y) & ~pv->vary) == 0;
}

/* TABLE_PIVOT_AUTO: the first key of the table the run varies, else per_conn. */
static const struct pivot *pivot_pick(enum table_pivot p, const struct cell_set *set)
{
	for (size_t i = 0; p == TABLE_PIVOT_AUTO && i < sizeof(pivots) / sizeof(pivots[0]); i++)
		if (pivots[i].key && (set->varying & pivots[i].vary))
			p = (enum table_pivot)i;
	if (p == TABLE_PIVOT_AUTO)
		p = TABLE_PIVOT_PER_CONN;
	return &pivots[p];
}

size_t compare_col_of(const struct compare *cmp, int v)
{
	size_t i = 0;
	while (i < cmp->ncols && cmp->cols[i] != v)
		i++;
	return i;
}

static void compare_free(struct compare *cmp)
{
	for (size_t i = 0; i < cmp->ns; i++)
		free(cmp->s[i].by_col);
	free(cmp->s);
	free(cmp->cols);
}

static int compare_build(const struct cell_set *set, enum table_pivot p, struct compare *cmp)
{
	memset(cmp, 0, sizeof(*cmp));
	const struct pivot *pv = cmp->pv = pivot_pick(p, set);
	size_t cap = set->n ? set->n : 1;
	cmp->cols = calloc(cap, sizeof(*cmp->cols));
	cmp->s = calloc(cap, sizeof(*cmp->s));
	if (!cmp->cols || !cmp->s)
		return -ENOMEM;
	for (size_t i = 0; i < set->n; i++) {
		int v = pv->value(cell_cond(&set->cells[i]));
		if (compare_col_of(cmp, v) == cmp->ncols)
			cmp->cols[cmp->ncols++] = v;
	}
	cols_sort(pv, cmp->cols, cmp->ncols);
	for (size_t i = 0; i < set->n; i++) {
		const struct cell *c = &set->cells[i];
		size_t k = 0;
		while (k < cmp->ns && !same_series(pv, cmp->s[k].first, c))
			k++;
		if (k == cmp->ns) {
			cmp->s[k].first = c;
			cmp->s[k].by_col = calloc(cmp->ncols, sizeof(*cmp->s[k].by_col));
			if (!cmp->s[k].by_col)
				return -ENOMEM;
			cmp->ns++;
		}
		size_t col = compare_col_of(cmp, pv->value(cell_cond(c)));
		if (!cmp->s[k].by_col[col])
			cmp->s[k].by_col[col] = c;
	}
	for (size_t k = 0; k < cmp->ns; k++) {
		const struct cell *prev = NULL;
		int tested = 0;
		cmp->s[k].shrinks = 1;
		for (size_t col = 0; col < cmp->ncols; col++) {
			const struct cell *c = cmp->s[k].by_col[col];
			if (!c || !c->tested)
				continue;
			if (prev && !(c->imp.point < prev->imp.point))
				cmp->s[k].shrinks = 0;
			prev = c;
			tested++;
		}
		if (tested < 2)
			cmp->s[k].shrinks = -1;
	}
	return 0;
}

void compare_series_setting(const struct cell_set *set, const struct compare *cmp,
			    const struct series *s, char *buf, size_t len)
{
	cell_row_setting(set, s->first, ~cmp->pv->vary, buf, len);
}

/* A table row's start: "| amazon | 100 |", and "| setting |" with @with_setting. */
void compare_md_row_start(FILE *f, const struct cell_set *set, const struct compare *cmp,
			  const struct series *s, int with_setting)
{
	char rtt[32], setting[256];
	render_rtt_ms(cell_cond(s->first), rtt, sizeof(rtt));
	fprintf(f, "| ");
	render_md_text(f, cell_cond(s->first)->page);
	fprintf(f, " | %s |", rtt);
	if (with_setting) {
		compare_series_setting(set, cmp, s, setting, sizeof(setting));
		fprintf(f, " ");
		render_md_text(f, setting);
		fprintf(f, " |");
	}
}

/* A note's start: "- amazon 100 ms (setting)". */
void compare_md_row_name(FILE *f, const struct cell_set *set, const struct compare *cmp,
			 const struct series *s)
{
	char rtt[32], setting[256];
	render_rtt_ms(cell_cond(s->first), rtt, sizeof(rtt));
	fprintf(f, "- ");
	render_md_text(f, cell_cond(s->first)->page);
	fprintf(f, " %s ms", rtt);
	compare_series_setting(set, cmp, s, setting, sizeof(setting));
	if (*setting)
		fprintf(f, " (%s)", setting);
}

/* The notes of a per_conn comparison: does each row's gain shrink? */
static void md_shrink_notes(FILE *f, const struct cell_set *set, const struct compare *cmp)
{
	char txt[128];
	fprintf(f, "- Expected: the gain shrinks as connections carry more requests, since fewer "
		"new connections leave fewer handshakes for TFO to save.\n");
	if (cmp->ncols < 2)
		fprintf(f, "- This run measured a single requests-per-connection setting; there is "
			"nothing to compare (sweep per_conn = 1, 2, unlimited).\n");
	for (size_t k = 0; k < cmp->ns && cmp->ncols >= 2; k++) {
		const struct series *s = &cmp->s[k];
		compare_md_row_name(f, set, cmp, s);
		if (s->shrinks < 0) {
			fprintf(f, ": fewer than two tested settings; not checked.\n");
			continue;
		}
		fprintf(f, ": the gain %s as connections carry more requests (",
			s->shrinks ? "shrinks" : "does NOT shrink");
		for (size_t col = 0, n = 0; col < cmp->ncols; col++) {
			const struct cell *c = s->by_col[col];
			if (!c || !c->tested)
				continue;
			per_conn_text(cmp->cols[col], txt, sizeof(txt));
			fprintf(f, "%s%s: %.1f%%", n++ ? ", " : "", txt, 100 * c->imp.point);
		}
		fprintf(f, ")%s\n", s->shrinks ? ", as expected." : ", unlike the expectation.");
	}
}

/* The notes of a tls or fetcher comparison: each row's gain and time saved
 * per column. */
static void md_gain_notes(FILE *f, const struct cell_set *set, const struct compare *cmp)
{
	char heading[64];
	if (cmp->pv->vary == CELL_VARY_TLS)
		fprintf(f, "- Expected: TFO saves the TCP handshake's round trip on each new "
			"connection over HTTP and over HTTPS alike (over TLS the ClientHello rides in "
			"the SYN), but a TLS load is longer by its own handshakes, so the same saving "
			"is a smaller share of it.  Saved: mean non-TFO − mean TFO PLT over the "
			"pairs.\n");
	else
		fprintf(f, "- Expected: %s.  Saved: mean non-TFO − mean TFO PLT over the pairs.\n",
			cmp->pv->expect);
	if (cmp->ncols < 2)
		fprintf(f, "- This run measured a single %s; there is nothing to compare "
			"(use %s).\n", cmp->pv->one, cmp->pv->sweep);
	for (size_t k = 0; k < cmp->ns && cmp->ncols >= 2; k++) {
		const struct series *s = &cmp->s[k];
		compare_md_row_name(f, set, cmp, s);
		fprintf(f, ":");
		for (size_t col = 0, n = 0; col < cmp->ncols; col++) {
			const struct cell *c = s->by_col[col];
			if (!c || !c->tested)
				continue;
			cmp->pv->heading(cmp->cols[col], heading, sizeof(heading));
			fprintf(f, "%s TFO saves %.1f%% (%.0f ms) %s", n++ ? "," : "",
				100 * c->imp.point, 1000 * c->test.diff, heading);
		}
		fprintf(f, ".\n");
	}
}

static void md_render(FILE *f, const struct store_run *run, const struct cell_set *set,
		      const struct compare *cmp, const struct table_opts *o)
{
	char txt[128], setting[256];
	int with_setting = 0;
	for (size_t k = 0; k < cmp->ns; k++) {
		compare_series_setting(set, cmp, &cmp->s[k], setting, sizeof(setting));
		with_setting |= *setting != '\0';
	}
	render_md_header(f, cmp->pv->title, run, set);
	if (cmp->pv->versus && cmp->ncols >= 2) {
		compare_md_versus_table(f, set, cmp, with_setting);
		goto notes;
	}
	fprintf(f, "| Page | RTT (ms) |%s", with_setting ? " Setting |" : "");
	for (size_t col = 0; col < cmp->ncols; col++) {
		cmp->pv->heading(cmp->cols[col], txt, sizeof(txt));
		fprintf(f, " %s |", txt);
	}
	fprintf(f, "\n|---|---:|%s", with_setting ? "---|" : "");
	for (size_t col = 0; col < cmp->ncols; col++)
		fprintf(f, "---:|");
	fprintf(f, "\n");
	for (size_t k = 0; k < cmp->ns; k++) {
		const struct series *s = &cmp->s[k];
		compare_md_row_start(f, set, cmp, s, with_setting);
		for (size_t col = 0; col < cmp->ncols; col++) {
			if (s->by_col[col])
				render_improvement(s->by_col[col], txt, sizeof(txt));
			else
				snprintf(txt, sizeof(txt), "not measured");
			fprintf(f, " %s |", txt);
		}
		fprintf(f, "\n");
	}

notes:
	fprintf(f, "\nNotes:\n");
	render_md_method(f, set, o);
	fprintf(f, "- %zu valid trials used, %zu invalid excluded.\n", set->valid_trials,
		set->invalid_trials);
	if (cmp->pv->shrink_check)
		md_shrink_notes(f, set, cmp);
	else
		md_gain_notes(f, set, cmp);
	if (cmp->pv->versus && cmp->ncols >= 2)
		compare_md_versus_notes(f, set, cmp);
}

void compare_csv_num(FILE *f, const char *fmt, double v, int present)
{
	fputc(',', f);
	if (present && isfinite(v))
		fprintf(f, fmt, v);
}

static void csv_render(FILE *f, const struct cell_set *set, const struct compare *cmp)
{
	char rtt[32], setting[256];
	char value[32];
	fprintf(f, "page,rtt_ms,setting,tfo_mode,%s,off_n,off_invalid,off_mean_s,"
		"tfo_n,tfo_invalid,tfo_mean_s,pairs,improvement_pct,improvement_ci_lo_pct,"
		"improvement_ci_hi_pct,p,significance%s\n", cmp->pv->key,
		cmp->pv->versus ? ",off_diff_s,off_diff_pct,tfo_diff_s,tfo_diff_pct,marked" : "");
	for (size_t k = 0; k < cmp->ns; k++) {
		const struct series *s = &cmp->s[k];
		compare_series_setting(set, cmp, s, setting, sizeof(setting));
		for (size_t col = 0; col < cmp->ncols; col++) {
			const struct cell *c = s->by_col[col];
			if (!c)
				continue;
			render_rtt_ms(cell_cond(c), rtt, sizeof(rtt));
			render_csv_text(f, cell_cond(c)->page);
			fprintf(f, ",%s,", rtt);
			render_csv_text(f, setting);
			/* per_conn as a number (0 = unlimited), as before; tls by name */
			if (cmp->pv->shrink_check)
				snprintf(value, sizeof(value), "%d", cmp->cols[col]);
			else
				cmp->pv->text(cmp->cols[col], value, sizeof(value));
			fprintf(f, ",%s,%s,%zu,%zu",
				c->tfo.cond ? tfo_mode_name(c->tfo.cond->tfo_mode) : "",
				value, c->off.n, c->off.invalid);
			compare_csv_num(f, "%.6f", c->off.sum.mean, c->off.n > 0);
			fprintf(f, ",%zu,%zu", c->tfo.n, c->tfo.invalid);
			compare_csv_num(f, "%.6f", c->tfo.sum.mean, c->tfo.n > 0);
			fprintf(f, ",%zu", c->npairs);
			compare_csv_num(f, "%.2f", 100 * c->imp.point, c->tested);
			compare_csv_num(f, "%.2f", 100 * c->imp.lo, c->tested);
			compare_csv_num(f, "%.2f", 100 * c->imp.hi, c->tested);
			compare_csv_num(f, "%.3g", c->test.p, c->tested);
			fprintf(f, ",%s", cell_significance(c));
			if (cmp->pv->versus)
				compare_csv_versus(f, cmp, s, col);
			fputc('\n', f);
		}
	}
}

/* The key's value of a point: per_conn as a number (0 = unlimited), tls by name. */
static json_t *json_value(const struct pivot *pv, int v)
{
	char t[32];
	if (pv->shrink_check)
		return json_integer(v);
	pv->text(v, t, sizeof(t));
	return json_string(t);
}

static json_t *json_point(const struct pivot *pv, int v, const struct cell *c)
{
	json_t *j = json_pack("{s:o, s:I, s:I, s:I, s:I, s:I, s:b, s:s}",
			      pv->key, json_value(pv, v),
			      "off_n", (json_int_t)c->off.n, "off_invalid", (json_int_t)c->off.invalid,
			      "tfo_n", (json_int_t)c->tfo.n, "tfo_invalid", (json_int_t)c->tfo.invalid,
			      "pairs", (json_int_t)c->npairs,
			      "tested", c->tested, "significance", cell_significance(c));
	if (j && c->tested)
		json_object_update_new(j, json_pack(
			"{s:o, s:o, s:o, s:[o, o], s:o}",
			"off_mean_s", render_json_num(c->off.sum.mean),
			"tfo_mean_s", render_json_num(c->tfo.sum.mean),
			"improvement_pct", render_json_num(100 * c->imp.point),
			"improvement_ci_pct", render_json_num(100 * c->imp.lo),
			render_json_num(100 * c->imp.hi),
			"p", render_json_num(c->test.p)));
	if (j && c->tested && !pv->shrink_check)
		json_object_set_new(j, "saved_s", render_json_num(c->test.diff));
	return j;
}

static int json_render(FILE *f, const struct store_run *run, const struct cell_set *set,
		       const struct compare *cmp, const struct table_opts *o)
{
	json_t *groups = json_array();
	for (size_t k = 0; k < cmp->ns; k++) {
		const struct series *s = &cmp->s[k];
		char setting[256];
		json_t *points = json_array();
		for (size_t col = 0; col < cmp->ncols; col++)
			if (s->by_col[col])
				json_array_append_new(points, json_point(cmp->pv, cmp->cols[col],
									 s->by_col[col]));
		compare_series_setting(set, cmp, s, setting, sizeof(setting));
		json_t *g = json_pack(
			"{s:s, s:o, s:s, s:s, s:o}",
			"page", cell_cond(s->first)->page,
			"rtt_ms", json_real((double)cell_cond(s->first)->rtt_ns / 1e6),
			"setting", setting,
			"tfo_mode", s->first->tfo.cond ?
				tfo_mode_name(s->first->tfo.cond->tfo_mode) : "",
			"points", points);
		if (g && cmp->pv->shrink_check)
			json_object_set_new(g, "gain_shrinks_with_persistence",
					    s->shrinks < 0 ? json_null() : json_boolean(s->shrinks));
		/* The key every point of the group shares but the pivot's, e.g. its
		 * TLS mode when comparing by per_conn. */
		if (g && !(cmp->pv->vary & CELL_VARY_TLS))
			json_object_set_new(g, "tls", json_string(tls_mode_name(cell_cond(s->first)->tls)));
		if (g && !(cmp->pv->vary & CELL_VARY_FETCHER))
			json_object_set_new(g, "fetcher",
					    json_string(fetcher_name(cell_cond(s->first)->fetcher)));
		if (g && cmp->pv->versus)
			compare_json_versus(g, cmp, s);
		json_array_append_new(groups, g);
	}
	json_t *doc = json_pack("{s:o, s:o, s:s, s:s, s:I, s:I, s:o}",
				"run", render_json_run(run),
				"method", render_json_method(o),
				"by", cmp->pv->key,
				"expectation", cmp->pv->expect,
				"valid_trials", (json_int_t)set->valid_trials,
				"invalid_trials", (json_int_t)set->invalid_trials,
				"groups", groups);
	return render_json_dump(f, doc);
}

int table_render_compare(struct store *st, int64_t run_id, const struct table_opts *o, FILE *out)
{
	struct store_run run;
	struct cell_set set;
	struct compare cmp = { 0 };
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = NULL;
	int rc = render_load(st, run_id, o, &run, &set);
	if (rc == 0)
		rc = compare_build(&set, o->pivot, &cmp);
	if (rc == 0 && !(mem = open_memstream(&buf, &len)))
		rc = -ENOMEM;
	if (rc < 0)
		goto end;
	if (cmp.ncols < 2)
		log_warn("run %lld measured a single %s; nothing to compare", (long long)run_id,
			 cmp.pv->one);
	if (o->format == TABLE_MD)
		md_render(mem, &run, &set, &cmp, o);
	else if (o->format == TABLE_CSV)
		csv_render(mem, &set, &cmp);
	else
		rc = json_render(mem, &run, &set, &cmp, o);
	if (fclose(mem) != 0 && rc == 0)
		rc = -ENOMEM;
	if (rc == 0 && (fwrite(buf, 1, len, out) != len || fflush(out) != 0)) {
		log_err("compare: writing the output failed");
		rc = -EIO;
	}
end:
	free(buf);
	compare_free(&cmp);
	render_release(&run, &set);
	return rc;
}
