#include "plots/plot_data.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "results/stats.h"

void plot_put_num(FILE *f, double v)
{
	if (isfinite(v))
		fprintf(f, "%.6f", v);
	else
		fputs("NaN", f);
}

void plot_put_text(FILE *f, const char *s)
{
	if (!s || !*s) {
		fputc('-', f);
		return;
	}
	for (; *s; s++)
		fputc(*s == '\t' || *s == '\n' || *s == '\r' ? ' ' : *s, f);
}

static double rtt_ms(const struct store_condition *c)
{
	return (double)c->rtt_ns / 1e6;
}

static void title_of(const struct plot_data *pd, const struct store_condition *c, int with_rtt,
		     unsigned mask, char *buf, size_t len)
{
	char setting[PLOT_TITLE_MAX];
	cell_setting_format(c, pd->set.varying & mask, setting, sizeof(setting));
	size_t used = (size_t)snprintf(buf, len, "%s", c->page);
	if (with_rtt && used < len)
		used += (size_t)snprintf(buf + used, len - used, ", %g ms", rtt_ms(c));
	if (*setting && used < len)
		snprintf(buf + used, len - used, ", %s", setting);
}

void plot_cell_title(const struct plot_data *pd, const struct cell *c, int with_rtt,
		     unsigned mask, char *buf, size_t len)
{
	title_of(pd, cell_cond(c), with_rtt, mask, buf, len);
	if (pd->set.has_cookie && c->tfo.cond) {
		size_t used = strlen(buf);
		if (used < len)
			snprintf(buf + used, len - used, ", %s", tfo_mode_title(c->tfo.cond->tfo_mode));
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static int conds_load(struct store *st, struct plot_data *pd)
{
	pd->nconds = pd->set.nconds;
	size_t cap = pd->nconds ? pd->nconds : 1;
	pd->conds = calloc(cap, sizeof(*pd->conds));
	pd->pages = calloc(cap, sizeof(*pd->pages));
	pd->cdf = calloc(cap, sizeof(*pd->cdf));
	if (!pd->conds || !pd->pages || !pd->cdf)
		return -ENOMEM;
	for (size_t i = 0; i < pd->nconds; i++) {
		struct plot_cond *pc = &pd->conds[i];
		const struct store_condition *c = &pd->set.conds[i];
		int64_t *ns = NULL;
		pc->c = c;
		int rc = store_condition_plts(st, c->id, &ns, &pc->n, &pc->invalid);
		if (rc < 0)
			return rc;
		pc->plt_s = malloc((pc->n ? pc->n : 1) * sizeof(*pc->plt_s));
		if (!pc->plt_s) {
			free(ns);
			pc->n = 0;
			return -ENOMEM;
		}
		for (size_t k = 0; k < pc->n; k++)
			pc->plt_s[k] = (double)ns[k] / 1e9;
		free(ns);
		qsort(pc->plt_s, pc->n, sizeof(*pc->plt_s), cmp_double);
		pc->page = (int)pd->npages;
		for (size_t k = 0; k < pd->npages; k++)
			if (!strcmp(pd->pages[k], c->page))
				pc->page = (int)k;
		if (pc->page == (int)pd->npages)
			pd->pages[pd->npages++] = c->page;
		/* Conditions of a pair share a colour, distinct within the page. */
		pc->group = 0;
		for (size_t k = 0; k < i; k++) {
			const struct plot_cond *o = &pd->conds[k];
			if (o->page != pc->page)
				continue;
			if (o->c->pair_key == c->pair_key) {
				pc->group = o->group;
				break;
			}
			if (o->group >= pc->group)
				pc->group = o->group + 1;
		}
		title_of(pd, c, 1, CELL_VARY_ALL, pc->title, sizeof(pc->title));
		size_t used = strlen(pc->title);
		if (used < sizeof(pc->title))
			snprintf(pc->title + used, sizeof(pc->title) - used, ", %s",
				 tfo_mode_title(c->tfo_mode));
		size_t skip = strlen(c->page) + 2;  /* "page, " */
		snprintf(pc->short_title, sizeof(pc->short_title), "%s",
			 strlen(pc->title) > skip ? pc->title + skip : pc->title);
	}
	for (size_t p = 0; p < pd->npages; p++)
		for (size_t i = 0; i < pd->nconds; i++)
			if (pd->conds[i].page == (int)p && pd->conds[i].n)
				pd->cdf[pd->ncdf++] = i;
	return 0;
}

static int per_conn_rank(int v)
{
	return v == 0 ? 0x7fffffff : v;
}

static int cmp_per_conn(const void *a, const void *b)
{
	int x = per_conn_rank(*(const int *)a), y = per_conn_rank(*(const int *)b);
	return (x > y) - (x < y);
}

static int per_conn_load(struct plot_data *pd)
{
	pd->per_conn = calloc(pd->nconds ? pd->nconds : 1, sizeof(*pd->per_conn));
	if (!pd->per_conn)
		return -ENOMEM;
	for (size_t i = 0; i < pd->nconds; i++) {
		int v = pd->set.conds[i].per_conn;
		size_t k = 0;
		while (k < pd->nper_conn && pd->per_conn[k] != v)
			k++;
		if (k == pd->nper_conn)
			pd->per_conn[pd->nper_conn++] = v;
	}
	qsort(pd->per_conn, pd->nper_conn, sizeof(*pd->per_conn), cmp_per_conn);
	return 0;
}

static size_t per_conn_col(const struct plot_data *pd, int v)
{
	size_t k = 0;
	while (k < pd->nper_conn && pd->per_conn[k] != v)
		k++;
	return k;
}

/* Two tested cells belong to one line when they differ only in what the
 * line's x axis varies (ignore: CELL_VARY_* bits; by_rtt: the RTT too). */
static int same_line(const struct cell *a, const struct cell *b, unsigned ignore, int by_rtt)
{
	const struct store_condition *x = cell_cond(a), *y = cell_cond(b);
	return !strcmp(x->page, y->page) && (by_rtt || x->rtt_ns == y->rtt_ns) &&
	       a->tfo.cond->tfo_mode == b->tfo.cond->tfo_mode &&
	       (cell_cond_diff(x, y) & ~ignore) == 0;
}

static int cmp_cell_rtt(const void *a, const void *b)
{
	int64_t x = cell_cond(*(const struct cell *const *)a)->rtt_ns;
	int64_t y = cell_cond(*(const struct cell *const *)b)->rtt_ns;
	return (x > y) - (x < y);
}

static int cmp_cell_per_conn(const void *a, const void *b)
{
	int x = per_conn_rank(cell_cond(*(const struct cell *const *)a)->per_conn);
	int y = per_conn_rank(cell_cond(*(const struct cell *const *)b)->per_conn);
	return (x > y) - (x < y);
}

/* Groups the tested cells into lines; see same_line. */
static int series_build(struct plot_data *pd, unsigned ignore, int by_rtt,
			struct plot_series **out, size_t *nout)
{
	size_t cap = pd->set.n ? pd->set.n : 1;
	struct plot_series *s = calloc(cap, sizeof(*s));
	size_t ns = 0;
	if (!s)
		return -ENOMEM;
	*out = s;
	for (size_t i = 0; i < pd->set.n; i++) {
		const struct cell *c = &pd->set.cells[i];
		if (!c->tested)
			continue;
		size_t k = 0;
		while (k < ns && !same_line(s[k].cells[0], c, ignore, by_rtt))
			k++;
		if (k == ns) {
			s[k].cells = calloc(cap, sizeof(*s[k].cells));
			if (!s[k].cells)
				return -ENOMEM;
			ns = *nout = k + 1;
			plot_cell_title(pd, c, !by_rtt, CELL_VARY_ALL & ~ignore, s[k].title,
					sizeof(s[k].title));
		}
		s[k].cells[s[k].n++] = c;
	}
	for (size_t k = 0; k < ns; k++)
		qsort(s[k].cells, s[k].n, sizeof(*s[k].cells),
		      by_rtt ? cmp_cell_rtt : cmp_cell_per_conn);
	return 0;
}

int plot_data_load(struct store *st, int64_t run_id, const struct cell_opts *opts,
		   struct plot_data *pd)
{
	memset(pd, 0, sizeof(*pd));
	pd->run_id = run_id;
	pd->opts = *opts;
	int rc = cells_load(st, run_id, opts, &pd->set);
	if (rc == 0)
		rc = conds_load(st, pd);
	if (rc == 0)
		rc = per_conn_load(pd);
	if (rc == 0)
		rc = series_build(pd, 0, 1, &pd->imp, &pd->nimp);
	if (rc == 0 && pd->nper_conn > 1)
		rc = series_build(pd, CELL_VARY_PER_CONN, 0, &pd->pers, &pd->npers);
	return rc;
}

static void series_free(struct plot_series *s, size_t n)
{
	if (!s)
		return;
	for (size_t i = 0; i < n; i++)
		free(s[i].cells);
	free(s);
}

void plot_data_release(struct plot_data *pd)
{
	for (size_t i = 0; i < pd->nconds; i++)
		free(pd->conds[i].plt_s);
	free(pd->conds);
	free(pd->pages);
	free(pd->cdf);
	series_free(pd->imp, pd->nimp);
	series_free(pd->pers, pd->npers);
	free(pd->per_conn);
	cells_release(&pd->set);
	memset(pd, 0, sizeof(*pd));
}

static int finish(FILE *f)
{
	return fflush(f) == 0 && !ferror(f) ? 0 : -EIO;
}

/* Half-width of the t confidence interval of the mean at `level`. */
static double ci_half(const struct cell_side *s, double level)
{
	if (s->n < 2)
		return NAN;
	return stats_t_quantile((1 + level) / 2, (double)(s->n - 1)) * s->sum.sd / sqrt((double)s->n);
}

static void put_side(FILE *f, const struct cell_side *s, double level)
{
	fprintf(f, "\t%zu\t", s->n);
	plot_put_num(f, s->n ? s->sum.mean : NAN);
	fputc('\t', f);
	plot_put_num(f, s->n > 1 ? s->sum.sd : NAN);
	fputc('\t', f);
	plot_put_num(f, ci_half(s, level));
}

int plot_write_plt(const struct plot_data *pd, FILE *f)
{
	fprintf(f, "# tfolab plot: page load time per page and RTT, run %lld (%zu valid trials, "
		"%zu invalid left out)\n", (long long)pd->run_id, pd->set.valid_trials,
		pd->set.invalid_trials);
	fprintf(f, "# mean and sample sd of the valid trials' PLT in seconds; ci = half-width of "
		"the %g%% t confidence interval of the mean\n", pd->opts.level * 100);
	fputs("# x\tpage\trtt_ms\tsetting\toff_n\toff_mean_s\toff_sd_s\toff_ci_s"
	      "\ttfo_n\ttfo_mean_s\ttfo_sd_s\ttfo_ci_s\n", f);
	for (size_t i = 0; i < pd->set.n; i++) {
		const struct cell *c = &pd->set.cells[i];
		const struct store_condition *cc = cell_cond(c);
		char setting[PLOT_TITLE_MAX];
		cell_row_setting(&pd->set, c, CELL_VARY_ALL, setting, sizeof(setting));
		fprintf(f, "%zu\t", i);
		plot_put_text(f, cc->page);
		fprintf(f, "\t%g\t", rtt_ms(cc));
		plot_put_text(f, setting);
		put_side(f, &c->off, pd->opts.level);
		put_side(f, &c->tfo, pd->opts.level);
		fputc('\n', f);
	}
	return finish(f);
}

static void put_pct(FILE *f, double frac)
{
	fputc('\t', f);
	plot_put_num(f, frac * 100);
}

static void put_method(const struct plot_data *pd, FILE *f)
{
	fprintf(f, "# improvement = 1 - mean(PLT TFO) / mean(PLT non-TFO), in percent; CI: %g%% "
		"bootstrap over pairs (%u resamples, seed %llu); p: paired t-test\n",
		pd->opts.level * 100, pd->opts.resamples, (unsigned long long)pd->opts.seed);
	fprintf(f, "# the paper (TCP Fast Open, CoNEXT 2011) reports %.0f-%.0f%%\n",
		PAPER_IMPROVEMENT_MIN * 100, PAPER_IMPROVEMENT_MAX * 100);
}

int plot_write_improvement(const struct plot_data *pd, FILE *f)
{
	fprintf(f, "# tfolab plot: TFO's improvement in page load time against RTT, run %lld\n",
		(long long)pd->run_id);
	put_method(pd, f);
	fputs("# one block per series, blocks separated by two blank lines\n", f);
	fputs("# series\trtt_ms\timprovement_pct\tci_lo_pct\tci_hi_pct\toff_n\ttfo_n\tp\n", f);
	for (size_t k = 0; k < pd->nimp; k++) {
		const struct plot_series *s = &pd->imp[k];
		if (k)
			fputs("\n\n", f);
		for (size_t i = 0; i < s->n; i++) {
			const struct cell *c = s->cells[i];
			plot_put_text(f, s->title);
			fprintf(f, "\t%g", rtt_ms(cell_cond(c)));
			put_pct(f, c->imp.point);
			put_pct(f, c->imp.lo);
			put_pct(f, c->imp.hi);
			fprintf(f, "\t%zu\t%zu\t%.6g\n", c->off.n, c->tfo.n, c->test.p);
		}
	}
	return finish(f);
}

int plot_write_cdf(const struct plot_data *pd, FILE *f)
{
	fprintf(f, "# tfolab plot: CDF of the page load time per condition, run %lld (valid "
		"trials only)\n", (long long)pd->run_id);
	fputs("# one block per condition, blocks separated by two blank lines; each block starts "
	      "at (min, 0), then (x_i, i/n) for the sorted PLTs\n", f);
	fputs("# condition\ttfo\tplt_s\tcdf\n", f);
	for (size_t i = 0; i < pd->ncdf; i++) {
		const struct plot_cond *pc = &pd->conds[pd->cdf[i]];
		if (i)
			fputs("\n\n", f);
		for (size_t k = 0; k <= pc->n; k++) {
			plot_put_text(f, pc->title);
			fprintf(f, "\t%s\t", tfo_mode_name(pc->c->tfo_mode));
			plot_put_num(f, pc->plt_s[k ? k - 1 : 0]);
			fputc('\t', f);
			plot_put_num(f, (double)k / (double)pc->n);
			fputc('\n', f);
		}
	}
	return finish(f);
}

int plot_write_persistence(const struct plot_data *pd, FILE *f)
{
	fprintf(f, "# tfolab plot: TFO's improvement against requests per connection, run %lld\n",
		(long long)pd->run_id);
	put_method(pd, f);
	fputs("# x: the column of per_conn (0 = 1 request per connection ... unlimited last); "
	      "one block per series, blocks separated by two blank lines\n", f);
	fputs("# series\tpage\trtt_ms\tper_conn\tx\timprovement_pct\tci_lo_pct\tci_hi_pct"
	      "\toff_n\ttfo_n\n", f);
	for (size_t k = 0; k < pd->npers; k++) {
		const struct plot_series *s = &pd->pers[k];
		if (k)
			fputs("\n\n", f);
		for (size_t i = 0; i < s->n; i++) {
			const struct cell *c = s->cells[i];
			const struct store_condition *cc = cell_cond(c);
			plot_put_text(f, s->title);
			fputc('\t', f);
			plot_put_text(f, cc->page);
			fprintf(f, "\t%g\t", rtt_ms(cc));
			if (cc->per_conn)
				fprintf(f, "%d", cc->per_conn);
			else
				fputs("unlimited", f);
			fprintf(f, "\t%zu", per_conn_col(pd, cc->per_conn));
			put_pct(f, c->imp.point);
			put_pct(f, c->imp.lo);
			put_pct(f, c->imp.hi);
			fprintf(f, "\t%zu\t%zu\n", c->off.n, c->tfo.n);
		}
	}
	return finish(f);
}
