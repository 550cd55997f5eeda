/*
 * The fetcher comparison (tfolab compare --by fetcher): whether the builtin
 * fetcher stands for a browser shows in the PLTs themselves, so beside each
 * fetcher's gain come its PLTs without and with TFO, and each other
 * fetcher's mean PLT against the builtin fetcher's: the difference, its
 * share of the builtin's, and a mark where that share exceeds
 * COMPARE_FETCHER_MARK.  The two fetchers' cells of a page and RTT are
 * different pairs, run apart, so their means are compared, not pairs.
 */
#include <math.h>
#include <stdio.h>

#include "results/compare.h"
#include "results/render.h"

/* Where the two fetchers' mean PLTs differ by more than this share of the
 * builtin fetcher's, the builtin fetcher does not stand for the browser:
 * the difference gets COMPARE_FETCHER_SIGN (not '*', which marks p-values). */
#define COMPARE_FETCHER_MARK 0.05
#define COMPARE_FETCHER_SIGN "†"

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
	size_t col = compare_col_of(cmp, FETCHER_BUILTIN);
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
void compare_md_versus_table(FILE *f, const struct cell_set *set, const struct compare *cmp,
			     int with_setting)
{
	char txt[128];
	size_t ref = compare_col_of(cmp, FETCHER_BUILTIN);
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
		compare_md_row_start(f, set, cmp, s, with_setting);
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
void compare_md_versus_notes(FILE *f, const struct cell_set *set, const struct compare *cmp)
{
	size_t ref = compare_col_of(cmp, FETCHER_BUILTIN), marked = 0, compared = 0;
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
			compare_md_row_name(f, set, cmp, s);
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
void compare_json_versus(json_t *g, const struct compare *cmp, const struct series *s)
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

/* A fetcher's PLTs against the builtin fetcher's: empty for the builtin
 * fetcher's own row, or where a side has no valid trials. */
void compare_csv_versus(FILE *f, const struct compare *cmp, const struct series *s, size_t col)
{
	const struct cell *b = versus_ref(cmp, s), *c = s->by_col[col];
	int other = cmp->cols[col] != FETCHER_BUILTIN && b;
	struct versus_side off = versus_side(other ? &b->off : NULL, &c->off);
	struct versus_side on = versus_side(other ? &b->tfo : NULL, &c->tfo);
	compare_csv_num(f, "%.6f", off.diff_s, off.known);
	compare_csv_num(f, "%.2f", 100 * off.share, off.known);
	compare_csv_num(f, "%.6f", on.diff_s, on.known);
	compare_csv_num(f, "%.2f", 100 * on.share, on.known);
	fprintf(f, ",%s", off.known || on.known ? (off.marked || on.marked ? "1" : "0") : "");
}

