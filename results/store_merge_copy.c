/*
 * The copy of attached shard databases into the merged run (private to
 * results/store_merge*.c): conditions by (idx, tfo_mode), trials by
 * (condition, seq), requests, connections and link counters by their trial, each with
 * INSERT OR IGNORE, so that a shard merged again adds only what the output
 * lacks; then the shard's provenance and the run's span.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "results/store_db.h"
#include "results/store_merge_int.h"

/* "x" when every input says x, else "mixed (see shards)". */
static const char *common_of(const struct merge *m, size_t off)
{
	const char *first = *(const char *const *)((const char *)&m->in[0].run + off);
	for (size_t i = 1; i < m->nin; i++)
		if (!store_merge_streq(first, *(const char *const *)((const char *)&m->in[i].run + off)))
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
	" trials, warmup, timeout_ns, backend, cc, stall_limit_ns, encoding, tls, fetcher)"
	" SELECT ?1, idx, pair_key, page, rtt_ns, down_bps, up_bps, queue_pkts, queue_bytes, loss,"
	" tfo_mode, tfo_sysctl, per_conn, conns_per_host, trials, warmup, timeout_ns, backend, cc,"
	" stall_limit_ns, encoding, tls, fetcher FROM %1$s.conditions WHERE run_id = ?2",

	"INSERT OR IGNORE INTO main.trials (condition_id, seq, started_at, plt_ns, valid,"
	" invalid_reason, tfo_active, tfo_active_fail, tfo_passive, tfo_passive_fail,"
	" tfo_cookie_reqd, syn_data_acked_conns, conns_opened, bytes_total, retrans_segs,"
	" link_drops, stalled, steal_ns, cc_used, fallbacks, fallback_ns, cpu_fetch_ns,"
	" cpu_origin_ns, load_event_ns, last_response_ns)"
	" SELECT mc.id, t.seq, t.started_at, t.plt_ns, t.valid, t.invalid_reason, t.tfo_active,"
	" t.tfo_active_fail, t.tfo_passive, t.tfo_passive_fail, t.tfo_cookie_reqd,"
	" t.syn_data_acked_conns, t.conns_opened, t.bytes_total, t.retrans_segs, t.link_drops,"
	" t.stalled, t.steal_ns, t.cc_used, t.fallbacks, t.fallback_ns, t.cpu_fetch_ns,"
	" t.cpu_origin_ns, t.load_event_ns, t.last_response_ns"
	" FROM %1$s.trials t JOIN %1$s.conditions sc ON sc.id = t.condition_id"
	" JOIN main.conditions mc ON mc.run_id = ?1 AND mc.idx = sc.idx AND mc.tfo_mode = sc.tfo_mode"
	" WHERE sc.run_id = ?2",

	"INSERT OR IGNORE INTO main.requests (trial_id, res_idx, res_id, host, path, conn_id,"
	" new_conn, syn_data, queued_ns, connect_start_ns, connected_ns, req_sent_ns,"
	" first_byte_ns, last_byte_ns, body_bytes, status, tls_done_ns)"
	" SELECT mt.id, r.res_idx, r.res_id, r.host, r.path, r.conn_id, r.new_conn, r.syn_data,"
	" r.queued_ns, r.connect_start_ns, r.connected_ns, r.req_sent_ns, r.first_byte_ns,"
	" r.last_byte_ns, r.body_bytes, r.status, r.tls_done_ns"
	" FROM %1$s.requests r JOIN %1$s.trials t ON t.id = r.trial_id"
	" JOIN %1$s.conditions sc ON sc.id = t.condition_id"
	" JOIN main.conditions mc ON mc.run_id = ?1 AND mc.idx = sc.idx AND mc.tfo_mode = sc.tfo_mode"
	" JOIN main.trials mt ON mt.condition_id = mc.id AND mt.seq = t.seq"
	" WHERE sc.run_id = ?2",

	"INSERT OR IGNORE INTO main.connections (trial_id, conn_id, host, connect_ns,"
	" connected_ns, tls_done_ns, closed_ns, syn_data, requests, cc, tls_version, tls_resumed,"
	" tls_early, tls_cipher, tls_group)"
	" SELECT mt.id, k.conn_id, k.host, k.connect_ns, k.connected_ns, k.tls_done_ns,"
	" k.closed_ns, k.syn_data, k.requests, k.cc, k.tls_version, k.tls_resumed, k.tls_early,"
	" k.tls_cipher, k.tls_group"
	" FROM %1$s.connections k JOIN %1$s.trials t ON t.id = k.trial_id"
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
	char sql[4096];
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

/* The repeated inputs are left out: a file attached twice would lock
 * against itself. */
int store_merge_batch(struct merge *m, size_t first, size_t end, int64_t *trials)
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
