/*
 * Merging shard databases into one run (results/store_merge.h): reading
 * and checking every input and the output before anything is written
 * (merge_read, merge_check, merge_complete, merge_open_out), then the copy
 * batch by batch (results/store_merge_copy.c).
 */
#include "results/store_merge.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "results/store_db.h"
#include "results/store_merge_int.h"

int store_merge_streq(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

/* The latest run of @in->path into @in.  0 or -EINVAL/-EPROTO/... (logged). */
static int merge_read(struct merge_in *in)
{
	struct store *st;
	if (access(in->path, R_OK) < 0) {
		log_err("merge: %s: %s", in->path, strerror(errno));
		return -EINVAL;
	}
	int rc = store_open(in->path, &st);
	if (rc < 0)
		return rc;
	int64_t id;
	rc = store_run_latest(st, &id);
	if (rc == -ENOENT)
		log_err("merge: %s holds no run", in->path);
	if (rc == 0)
		rc = store_run_get(st, id, &in->run);
	store_close(st);
	if (rc < 0)
		return rc == -ENOENT ? -EINVAL : rc;
	in->k = in->run.shard_n ? in->run.shard_k : 1;
	in->n = in->run.shard_n ? in->run.shard_n : 1;
	if (in->run.merged_shards || !in->k) {
		log_err("merge: %s is itself merged (%d shards); give the shard databases",
			in->path, in->run.merged_shards);
		return -EINVAL;
	}
	if (strcmp(in->run.status, "done")) {
		log_err("merge: shard %d/%d in %s is %s: finish it with tfolab run FILE --shard %d/%d "
			"--db %s --resume, then merge again", in->k, in->n, in->path, in->run.status,
			in->k, in->n, in->path);
		return -EINVAL;
	}
	return 0;
}

/* Whether @b may join @a in one merge: same experiment, N and (unless
 * forced) tfolab.  @what names where @a came from. */
static int merge_same(const struct merge *m, const struct store_run *a, int an, const char *what,
		      const struct merge_in *b)
{
	if (!store_merge_streq(a->experiment_text, b->run.experiment_text)) {
		log_err("merge: %s (experiment %s) and %s (experiment %s) differ in the experiment's "
			"text or --set values; merge only shards of one sweep", what,
			a->experiment_name ? a->experiment_name : "?", b->path,
			b->run.experiment_name ? b->run.experiment_name : "?");
		return -EINVAL;
	}
	if (an != b->n) {
		log_err("merge: %s is of %d shards but %s of %d; merge only shards of one plan",
			what, an, b->path, b->n);
		return -EINVAL;
	}
	if (!m->o->force && !store_merge_streq(a->git_describe, b->run.git_describe)) {
		log_err("merge: %s was run by tfolab %s but %s by tfolab %s; rerun with one version, "
			"or give --force", what, a->git_describe ? a->git_describe : "unknown", b->path,
			b->run.git_describe ? b->run.git_describe : "unknown");
		return -EINVAL;
	}
	return 0;
}

static int same_run(int64_t sa, const char *ha, int64_t sb, const char *hb)
{
	return sa == sb && store_merge_streq(ha, hb);
}

/* The inputs among themselves and against the output's shards. */
static int merge_check(struct merge *m)
{
	for (size_t i = 0; i < m->nin; i++) {
		struct merge_in *b = &m->in[i];
		int rc = i ? merge_same(m, &m->in[0].run, m->in[0].n, m->in[0].path, b) : 0;
		if (rc == 0 && m->run_id)
			rc = merge_same(m, &m->outrun, m->outrun.shard_n, m->out, b);
		if (rc < 0)
			return rc;
		for (size_t j = 0; j < i; j++) {
			const struct merge_in *a = &m->in[j];
			if (a->k != b->k || a->skip)
				continue;
			if (!same_run(a->run.started_at, a->run.host, b->run.started_at, b->run.host)) {
				log_err("merge: shard %d/%d is in both %s and %s, from different runs; "
					"give one of them", b->k, b->n, a->path, b->path);
				return -EINVAL;
			}
			b->skip = true;
		}
		for (size_t h = 0; h < m->nhave; h++)
			if (m->have[h].k == b->k &&
			    !same_run(m->have[h].started_at, m->have[h].host, b->run.started_at,
				      b->run.host)) {
				log_err("merge: shard %d/%d of %s came from another run (of %s) than "
					"the one in %s; merge into a new database", b->k, b->n, m->out,
					m->have[h].source ? m->have[h].source : "?", b->path);
				return -EINVAL;
			}
	}
	m->n = m->nin ? m->in[0].n : m->outrun.shard_n;
	return 0;
}

/* Every shard 1..N held by the output or given; else lists the missing. */
static int merge_complete(const struct merge *m)
{
	char list[512] = "";
	size_t used = 0, missing = 0;
	for (int k = 1; k <= m->n; k++) {
		bool found = false;
		for (size_t i = 0; i < m->nin && !found; i++)
			found = m->in[i].k == k;
		for (size_t h = 0; h < m->nhave && !found; h++)
			found = m->have[h].k == k;
		if (found)
			continue;
		if (used < sizeof(list) - 1)
			used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%d",
						 missing ? ", " : "", k);
		missing++;
	}
	if (!missing)
		return 0;
	log_err("merge: %zu of the %d shards are missing: %s%s; run them with tfolab run FILE "
		"--shard K/%d and give their databases too", missing, m->n, list,
		used >= sizeof(list) - 1 ? "..." : "", m->n);
	return -EINVAL;
}

