/*
 * The numbers behind the plots of one run, and the writers of the data
 * files that gnuplot reads (and that users can re-plot from).
 *
 * Every data file is tab-separated text with '#' header lines that say what
 * the run, the columns and the statistics are; a missing value is "NaN".
 * Files with several series hold one block per series, blocks separated by
 * two blank lines (gnuplot's `index`).  Only valid trials count; invalid
 * ones are counted in the headers.  The improvement and its 95% CI are the
 * ones `tfolab table` prints (results/cells.h: bootstrap with a fixed seed),
 * so a plot and the table of the same run agree.
 */
#ifndef TFOLAB_PLOTS_PLOT_DATA_H
#define TFOLAB_PLOTS_PLOT_DATA_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "results/cells.h"
#include "results/store.h"

#define PLOT_TITLE_MAX 192

/* One condition with its valid PLTs, sorted ascending, for the CDFs. */
struct plot_cond {
	const struct store_condition *c;  /* in set.conds */
	double *plt_s;
	size_t n;
	size_t invalid;
	int page;                /* the index of its page among the run's (first seen first) */
	int group;               /* the index of its pair_key among its page's, for colours */
	char title[PLOT_TITLE_MAX];  /* "amazon, 20 ms, TFO" */
	char short_title[PLOT_TITLE_MAX];  /* the same without the page */
};

/* A line of a plot: cells of one page (and setting) in x order. */
struct plot_series {
	char title[PLOT_TITLE_MAX];
	const struct cell **cells;
	size_t n;
};

struct plot_data {
	int64_t run_id;
	struct cell_opts opts;
	struct cell_set set;
	struct plot_cond *conds;     /* parallel to set.conds */
	size_t nconds;
	size_t npages;               /* distinct pages */
	const char **pages;          /* their names (in set.conds) */
	size_t *cdf;                 /* the conditions with valid trials, grouped by page */
	size_t ncdf;
	struct plot_series *imp;     /* improvement vs RTT: tested cells only */
	size_t nimp;
	struct plot_series *pers;    /* improvement vs requests per connection */
	size_t npers;
	int *per_conn;               /* distinct per_conn values, unlimited (0) last */
	size_t nper_conn;
};

/*
 * Loads run_id's conditions, PLTs and cells (with opts, e.g. the table's
 * seed, 2000 resamples, level 0.95) and builds the series.  Returns 0 (check
 * set.valid_trials: the run may have none), a store or stats error, or
 * -ENOMEM.  Release with plot_data_release, also on failure.
 */
int plot_data_load(struct store *st, int64_t run_id, const struct cell_opts *opts,
		   struct plot_data *pd);
void plot_data_release(struct plot_data *pd);

/*
 * A cell's name in legends: its page, its RTT when with_rtt, and the
 * parameters in mask that vary in the run (and the TFO mode when the run
 * has cookie cells), e.g. "amazon, 100 ms, 2 req/conn".
 */
void plot_cell_title(const struct plot_data *pd, const struct cell *c, int with_rtt,
		     unsigned mask, char *buf, size_t len);

/*
 * The writers.  Each writes one whole file to f and returns 0, or -EIO if
 * writing failed (not logged: the caller knows the file's name).
 *
 * plt.dat: one row per cell: x, page, rtt_ms, setting ("-" if none), then
 * for non-TFO and TFO: n, mean_s, sd_s (sample) and ci95_s (half-width of
 * the t interval of the mean).
 */
int plot_write_plt(const struct plot_data *pd, FILE *f);

/* improvement.dat: a block per pd->imp series: series, rtt_ms,
 * improvement_pct, ci_lo_pct, ci_hi_pct, off_n, tfo_n, p (paired t-test). */
int plot_write_improvement(const struct plot_data *pd, FILE *f);

/* cdf.dat: a block per condition with valid trials, in pd->cdf order (by
 * page): condition, tfo, plt_s, cdf; the first row of a block is (min, 0),
 * then (x_i, i/n) for the sorted PLTs. */
int plot_write_cdf(const struct plot_data *pd, FILE *f);

/* persistence.dat: a block per pd->pers series: series, page, rtt_ms,
 * per_conn ("unlimited" for 0), x (the column of per_conn in pd->per_conn),
 * improvement_pct, ci_lo_pct, ci_hi_pct, off_n, tfo_n.  Only meaningful
 * when pd->nper_conn > 1. */
int plot_write_persistence(const struct plot_data *pd, FILE *f);

/* Writes v with %.6f, or "NaN" when it is not finite. */
void plot_put_num(FILE *f, double v);

/* Writes s with tabs and newlines replaced by spaces ("-" for NULL or ""). */
void plot_put_text(FILE *f, const char *s);

#endif
