/*
 * A trial as the store keeps it: the fetcher's result and the trial's
 * verdict (run/trial.h) turned into the rows of results/store.h, the trial
 * row with its requests, connections and link counters, ready for
 * store_trial_insert.  What is unknown becomes -1 or NULL (stored as
 * NULL): TLS times and TLS accounts where no TLS was negotiated, fallbacks
 * where the client sent no SYN data, lateness where the backend does not
 * measure it, the load event where the fetcher had none (the builtin
 * fetcher: trial_result.load_event_ns 0 or -1).  The last response's end
 * is the latest end of the trial's requests, for either fetcher.
 */
#ifndef TFOLAB_RUN_TRIAL_ROWS_H
#define TFOLAB_RUN_TRIAL_ROWS_H

#include <stddef.h>

#include "results/store.h"
#include "run/trial.h"
#include "workloads/page.h"

struct trial_rows {
	struct store_trial trial;        /* its conns point into conns */
	struct store_request *reqs;      /* trial_rows.n of them, by res_idx */
	size_t n;
	struct store_conn *conns;        /* trial.n_conns of them, by conn_id */
	struct store_link_stats link[2]; /* by enum store_dir */
};

/*
 * trial_rows_make - the rows of trial @t of page @pg, stored as number @seq.
 * Strings are borrowed from @pg and @t, which must outlive @out.  Returns 0,
 * or -ENOMEM with nothing to release.
 */
int trial_rows_make(const struct page *pg, const struct trial_result *t, int seq,
		    struct trial_rows *out);

void trial_rows_release(struct trial_rows *rows);

#endif