/* The shards the output's merged run holds already, into m->have. */
static int merge_load_have(struct merge *m)
{
	static const char what[] = "SELECT shards";
	sqlite3_stmt *stmt;
	size_t cap = 0;
	int rc = store_db_prep(m->st, what,
			       "SELECT k, started_at, host, source FROM shards WHERE run_id = ?", &stmt);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(stmt, 1, m->run_id);
	int s;
	while ((s = sqlite3_step(stmt)) == SQLITE_ROW) {
		if ((rc = store_db_grow((void **)&m->have, &cap, m->nhave, sizeof(*m->have))) < 0)
			break;
		m->have[m->nhave++] = (struct merge_have){
			.k = sqlite3_column_int(stmt, 0), .started_at = sqlite3_column_int64(stmt, 1),
			.host = store_db_strdup(stmt, 2), .source = store_db_strdup(stmt, 3),
		};
	}
	if (rc == 0 && s != SQLITE_DONE)
		rc = store_db_fail(m->st, what);
	sqlite3_finalize(stmt);
	return rc;
}

/* The output: refused when it holds results and --into is not given. */
static int merge_open_out(struct merge *m)
{
	int rc = store_open(m->out, &m->st);
	if (rc < 0)
		return rc;
	int64_t id;
	rc = store_run_latest(m->st, &id);
	if (rc == -ENOENT)
		return 0;
	if (rc < 0)
		return rc;
	if (!m->o->into) {
		log_err("merge: %s already holds results; give --into to add shards to its merged "
			"run, or merge into a new database", m->out);
		return -EINVAL;
	}
	if ((rc = store_run_get(m->st, id, &m->outrun)) < 0)
		return rc;
	if (!m->outrun.merged_shards) {
		log_err("merge --into: the latest run of %s (%lld) is not a merged run",
			m->out, (long long)id);
		return -EINVAL;
	}
	m->run_id = id;
	return merge_load_have(m);
}

static void merge_release(struct merge *m)
{
	for (size_t i = 0; i < m->nin; i++)
		store_run_release(&m->in[i].run);
	free(m->in);
	for (size_t h = 0; h < m->nhave; h++) {
		free(m->have[h].host);
		free(m->have[h].source);
	}
	free(m->have);
	store_run_release(&m->outrun);
	store_close(m->st);
}

/* Removes a new output that a failed merge leaves behind, with its WAL files. */
static void merge_remove(const char *out)
{
	const char *suffix[] = { "", "-wal", "-shm" };
	char p[4200];
	for (size_t i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "%s%s", out, suffix[i]);
		unlink(p);
	}
}

int store_merge(const char *out, const char *const *in, size_t nin,
		const struct store_merge_opts *o, struct store_merge_result *res)
{
	struct merge m = { .out = out, .o = o, .nin = nin };
	bool existed = access(out, F_OK) == 0;
	int rc = nin ? 0 : -EINVAL;
	if (rc < 0)
		log_err("merge: give at least one shard database");
	if (rc == 0 && !(m.in = calloc(nin, sizeof(*m.in))))
		rc = -ENOMEM;
	for (size_t i = 0; rc == 0 && i < nin; i++) {
		m.in[i].path = in[i];
		if (!strcmp(in[i], out)) {
			log_err("merge: %s is both the output and an input", out);
			rc = -EINVAL;
		} else {
			rc = merge_read(&m.in[i]);
		}
	}
	if (rc == 0 && existed)
		rc = merge_open_out(&m);
	if (rc == 0)
		rc = merge_check(&m);
	if (rc == 0)
		rc = merge_complete(&m);
	if (rc == 0 && !existed)
		rc = merge_open_out(&m);
	int64_t trials = 0;
	for (size_t i = 0; rc == 0 && i < nin; i += STORE_MERGE_BATCH)
		rc = store_merge_batch(&m, i, i + STORE_MERGE_BATCH < nin ? i + STORE_MERGE_BATCH : nin,
				 &trials);
	if (rc == 0) {
		struct store_run r;
		if ((rc = store_run_get(m.st, m.run_id, &r)) == 0) {
			*res = (struct store_merge_result){ .run_id = m.run_id, .shards = r.merged_shards,
							    .hosts = r.merged_hosts,
							    .trials_added = trials };
			store_run_release(&r);
		}
	}
	merge_release(&m);
	if (rc < 0 && !existed)
		merge_remove(out);
	return rc;
}
