/*
 * Merging shard databases into one run (results/store_merge.h).  First
 * every input is read and checked (merge_read, merge_check), then the
 * output's merged run is found or made, then each batch of inputs is
 * attached and copied in one transaction (merge_copy): conditions by
 * (idx, tfo_mode), trials by (condition, seq), requests and link counters
 * by their trial, each with INSERT OR IGNORE so that a shard merged again
 * adds nothing it already gave.
 */
#include "results/store_merge.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "results/store_db.h"

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

static int streq(const char *a, const char *b)
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
	if (!streq(a->experiment_text, b->run.experiment_text)) {
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
	if (!m->o->force && !streq(a->git_describe, b->run.git_describe)) {
		log_err("merge: %s was run by tfolab %s but %s by tfolab %s; rerun with one version, "
			"or give --force", what, a->git_describe ? a->git_describe : "unknown", b->path,
			b->run.git_describe ? b->run.git_describe : "unknown");
		return -EINVAL;
	}
	return 0;
}

static int same_run(int64_t sa, const char *ha, int64_t sb, const char *hb)
{
	return sa == sb && streq(ha, hb);
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

/* "x" when every input says x, else "mixed (see shards)". */
static const char *common_of(const struct merge *m, size_t off)
{
	const char *first = *(const char *const *)((const char *)&m->in[0].run + off);
	for (size_t i = 1; i < m->nin; i++)
		if (!streq(first, *(const char *const *)((const char *)&m->in[i].run + off)))
			return "mixed (see shards)";
	return first;
}

/* A new merged run in the output, with what its shards have in common. */
static int merge_new_run(struct merge *m)
{
	const struct store_run *r0 = &m->in[0].run;
	const char *host = common_of(m, offsetof(struct store_run, host));
	struct store_run run = {
		.started_at = r0->started_at, .command_line = m->o->command_line,
		.experiment_name = r0->experiment_name, .experiment_text = r0->experiment_text,
		.git_describe = common_of(m, offsetof(struct store_run, git_describe)),
		.kernel = common_of(m, offsetof(struct store_run, kernel)),
		.link_backend = common_of(m, offsetof(struct store_run, link_backend)),
		.host = strcmp(host, "mixed (see shards)") ? host : "several (see shards)",
		.shard_n = m->n,
	};
	int rc = store_run_begin(m->st, &run, &m->run_id);
	return rc ? rc : store_run_end(m->st, m->run_id, "done", r0->ended_at);
}

/* The copy of one attached shard, statement by statement; ?1 is the
 * merged run, ?2 the shard's run; %1$s the attached schema. */
static const char *const copy_sql[] = {
	"INSERT OR IGNORE INTO main.conditions (run_id, idx, pair_key, page, rtt_ns, down_bps,"
	" up_bps, queue_pkts, queue_bytes, loss, tfo_mode, tfo_sysctl, per_conn, conns_per_host,"
	" trials, warmup, timeout_ns, backend, cc, stall_limit_ns, encoding)"
	" SELECT ?1, idx, pair_key, page, rtt_ns, down_bps, up_bps, queue_pkts, queue_bytes, loss,"
	" tfo_mode, tfo_sysctl, per_conn, conns_per_host, trials, warmup, timeout_ns, backend, cc,"
	" stall_limit_ns, encoding FROM %1$s.conditions WHERE run_id = ?2",

	"INSERT OR IGNORE INTO main.trials (condition_id, seq, started_at, plt_ns, valid,"
	" invalid_reason, tfo_active, tfo_active_fail, tfo_passive, tfo_passive_fail,"
	" tfo_cookie_reqd, syn_data_acked_conns, conns_opened, bytes_total, retrans_segs,"
	" link_drops, stalled, steal_ns, cc_used, fallbacks, fallback_ns)"
	" SELECT mc.id, t.seq, t.started_at, t.plt_ns, t.valid, t.invalid_reason, t.tfo_active,"
	" t.tfo_active_fail, t.tfo_passive, t.tfo_passive_fail, t.tfo_cookie_reqd,"
	" t.syn_data_acked_conns, t.conns_opened, t.bytes_total, t.retrans_segs, t.link_drops,"
	" t.stalled, t.steal_ns, t.cc_used, t.fallbacks, t.fallback_ns"
	" FROM %1$s.trials t JOIN %1$s.conditions sc ON sc.id = t.condition_id"
	" JOIN main.conditions mc ON mc.run_id = ?1 AND mc.idx = sc.idx AND mc.tfo_mode = sc.tfo_mode"
	" WHERE sc.run_id = ?2",

	"INSERT OR IGNORE INTO main.requests (trial_id, res_idx, res_id, host, path, conn_id,"
	" new_conn, syn_data, queued_ns, connect_start_ns, connected_ns, req_sent_ns,"
	" first_byte_ns, last_byte_ns, body_bytes, status)"
	" SELECT mt.id, r.res_idx, r.res_id, r.host, r.path, r.conn_id, r.new_conn, r.syn_data,"
	" r.queued_ns, r.connect_start_ns, r.connected_ns, r.req_sent_ns, r.first_byte_ns,"
	" r.last_byte_ns, r.body_bytes, r.status"
	" FROM %1$s.requests r JOIN %1$s.trials t ON t.id = r.trial_id"
	" JOIN %1$s.conditions sc ON sc.id = t.condition_id"
	" JOIN main.conditions mc ON mc.run_id = ?1 AND mc.idx = sc.idx AND mc.tfo_mode = sc.tfo_mode"
	" JOIN main.trials mt ON mt.condition_id = mc.id AND mt.seq = t.seq"
	" WHERE sc.run_id = ?2",

	"INSERT OR IGNORE INTO main.link_stats (trial_id, direction, pkts, bytes, drops_queue,"
	" drops_loss, max_queue_pkts, max_queue_bytes, late_pkts, late_ns, late_max_ns)"
	" SELECT mt.id, l.direction, l.pkts, l.bytes, l.drops_queue, l.drops_loss,"
	" l.max_queue_pkts, l.max_queue_bytes, l.late_pkts, l.late_ns, l.late_max_ns"
	" FROM %1$s.link_stats l JOIN %1$s.trials t ON t.id = l.trial_id"
	" JOIN %1$s.conditions sc ON sc.id = t.condition_id"
	" JOIN main.conditions mc ON mc.run_id = ?1 AND mc.idx = sc.idx AND mc.tfo_mode = sc.tfo_mode"
	" JOIN main.trials mt ON mt.condition_id = mc.id AND mt.seq = t.seq"
	" WHERE sc.run_id = ?2",
};

/* Runs @fmt for @schema with ?1 the merged run and ?2 the shard's; its changes in *@changed. */
static int merge_exec(struct merge *m, const char *what, const char *fmt, const char *schema,
		      int64_t shard_run, int64_t *changed)
{
	char sql[2048];
	sqlite3_stmt *stmt;
	snprintf(sql, sizeof(sql), fmt, schema);
	int rc = store_db_prep(m->st, what, sql, &stmt);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(stmt, 1, m->run_id);
	sqlite3_bind_int64(stmt, 2, shard_run);
	rc = store_db_step_done(m->st, what, stmt);
	if (rc == 0)
		*changed = sqlite3_changes(m->st->db);
	return rc;
}

/* Conditions of a shard new to the output that another shard gave already. */
static int merge_overlap(struct merge *m, const struct merge_in *in, const char *schema)
{
	static const char what[] = "SELECT overlapping conditions";
	char sql[512];
	sqlite3_stmt *stmt;
	/* Two lookups on the two unique indexes, not one join on an OR. */
	snprintf(sql, sizeof(sql),
		 "SELECT count(*), min(sc.idx) FROM %s.conditions sc WHERE sc.run_id = ?2 AND ("
		 " EXISTS (SELECT 1 FROM main.conditions mc WHERE mc.run_id = ?1"
		 "  AND mc.idx = sc.idx AND mc.tfo_mode = sc.tfo_mode) OR"
		 " EXISTS (SELECT 1 FROM main.conditions mc WHERE mc.run_id = ?1"
		 "  AND mc.pair_key = sc.pair_key AND mc.tfo_mode = sc.tfo_mode))", schema);
	int rc = store_db_prep(m->st, what, sql, &stmt);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(stmt, 1, m->run_id);
	sqlite3_bind_int64(stmt, 2, in->run.id);
	if (sqlite3_step(stmt) != SQLITE_ROW)
		rc = store_db_fail(m->st, what);
	else if (sqlite3_column_int(stmt, 0) > 0) {
		log_err("merge: shard %d/%d in %s overlaps the shards before it: %d of its conditions "
			"(the first of matrix index %d) are there already; were the shards planned "
			"by different tfolab versions?", in->k, in->n, in->path,
			sqlite3_column_int(stmt, 0), sqlite3_column_int(stmt, 1));
		rc = -EINVAL;
	}
	sqlite3_finalize(stmt);
	return rc;
}

/* The shard's provenance row (kept when the shard was merged before, its end updated). */
static int merge_provenance(struct merge *m, const struct merge_in *in)
{
	static const char what[] = "INSERT shards";
	sqlite3_stmt *stmt;
	const struct store_run *r = &in->run;
	int rc = store_db_prep(m->st, what,
			       "INSERT INTO shards (run_id, k, n, started_at, ended_at, status,"
			       " command_line, git_describe, kernel, link_backend, host, source)"
			       " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
			       " ON CONFLICT (run_id, k) DO UPDATE SET ended_at = excluded.ended_at"
			       " WHERE ended_at IS NOT excluded.ended_at", &stmt);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(stmt, 1, m->run_id);
	sqlite3_bind_int(stmt, 2, in->k);
	sqlite3_bind_int(stmt, 3, in->n);
	sqlite3_bind_int64(stmt, 4, r->started_at);
	sqlite3_bind_int64(stmt, 5, r->ended_at);
	store_db_bind_text(stmt, 6, r->status);
	store_db_bind_text(stmt, 7, r->command_line);
	store_db_bind_text(stmt, 8, r->git_describe);
	store_db_bind_text(stmt, 9, r->kernel);
	store_db_bind_text(stmt, 10, r->link_backend);
	store_db_bind_text(stmt, 11, r->host);
	store_db_bind_text(stmt, 12, in->path);
	return store_db_step_done(m->st, what, stmt);
}

/* One attached shard into the merged run; counts the trials it added. */
static int merge_one(struct merge *m, const struct merge_in *in, const char *schema,
		     int64_t *trials)
{
	bool known = false;
	for (size_t h = 0; h < m->nhave; h++)
		known |= m->have[h].k == in->k;
	int rc = known ? 0 : merge_overlap(m, in, schema);
	for (size_t i = 0; rc == 0 && i < sizeof(copy_sql) / sizeof(copy_sql[0]); i++) {
		int64_t changed = 0;
		rc = merge_exec(m, "INSERT (merge)", copy_sql[i], schema, in->run.id, &changed);
		if (i == 1)
			*trials += changed;
	}
	if (rc == 0)
		rc = merge_provenance(m, in);
	if (rc == 0 && !known) {
		struct merge_have *h = realloc(m->have, (m->nhave + 1) * sizeof(*h));
		if (!h)
			return -ENOMEM;
		m->have = h;
		m->have[m->nhave++] = (struct merge_have){ .k = in->k, .started_at = in->run.started_at };
	}
	return rc;
}

/* The merged run spans its shards: from the first start to the last end. */
static int merge_span(struct merge *m)
{
	static const char what[] = "UPDATE runs (merge)";
	sqlite3_stmt *stmt;
	int rc = store_db_prep(m->st, what,
			       "UPDATE runs SET started_at = (SELECT min(started_at) FROM shards"
			       " WHERE run_id = ?1), ended_at = (SELECT max(ended_at) FROM shards"
			       " WHERE run_id = ?1) WHERE id = ?1", &stmt);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(stmt, 1, m->run_id);
	return store_db_step_done(m->st, what, stmt);
}

/* Inputs [@first, @end) but the repeated ones (a file attached twice
 * would lock against itself): attach, copy in one transaction, detach. */
static int merge_batch(struct merge *m, size_t first, size_t end, int64_t *trials)
{
	char schema[32], sql[64];
	size_t attached = 0, which[STORE_MERGE_BATCH];
	int rc = 0;
	for (size_t i = first; i < end && rc == 0; i++) {
		sqlite3_stmt *stmt;
		if (m->in[i].skip)
			continue;
		snprintf(sql, sizeof(sql), "ATTACH ? AS shard%zu", attached);
		if ((rc = store_db_prep(m->st, "ATTACH", sql, &stmt)) < 0)
			break;
		store_db_bind_text(stmt, 1, m->in[i].path);
		if ((rc = store_db_step_done(m->st, "ATTACH", stmt)) == 0)
			which[attached++] = i;
	}
	if (rc == 0)
		rc = store_db_exec(m->st, "BEGIN (merge)", "BEGIN IMMEDIATE");
	if (rc == 0 && !m->run_id)
		rc = merge_new_run(m);
	for (size_t a = 0; a < attached && rc == 0; a++) {
		snprintf(schema, sizeof(schema), "shard%zu", a);
		rc = merge_one(m, &m->in[which[a]], schema, trials);
	}
	if (rc == 0)
		rc = merge_span(m);
	if (rc == 0)
		rc = store_db_exec(m->st, "COMMIT (merge)", "COMMIT");
	if (rc < 0)
		sqlite3_exec(m->st->db, "ROLLBACK", NULL, NULL, NULL);
	for (size_t a = 0; a < attached; a++) {
		snprintf(sql, sizeof(sql), "DETACH shard%zu", a);
		store_db_exec(m->st, "DETACH", sql);
	}
	return rc;
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
		rc = merge_batch(&m, i, i + STORE_MERGE_BATCH < nin ? i + STORE_MERGE_BATCH : nin,
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
