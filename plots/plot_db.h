/*
 * Per-trial reads that the plots need and results/store.h does not offer
 * (yet): the valid trials of a condition with their ids, and the requests
 * of one trial.  They go through a second, read-only SQLite connection to
 * the same database, so plotting can never change it; the queries follow
 * the schema of results/store.c (version 1 tables).  When the store grows
 * store_trials_list/store_trial_requests, these two move there.
 */
#ifndef TFOLAB_PLOTS_PLOT_DB_H
#define TFOLAB_PLOTS_PLOT_DB_H

#include <stddef.h>
#include <stdint.h>

#include "results/store.h"

struct plot_db;

/* A valid trial of a condition. */
struct plot_trial {
	int64_t id;
	int seq;
	int64_t plt_ns;
};

/*
 * Opens the database at path read-only.  -ENOENT (logged) if it does not
 * exist; another negative errno (logged) if it cannot be opened.  *out is
 * untouched on failure.
 */
int plot_db_open(const char *path, struct plot_db **out);

/* Closes it; NULL is allowed. */
void plot_db_close(struct plot_db *db);

/*
 * The valid trials of condition cond_id ordered by seq, in a new array the
 * caller frees (NULL when there are none).  0 or a negative errno (logged).
 */
int plot_db_trials(struct plot_db *db, int64_t cond_id, struct plot_trial **out, size_t *n);

/*
 * The requests of trial trial_id ordered by res_idx, in a new array (free
 * with plot_db_requests_free: the strings are owned); NULL when there are
 * none.  0 or a negative errno (logged).
 */
int plot_db_requests(struct plot_db *db, int64_t trial_id, struct store_request **out, size_t *n);
void plot_db_requests_free(struct store_request *r, size_t n);

#endif
