/*
 * Merging the databases of a sharded sweep (`tfolab run FILE --shard K/N`
 * on several machines) into one database whose single run holds every
 * shard's conditions and trials, so that table, compare, plot, har and
 * trials read it as one run.  Each shard's provenance (host, kernel,
 * backend, git describe, command line, start and end) is kept in the
 * table `shards` of the merged run.
 *
 * The inputs are checked before anything is written: each must hold a
 * finished run of one shard of the same experiment text (with the same
 * --set values) and the same shard count N, from the same tfolab (git
 * describe) unless forced; no shard may come from two different runs; and
 * together with what the output already holds they must cover shards 1..N.
 * The copy uses SQLite's ATTACH, one transaction per batch of up to
 * STORE_MERGE_BATCH inputs (SQLite attaches at most 10 databases at once),
 * so with that many inputs or fewer the merge is all or nothing.  Merging
 * is idempotent: a shard already merged from the same run adds only the
 * trials that the output lacks (none, if it was not resumed since).
 */
#ifndef TFOLAB_RESULTS_STORE_MERGE_H
#define TFOLAB_RESULTS_STORE_MERGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STORE_MERGE_BATCH 8

struct store_merge_opts {
	bool force;                /* accept shards of different tfolab versions */
	bool into;                 /* add to the merged run an existing output holds */
	const char *command_line;  /* recorded with a new merged run; borrowed */
};

struct store_merge_result {
	int64_t run_id;            /* the merged run in the output */
	int shards, hosts;         /* it now holds, and on how many hosts they ran */
	int64_t trials_added;      /* by this merge; 0 when it changed nothing */
};

/*
 * store_merge - merge the shard databases @in[0..@nin) into @out.  Inputs
 * of an older schema are migrated in place first (as any tfolab command
 * opening them would); a newer one is refused naming both versions.  An
 * output that exists and holds a run is refused unless @o->into, and then
 * it must hold a merged run of the same experiment.  Returns 0 with *@res
 * filled; -EINVAL for a refusal (its reason logged: missing shards are
 * listed), -EPROTO for a schema version this tfolab cannot read, or another
 * negative errno (logged).  On failure a new output is removed and an
 * existing one is left as it was (see above for more than
 * STORE_MERGE_BATCH inputs).
 */
int store_merge(const char *out, const char *const *in, size_t nin,
		const struct store_merge_opts *o, struct store_merge_result *res);

#endif
