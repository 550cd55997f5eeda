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
#include "results/render.h"

/* One key to compare by: how a condition's value is read, ordered and named. */
struct pivot {
	const char *key;         /* as the experiment key, the csv column and json field */
	unsigned vary;           /* its enum cell_vary bit */
	int (*value)(const struct store_condition *c);
	int rank_unlimited;      /* 0 ranks last (per_conn's "unlimited") */
	void (*heading)(int v, char *buf, size_t len);  /* a column's heading */
	void (*text)(int v, char *buf, size_t len);     /* a value in notes and csv */
	const char *title;
	int shrink_check;        /* the notes check that the gain shrinks along the columns */
	const char *one;         /* "a single ONE" when the run has one value */
	const char *sweep;       /* how to sweep it, for that note */
	const char *expect;      /* the expectation, in the notes and json */
	int versus;              /* the columns are fetchers: PLTs side by side
	                            with their difference (md_fetcher_table) */
};

/* Where the two fetchers' mean PLTs differ by more than this share of the
 * builtin fetcher's, the builtin fetcher does not stand for the browser:
 * the difference gets COMPARE_FETCHER_SIGN (not '*', which marks p-values). */
#define COMPARE_FETCHER_MARK 0.05
#define COMPARE_FETCHER_SIGN "†"

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

/* One page, RTT, setting (but the pivot's key) and TFO mode. */
struct series {
	const struct cell *first;
	const struct cell **by_col;  /* [ncols], NULL where not measured */
	int shrinks;                 /* -1: fewer than two tested points */
};

struct compare {
	const struct pivot *pv;
	int *cols;                   /* the key's values, in rank order */
	size_t ncols;
	struct series *s;
	size_t ns;
};

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

