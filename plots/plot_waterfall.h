/*
 * The waterfall plot's data: one non-TFO and one TFO page load of the same
 * cell, side by side, so that the round trip TFO saves on every new
 * connection shows.  The cell is the first (in matrix order) at the run's
 * largest RTT whose both sides have a valid trial with stored requests
 * (of one page and TLS mode, if the caller names them);
 * from each side it takes the median-PLT valid trial (the lower median,
 * ties by seq), a real load rather than an average of loads.
 */
#ifndef TFOLAB_PLOTS_PLOT_WATERFALL_H
#define TFOLAB_PLOTS_PLOT_WATERFALL_H

#include <stddef.h>
#include <stdio.h>

#include "plots/plot_data.h"
#include "results/store.h"

struct plot_wf_side {
	const struct store_condition *cond;
	struct store_trial_ref trial;     /* the median-PLT valid trial */
	size_t ntrials;              /* valid trials it is the median of */
	struct store_request *req;   /* its requests, by res_idx */
	size_t n;
	size_t new_conns;            /* requests that opened a connection */
	size_t syn_data;             /* ... whose SYN data was acked */
	char title[PLOT_TITLE_MAX + 64];  /* "amazon, 200 ms, TFO: trial 3, PLT 812 ms (median of 5)" */
};

struct plot_waterfall {
	const struct cell *cell;
	struct plot_wf_side off, tfo;
	double span_ms;              /* the later of both loads' last events */
};

/*
 * Picks the cell and trials and loads their requests; with page not NULL,
 * only among that page's cells, with tls >= 0 only among the cells of that
 * TLS mode (enum tls_mode), with fetcher >= 0 of that fetcher (enum
 * fetcher).  Returns 0, -ENODATA when no cell qualifies
 * (not logged: the caller says why the plot is skipped), or a database
 * error (logged).  Release with plot_waterfall_release, also on failure.
 */
int plot_waterfall_load(const struct plot_data *pd, struct store *db, const char *page,
			int tls, int fetcher, struct plot_waterfall *wf);
void plot_waterfall_release(struct plot_waterfall *wf);

/*
 * Writes one side as waterfall_{off,tfo}.dat: a row per request: row (1 =
 * first request), res_idx, conn_id, new_conn, syn_data, then queued,
 * connect_start, connected, req_sent, first_byte, last_byte and tls_done
 * in ms from the trial's start ("NaN" for never; the connect and TLS times
 * only for a request that opened its connection, tls_done NaN without
 * TLS), and url.  0 or -EIO.
 */
int plot_write_waterfall(const struct plot_data *pd, const struct plot_wf_side *side, FILE *f);

#endif
