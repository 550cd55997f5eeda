/*
 * Shards: the K-th of N disjoint parts of an experiment's matrix, for
 * sweeps that run on several machines (a Slurm job array, an Indexed Job)
 * and are merged into one database afterwards (`tfolab merge`).
 *
 * The unit of a shard is a group (the cells that differ only in TFO, run
 * in one testbed, run/runner.h), never a cell: an off/on pair is measured
 * in one session and must stay together.  Groups are balanced by their
 * expected work, not counted: a group's weight is its page's bytes x RTT x
 * loads (shard_weights, run/shard_cells.c).  The plan is greedy largest
 * first: the heaviest group goes to the least loaded shard, ties broken by
 * the lower group index and then the lower shard, so the same weights and N
 * give the same plan on every machine.  Greedy is within 4/3 of the best
 * maximum load (Graham's bound for LPT), which is plenty for a scheduler
 * whose tasks already differ by the machines they land on.
 *
 * This file is pure: no I/O, no pages, no clock.
 */
#ifndef TFOLAB_RUN_SHARD_H
#define TFOLAB_RUN_SHARD_H

#include <stddef.h>
#include <stdint.h>

#include "run/experiment.h"

#define SHARD_MAX 100000     /* shards of one sweep */
#define SHARD_FORM "K/N, 1 <= K <= N"

struct shard_plan {
	size_t nshards;
	size_t ngroups;
	unsigned *of;            /* the shard (from 0) of each group */
	uint64_t *load;          /* the expected work of each shard */
	uint64_t total;          /* the sum of the loads */
};

/*
 * shard_parse - "K/N" into *@k and *@n (K from 1).  Returns 0, or -EINVAL
 * (not logged: the caller names the option) for anything else: K or N not
 * a decimal number, K < 1, K > N, N > SHARD_MAX, trailing text.
 */
int shard_parse(const char *s, unsigned *k, unsigned *n);

/*
 * shard_plan_make - split @ngroups groups of @weights over @nshards shards
 * (1..SHARD_MAX) into *@p (release with shard_plan_release).  Returns 0,
 * -EINVAL for @nshards out of range or a weight sum that overflows, or
 * -ENOMEM (with *@p empty).
 */
int shard_plan_make(const uint64_t *weights, size_t ngroups, size_t nshards,
		    struct shard_plan *p);

/* shard_plan_release - free what shard_plan_make allocated; twice is fine. */
void shard_plan_release(struct shard_plan *p);

/* shard_share - shard @s's part of the expected work, 0..1 (0 when all weights are 0). */
double shard_share(const struct shard_plan *p, size_t s);

/* shard_groups - how many groups shard @s holds. */
size_t shard_groups(const struct shard_plan *p, size_t s);

/*
 * The plan of an experiment's matrix (run/shard_cells.c, which reads the
 * pages for their sizes): its groups (runner_groups) and their split.
 */
struct shard_matrix {
	size_t *starts;          /* first cell of each group */
	size_t ngroups;
	uint64_t *weight;        /* of each group */
	struct shard_plan plan;
};

/*
 * shard_weights - the expected work of each of the @ngroups groups of
 * @cells that start at @starts, into a new array *@out: the sum over its
 * cells of page bytes (as the cell sends them: wire or decoded) x RTT (us)
 * x (trials + warm-up loads).  Each page is read once.  0, or a negative
 * errno (a page that cannot be found or read is logged).
 */
int shard_weights(const struct condition_spec *cells, size_t n, const size_t *starts,
		  size_t ngroups, uint64_t **out);

/* shard_matrix_plan - @cells (n > 0) over @nshards into *@m; release with
 * shard_matrix_release, even on failure.  0 or a negative errno (logged). */
int shard_matrix_plan(const struct condition_spec *cells, size_t n, size_t nshards,
		      struct shard_matrix *m);
void shard_matrix_release(struct shard_matrix *m);

/* shard_group_size - the number of cells of group @g. */
size_t shard_group_size(const struct shard_matrix *m, size_t n, size_t g);

/*
 * shard_select - the cells of shard @k (from 1) in matrix order, in a new
 * array *@out of *@nout (0 when the shard is empty).  0 or -ENOMEM.
 */
int shard_select(const struct condition_spec *cells, size_t n, const struct shard_matrix *m,
		 unsigned k, struct condition_spec **out, size_t *nout);

#endif