static size_t col_of(const struct compare *cmp, int per_conn)
{
	size_t i = 0;
	while (i < cmp->ncols && cmp->cols[i] != per_conn)
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
		if (col_of(cmp, v) == cmp->ncols)
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
		size_t col = col_of(cmp, pv->value(cell_cond(c)));
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

static void series_setting(const struct cell_set *set, const struct compare *cmp,
			   const struct series *s, char *buf, size_t len)
{
	cell_row_setting(set, s->first, ~cmp->pv->vary, buf, len);
}

/* A note's start: "- amazon 100 ms (setting)". */
static void md_row_name(FILE *f, const struct cell_set *set, const struct compare *cmp,
			const struct series *s)
{
	char rtt[32], setting[256];
	render_rtt_ms(cell_cond(s->first), rtt, sizeof(rtt));
	fprintf(f, "- ");
	render_md_text(f, cell_cond(s->first)->page);
	fprintf(f, " %s ms", rtt);
	series_setting(set, cmp, s, setting, sizeof(setting));
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
		md_row_name(f, set, cmp, s);
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
		md_row_name(f, set, cmp, s);
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

/*
 * The PLTs of a fetcher's cell against the builtin fetcher's of the same
 * page, RTT and setting: the difference of the means (this one's − the
 * builtin's), as a share of the builtin's, and whether it exceeds
 * COMPARE_FETCHER_MARK.  A side without valid trials is not compared.
 */
struct versus_side {
	int known;
	double diff_s, share;
	int marked;
};

static struct versus_side versus_side(const struct cell_side *ref, const struct cell_side *x)
{
	struct versus_side v = { 0 };
	if (!ref || !x || ref->n == 0 || x->n == 0 || !(ref->sum.mean > 0))
		return v;
	v.known = 1;
	v.diff_s = x->sum.mean - ref->sum.mean;
	v.share = v.diff_s / ref->sum.mean;
	v.marked = fabs(v.share) > COMPARE_FETCHER_MARK;
	return v;
}

/* The builtin fetcher's cell of a series; NULL when not measured. */
static const struct cell *versus_ref(const struct compare *cmp, const struct series *s)
{
	size_t col = col_of(cmp, FETCHER_BUILTIN);
	return col < cmp->ncols ? s->by_col[col] : NULL;
}

static void versus_text(const struct versus_side *v, char *buf, size_t len)
{
	if (!v->known)
		snprintf(buf, len, "n/a");
	else
		snprintf(buf, len, "%+.3f s (%+.1f%%)%s", v->diff_s, 100 * v->share,
			 v->marked ? " " COMPARE_FETCHER_SIGN : "");
}

static void md_mean(FILE *f, const struct cell_side *s)
{
	if (s->n)
		fprintf(f, " %.3f |", s->sum.mean);
	else
		fprintf(f, " n/a |");
}

/*
 * The table of a fetcher comparison: per page and RTT, each fetcher's mean
 * PLT without and with TFO and its gain, then each other fetcher's PLTs
 * against the builtin fetcher's.
 */
static void md_fetcher_table(FILE *f, const struct cell_set *set, const struct compare *cmp,
			     int with_setting)
{
	char rtt[32], txt[128], setting[256];
	size_t ref = col_of(cmp, FETCHER_BUILTIN);
	fprintf(f, "| Page | RTT (ms) |%s", with_setting ? " Setting |" : "");
	for (size_t col = 0; col < cmp->ncols; col++) {
		const char *t = fetcher_title((enum fetcher)cmp->cols[col]);
		fprintf(f, " %s non-TFO (s) | %s TFO (s) | %s gain |", t, t, t);
	}
	for (size_t col = 0; col < cmp->ncols; col++)
		if (col != ref)
			fprintf(f, " %s − builtin, non-TFO | %s − builtin, TFO |",
				fetcher_title((enum fetcher)cmp->cols[col]),
				fetcher_title((enum fetcher)cmp->cols[col]));
	fprintf(f, "\n|---|---:|%s", with_setting ? "---|" : "");
	for (size_t col = 0; col < cmp->ncols; col++)
		fprintf(f, "---:|---:|---:|%s", col != ref ? "---:|---:|" : "");
	fprintf(f, "\n");
	for (size_t k = 0; k < cmp->ns; k++) {
		const struct series *s = &cmp->s[k];
		const struct cell *b = versus_ref(cmp, s);
		render_rtt_ms(cell_cond(s->first), rtt, sizeof(rtt));
		fprintf(f, "| ");
		render_md_text(f, cell_cond(s->first)->page);
		fprintf(f, " | %s |", rtt);
		if (with_setting) {
			series_setting(set, cmp, s, setting, sizeof(setting));
			fprintf(f, " ");
			render_md_text(f, setting);
			fprintf(f, " |");
		}
		for (size_t col = 0; col < cmp->ncols; col++) {
			const struct cell *c = s->by_col[col];
			if (!c) {
				fprintf(f, " not measured | not measured | not measured |");
				continue;
			}
			md_mean(f, &c->off);
			md_mean(f, &c->tfo);
			render_improvement(c, txt, sizeof(txt));
			fprintf(f, " %s |", txt);
		}
		for (size_t col = 0; col < cmp->ncols; col++) {
			const struct cell *c = s->by_col[col];
			if (col == ref)
				continue;
			struct versus_side off = versus_side(b ? &b->off : NULL, c ? &c->off : NULL);
			struct versus_side on = versus_side(b ? &b->tfo : NULL, c ? &c->tfo : NULL);
			versus_text(&off, txt, sizeof(txt));
			fprintf(f, " %s |", txt);
			versus_text(&on, txt, sizeof(txt));
			fprintf(f, " %s |", txt);
		}
		fprintf(f, "\n");
	}
}

/* The notes of a fetcher comparison: the rows whose PLTs differ. */
static void md_versus_notes(FILE *f, const struct cell_set *set, const struct compare *cmp)
{
	size_t ref = col_of(cmp, FETCHER_BUILTIN), marked = 0, compared = 0;
	fprintf(f, "- PLTs are means over the valid trials; a difference is the other "
		"fetcher's mean − the builtin fetcher's, and its share of the builtin's; "
		COMPARE_FETCHER_SIGN " marks one beyond %g%%.\n", 100 * COMPARE_FETCHER_MARK);
	for (size_t k = 0; k < cmp->ns; k++) {
		const struct series *s = &cmp->s[k];
		const struct cell *b = versus_ref(cmp, s);
		for (size_t col = 0; col < cmp->ncols; col++) {
			const struct cell *c = s->by_col[col];
			if (col == ref || !b || !c)
				continue;
			struct versus_side off = versus_side(&b->off, &c->off);
			struct versus_side on = versus_side(&b->tfo, &c->tfo);
			if (!off.known && !on.known)
				continue;
			compared++;
			if (!off.marked && !on.marked)
				continue;
			marked++;
			md_row_name(f, set, cmp, s);
			fprintf(f, ": %s's PLT differs from the builtin fetcher's by", 
				fetcher_title((enum fetcher)cmp->cols[col]));
			if (off.marked)
				fprintf(f, " %+.1f%% without TFO", 100 * off.share);
			if (on.marked)
				fprintf(f, "%s %+.1f%% with TFO", off.marked ? " and" : "", 100 * on.share);
			fprintf(f, ".\n");
		}
	}
	if (compared == 0)
		fprintf(f, "- No page and RTT has PLTs of both fetchers to compare.\n");
	else
		fprintf(f, "- %zu of %zu compared rows differ by more than %g%% (" COMPARE_FETCHER_SIGN
			")%s\n", marked,
			compared, 100 * COMPARE_FETCHER_MARK,
			marked ? "." : ": the builtin fetcher's PLTs stand for the browser's.");
}

static json_t *json_versus_side(const struct versus_side *v)
{
	if (!v->known)
		return json_null();
	return json_pack("{s:o, s:o, s:b}", "diff_s", render_json_num(v->diff_s),
			 "diff_pct", render_json_num(100 * v->share), "marked", v->marked);
}

/* A fetcher comparison's group: each other fetcher's PLTs against the
 * builtin fetcher's, as "vs_builtin": { FETCHER: { off, tfo } }. */
static void json_versus(json_t *g, const struct compare *cmp, const struct series *s)
{
	const struct cell *b = versus_ref(cmp, s);
	json_t *vs = json_object();
	for (size_t col = 0; col < cmp->ncols; col++) {
		const struct cell *c = s->by_col[col];
		if (cmp->cols[col] == FETCHER_BUILTIN || !c)
			continue;
		struct versus_side off = versus_side(b ? &b->off : NULL, &c->off);
		struct versus_side on = versus_side(b ? &b->tfo : NULL, &c->tfo);
		json_object_set_new(vs, fetcher_name((enum fetcher)cmp->cols[col]),
				    json_pack("{s:o, s:o}", "off", json_versus_side(&off),
					      "tfo", json_versus_side(&on)));
	}
	json_object_set_new(g, "vs_builtin", vs);
}

static void md_render(FILE *f, const struct store_run *run, const struct cell_set *set,
		      const struct compare *cmp, const struct table_opts *o)
{
	char rtt[32], txt[128], setting[256];
	int with_setting = 0;
	for (size_t k = 0; k < cmp->ns; k++) {
		series_setting(set, cmp, &cmp->s[k], setting, sizeof(setting));
		with_setting |= *setting != '\0';
	}
	render_md_header(f, cmp->pv->title, run, set);
	if (cmp->pv->versus && cmp->ncols >= 2) {
		md_fetcher_table(f, set, cmp, with_setting);
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
		render_rtt_ms(cell_cond(s->first), rtt, sizeof(rtt));
		fprintf(f, "| ");
		render_md_text(f, cell_cond(s->first)->page);
		fprintf(f, " | %s |", rtt);
		if (with_setting) {
			series_setting(set, cmp, s, setting, sizeof(setting));
			fprintf(f, " ");
			render_md_text(f, setting);
			fprintf(f, " |");
		}
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
		md_versus_notes(f, set, cmp);
}

static void csv_num(FILE *f, const char *fmt, double v, int present)
{
	fputc(',', f);
	if (present && isfinite(v))
		fprintf(f, fmt, v);
}

/* A fetcher's PLTs against the builtin fetcher's: empty for the builtin
 * fetcher's own row, or where a side has no valid trials. */
static void csv_versus(FILE *f, const struct compare *cmp, const struct series *s, size_t col)
{
	const struct cell *b = versus_ref(cmp, s), *c = s->by_col[col];
	int other = cmp->cols[col] != FETCHER_BUILTIN && b;
	struct versus_side off = versus_side(other ? &b->off : NULL, &c->off);
	struct versus_side on = versus_side(other ? &b->tfo : NULL, &c->tfo);
	csv_num(f, "%.6f", off.diff_s, off.known);
	csv_num(f, "%.2f", 100 * off.share, off.known);
	csv_num(f, "%.6f", on.diff_s, on.known);
	csv_num(f, "%.2f", 100 * on.share, on.known);
	fprintf(f, ",%s", off.known || on.known ? (off.marked || on.marked ? "1" : "0") : "");
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
		series_setting(set, cmp, s, setting, sizeof(setting));
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
			csv_num(f, "%.6f", c->off.sum.mean, c->off.n > 0);
			fprintf(f, ",%zu,%zu", c->tfo.n, c->tfo.invalid);
			csv_num(f, "%.6f", c->tfo.sum.mean, c->tfo.n > 0);
			fprintf(f, ",%zu", c->npairs);
			csv_num(f, "%.2f", 100 * c->imp.point, c->tested);
			csv_num(f, "%.2f", 100 * c->imp.lo, c->tested);
			csv_num(f, "%.2f", 100 * c->imp.hi, c->tested);
			csv_num(f, "%.3g", c->test.p, c->tested);
			fprintf(f, ",%s", cell_significance(c));
			if (cmp->pv->versus)
				csv_versus(f, cmp, s, col);
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
		series_setting(set, cmp, s, setting, sizeof(setting));
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
			json_versus(g, cmp, s);
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
