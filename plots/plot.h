/*
 * The plots of one run (`tfolab plot`): for each figure a data file
 * (plots/plot_data.h), a gnuplot script and its images, all in one
 * directory:
 *   plt          PLT per page and RTT, non-TFO against TFO, mean +- 1 sd
 *   improvement  1 - PLT_tfo / PLT_off against RTT per page, 95% CI, and the
 *                paper's 4-41% band
 *   waterfall    the median non-TFO and TFO loads of one cell at the
 *                largest RTT, request by request, on one time axis
 *   persistence  improvement against requests per connection (only when
 *                the run varies it)
 *   cdf          the PLT distribution of every condition
 * A figure without data (e.g. no cell with two valid trials a side) is
 * skipped with a warning that says why.
 */
#ifndef TFOLAB_PLOTS_PLOT_H
#define TFOLAB_PLOTS_PLOT_H

#include <stdint.h>
#include <stdio.h>

#include "results/cells.h"
#include "results/store.h"

struct plot_opts {
	const char *db_path;     /* the database st was opened from, for messages */
	const char *out_dir;     /* created if missing */
	int png, svg;            /* the image formats to write */
	const char *gnuplot;     /* its path; NULL = write data files and scripts only */
	const char *waterfall_page;  /* the waterfall's page; NULL = the first measured */
	int waterfall_tls;       /* its TLS mode (enum tls_mode); -1 = any */
	int waterfall_fetcher;   /* its fetcher (enum fetcher); -1 = any */
	struct cell_opts cells;  /* statistics, as tfolab table's */
};

/*
 * Writes the plots of run_id and prints the path of every file written, one
 * per line, to list.  Returns 0; -ENOENT (no such run) and -ENODATA (no
 * valid trial), both logged; -EIO when gnuplot fails (logged with its
 * stderr); or another negative errno (logged).
 */
int plot_run(struct store *st, int64_t run_id, const struct plot_opts *o, FILE *list);

#endif
