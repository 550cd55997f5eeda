/*
 * Private to results/store_merge*.c: one merge under way.  store_merge.c
 * reads and checks the inputs and the output; store_merge_copy.c copies
 * the attached shards into the merged run.
 */
#ifndef TFOLAB_RESULTS_STORE_MERGE_INT_H
#define TFOLAB_RESULTS_STORE_MERGE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "results/store.h"
#include "results/store_merge.h"

/* One input: the run of one shard. */
struct merge_in {
	const char *path;
	struct store_run run;
	int k, n;                /* 1, 1 for a run of the whole matrix */
	bool skip;               /* the same shard run as an earlier input */
};

/* A shard the output holds already. */
struct merge_have {
	int k;
	int64_t started_at;
	char *host;
	char *source;
};

struct merge {
	const char *out;
	const struct store_merge_opts *o;
	struct merge_in *in;
	size_t nin;
	struct store *st;        /* the output */
	int64_t run_id;          /* its merged run; 0 = none yet */
	struct store_run outrun; /* that run, when it existed */
	struct merge_have *have;
	size_t nhave;
	int n;                   /* shards in the sweep */
};

/*
 * store_merge_batch - inputs [@first, @end) of @m (at most STORE_MERGE_BATCH; the
 * repeated ones left out): attach them, copy them into the merged run in
 * one transaction (making the run first when @m has none), detach them.
 * Adds the trials copied to *@trials.  0, or a negative errno (logged;
 * -EINVAL for overlapping shards) with the transaction rolled back.
 */
int store_merge_batch(struct merge *m, size_t first, size_t end, int64_t *trials);

/* store_merge_streq - equal strings, or both NULL. */
int store_merge_streq(const char *a, const char *b);

#endif
