/*
 * store_trial.c - conditions and trials: inserting them (a trial with its
 * requests and link stats in one transaction) and reading them back.
 */
#include "results/store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "common/log.h"
#include "results/store_db.h"

/* The condition's identity columns must match on resume, or data would mix. */
static int condition_check(struct store *st, const struct store_condition *c, int64_t *cond_id)
{
	static const char what[] = "SELECT condition";
	sqlite3_stmt *stmt;
	char sql[256];
	/* Before schema 6 (7) every condition was plain HTTP (the builtin fetcher). */
	snprintf(sql, sizeof(sql),
		 "SELECT id, page, rtt_ns, down_bps, up_bps, per_conn, tfo_sysctl, pair_key, %s, %s"
		 " FROM conditions WHERE run_id = ? AND idx = ? AND tfo_mode = ?",
		 st->version >= 6 ? "tls" : "'off'", st->version >= 7 ? "fetcher" : "'builtin'");
	int rc = store_db_prep(st, what, sql, &stmt);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(stmt, 1, c->run_id);
	sqlite3_bind_int(stmt, 2, c->idx);
	store_db_bind_text(stmt, 3, tfo_mode_name(c->tfo_mode));
	if (sqlite3_step(stmt) != SQLITE_ROW) {
		rc = store_db_fail(st, what);
	} else if (strcmp((const char *)sqlite3_column_text(stmt, 1), c->page) ||
		   sqlite3_column_int64(stmt, 2) != c->rtt_ns ||
		   sqlite3_column_int64(stmt, 3) != c->down_bps ||
		   sqlite3_column_int64(stmt, 4) != c->up_bps ||
		   sqlite3_column_int(stmt, 5) != c->per_conn ||
		   sqlite3_column_int(stmt, 6) != c->tfo_sysctl ||
		   sqlite3_column_int(stmt, 7) != c->pair_key ||
		   tls_mode_parse((const char *)sqlite3_column_text(stmt, 8)) != (int)c->tls ||
		   fetcher_parse((const char *)sqlite3_column_text(stmt, 9)) != (int)c->fetcher) {
		log_err("store %s: run %lld condition %d (%s): stored with other parameters"
			" (page %s); the experiment changed since the run began",
			st->path, (long long)c->run_id, c->idx, tfo_mode_name(c->tfo_mode),
			(const char *)sqlite3_column_text(stmt, 1));
		rc = -EEXIST;
	} else {
		*cond_id = sqlite3_column_int64(stmt, 0);
	}
	sqlite3_finalize(stmt);
	return rc;
}

int store_condition_insert(struct store *st, const struct store_condition *c, int64_t *cond_id)
{
	static const char what[] = "INSERT conditions";
	if (!c->page || (unsigned)c->tfo_mode >= TFO_MODES || (unsigned)c->tls >= TLS_MODES ||
	    (unsigned)c->fetcher >= FETCHERS) {
		log_err("store %s: condition %d: no page, or a bad TFO mode, TLS mode or fetcher",
			st->path, c->idx);
		return -EINVAL;
	}
	sqlite3_stmt *stmt;
	char sql[512];
	/* Before schema 6 (tests build such databases) there is no tls, and
	 * before 7 no fetcher: their parameters stay unbound. */
	snprintf(sql, sizeof(sql),
		 "INSERT INTO conditions (run_id, idx, page, rtt_ns, down_bps, up_bps,"
		 " queue_pkts, queue_bytes, loss, tfo_mode, tfo_sysctl, per_conn,"
		 " conns_per_host, trials, warmup, timeout_ns, backend, cc, pair_key,"
		 " stall_limit_ns, encoding%s%s)"
		 " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?%s%s)"
		 " ON CONFLICT (run_id, idx, tfo_mode) DO NOTHING",
		 st->version >= 6 ? ", tls" : "", st->version >= 7 ? ", fetcher" : "",
		 st->version >= 6 ? ", ?" : "", st->version >= 7 ? ", ?" : "");
	int rc = store_db_prep(st, what, sql, &stmt);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(stmt, 1, c->run_id);
	sqlite3_bind_int(stmt, 2, c->idx);
	store_db_bind_text(stmt, 3, c->page);
	sqlite3_bind_int64(stmt, 4, c->rtt_ns);
	sqlite3_bind_int64(stmt, 5, c->down_bps);
	sqlite3_bind_int64(stmt, 6, c->up_bps);
	sqlite3_bind_int64(stmt, 7, c->queue_pkts);
	sqlite3_bind_int64(stmt, 8, c->queue_bytes);
	sqlite3_bind_double(stmt, 9, c->loss);
	store_db_bind_text(stmt, 10, tfo_mode_name(c->tfo_mode));
	sqlite3_bind_int(stmt, 11, c->tfo_sysctl);
	sqlite3_bind_int(stmt, 12, c->per_conn);
	sqlite3_bind_int(stmt, 13, c->conns_per_host);
	sqlite3_bind_int(stmt, 14, c->trials);
	sqlite3_bind_int(stmt, 15, c->warmup);
	sqlite3_bind_int64(stmt, 16, c->timeout_ns);
	store_db_bind_text(stmt, 17, c->backend);
	store_db_bind_text(stmt, 18, c->cc);
	sqlite3_bind_int(stmt, 19, c->pair_key);
	store_db_bind_opt(stmt, 20, c->stall_limit_ns);
	store_db_bind_text(stmt, 21, c->encoding);
	if (st->version >= 6)
		store_db_bind_text(stmt, 22, tls_mode_name(c->tls));
	if (st->version >= 7)
		store_db_bind_text(stmt, 23, fetcher_name(c->fetcher));
	rc = store_db_step_done(st, what, stmt);
	if (rc < 0)
		return rc;
	if (sqlite3_changes(st->db) == 1) {
		*cond_id = sqlite3_last_insert_rowid(st->db);
		return 0;
	}
	return condition_check(st, c, cond_id);
}

static int insert_request(struct store *st, sqlite3_stmt *stmt, int64_t trial_id,
			  const struct store_request *q)
{
	sqlite3_reset(stmt);
	sqlite3_bind_int64(stmt, 1, trial_id);
	sqlite3_bind_int(stmt, 2, q->res_idx);
	store_db_bind_text(stmt, 3, q->res_id);
	store_db_bind_text(stmt, 4, q->host);
	store_db_bind_text(stmt, 5, q->path);
	sqlite3_bind_int(stmt, 6, q->conn_id);
	sqlite3_bind_int(stmt, 7, q->new_conn);
	sqlite3_bind_int(stmt, 8, q->syn_data);
	sqlite3_bind_int64(stmt, 9, q->queued_ns);
	sqlite3_bind_int64(stmt, 10, q->connect_start_ns);
	sqlite3_bind_int64(stmt, 11, q->connected_ns);
	sqlite3_bind_int64(stmt, 12, q->req_sent_ns);
	sqlite3_bind_int64(stmt, 13, q->first_byte_ns);
	sqlite3_bind_int64(stmt, 14, q->last_byte_ns);
	sqlite3_bind_int64(stmt, 15, q->body_bytes);
	sqlite3_bind_int(stmt, 16, q->status);
	if (st->version >= 6)
		store_db_bind_opt(stmt, 17, q->tls_done_ns);
	if (sqlite3_step(stmt) != SQLITE_DONE)
		return store_db_fail(st, "INSERT requests");
	return 0;
}

static int insert_conn(struct store *st, sqlite3_stmt *stmt, int64_t trial_id,
		       const struct store_conn *c)
{
	sqlite3_reset(stmt);
	sqlite3_bind_int64(stmt, 1, trial_id);
	sqlite3_bind_int(stmt, 2, c->conn_id);
	store_db_bind_text(stmt, 3, c->host);
	store_db_bind_opt(stmt, 4, c->connect_ns);
	store_db_bind_opt(stmt, 5, c->connected_ns);
	store_db_bind_opt(stmt, 6, c->tls_done_ns);
	store_db_bind_opt(stmt, 7, c->closed_ns);
	sqlite3_bind_int(stmt, 8, c->syn_data ? 1 : 0);
	sqlite3_bind_int(stmt, 9, c->requests);
	store_db_bind_text(stmt, 10, c->cc);
	/* Without TLS, the TLS columns are NULL, not "version 0, not resumed". */
	store_db_bind_opt(stmt, 11, c->tls_version ? c->tls_version : -1);
	store_db_bind_opt(stmt, 12, c->tls_version ? !!c->tls_resumed : -1);
	store_db_bind_text(stmt, 13, c->tls_version ? c->tls_early : NULL);
	store_db_bind_text(stmt, 14, c->tls_cipher && *c->tls_cipher ? c->tls_cipher : NULL);
	store_db_bind_text(stmt, 15, c->tls_group && *c->tls_group ? c->tls_group : NULL);
	if (sqlite3_step(stmt) != SQLITE_DONE)
		return store_db_fail(st, "INSERT connections");
	return 0;
}

static int insert_link(struct store *st, sqlite3_stmt *stmt, int64_t trial_id,
		       const char *dir, const struct store_link_stats *l)
{
	sqlite3_reset(stmt);
	sqlite3_bind_int64(stmt, 1, trial_id);
	store_db_bind_text(stmt, 2, dir);
	sqlite3_bind_int64(stmt, 3, l->pkts);
	sqlite3_bind_int64(stmt, 4, l->bytes);
	sqlite3_bind_int64(stmt, 5, l->drops_queue);
	sqlite3_bind_int64(stmt, 6, l->drops_loss);
	sqlite3_bind_int64(stmt, 7, l->max_queue_pkts);
	sqlite3_bind_int64(stmt, 8, l->max_queue_bytes);
	store_db_bind_opt(stmt, 9, l->late_pkts);
	store_db_bind_opt(stmt, 10, l->late_ns);
	store_db_bind_opt(stmt, 11, l->late_max_ns);
	if (sqlite3_step(stmt) != SQLITE_DONE)
		return store_db_fail(st, "INSERT link_stats");
	return 0;
}

static int insert_trial_row(struct store *st, int64_t cond_id, const struct store_trial *t,
			    int64_t *trial_id)
{
	static const char what[] = "INSERT trials";
	sqlite3_stmt *stmt;
	char sql[768];
	snprintf(sql, sizeof(sql),
		 "INSERT INTO trials (condition_id, seq, started_at, plt_ns, valid,"
		 " invalid_reason, tfo_active, tfo_active_fail, tfo_passive,"
		 " tfo_passive_fail, tfo_cookie_reqd, syn_data_acked_conns,"
		 " conns_opened, bytes_total, retrans_segs, link_drops, stalled, steal_ns,"
		 " cc_used, fallbacks, fallback_ns%s%s)"
		 " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?%s%s)",
		 st->version >= 6 ? ", cpu_fetch_ns, cpu_origin_ns" : "",
		 st->version >= 7 ? ", load_event_ns, last_response_ns" : "",
		 st->version >= 6 ? ", ?, ?" : "", st->version >= 7 ? ", ?, ?" : "");
	int rc = store_db_prep(st, what, sql, &stmt);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(stmt, 1, cond_id);
	sqlite3_bind_int(stmt, 2, t->seq);
	sqlite3_bind_int64(stmt, 3, t->started_at);
	sqlite3_bind_int64(stmt, 4, t->plt_ns);
	sqlite3_bind_int(stmt, 5, t->valid ? 1 : 0);
	store_db_bind_text(stmt, 6, t->invalid_reason);
	sqlite3_bind_int64(stmt, 7, t->tfo_active);
	sqlite3_bind_int64(stmt, 8, t->tfo_active_fail);
	sqlite3_bind_int64(stmt, 9, t->tfo_passive);
	sqlite3_bind_int64(stmt, 10, t->tfo_passive_fail);
	sqlite3_bind_int64(stmt, 11, t->tfo_cookie_reqd);
	sqlite3_bind_int64(stmt, 12, t->syn_data_acked_conns);
	sqlite3_bind_int64(stmt, 13, t->conns_opened);
	sqlite3_bind_int64(stmt, 14, t->bytes_total);
	sqlite3_bind_int64(stmt, 15, t->retrans_segs);
	sqlite3_bind_int64(stmt, 16, t->link_drops);
	sqlite3_bind_int(stmt, 17, t->stalled ? 1 : 0);
	store_db_bind_opt(stmt, 18, t->steal_ns);
	store_db_bind_text(stmt, 19, t->cc_used);
	store_db_bind_opt(stmt, 20, t->fallbacks);
	store_db_bind_opt(stmt, 21, t->fallback_ns);
	if (st->version >= 6) {
		store_db_bind_opt(stmt, 22, t->cpu_fetch_ns);
		store_db_bind_opt(stmt, 23, t->cpu_origin_ns);
	}
	if (st->version >= 7) {
		store_db_bind_opt(stmt, 24, t->load_event_ns);
		store_db_bind_opt(stmt, 25, t->last_response_ns);
	}
	rc = store_db_step_done(st, what, stmt);
	if (rc == 0)
		*trial_id = sqlite3_last_insert_rowid(st->db);
	return rc;
}

int store_trial_insert(struct store *st, int64_t cond_id, const struct store_trial *t,
		       const struct store_request *reqs, size_t n,
		       const struct store_link_stats link[2])
{
	sqlite3_stmt *req_stmt = NULL, *link_stmt = NULL, *conn_stmt = NULL;
	int64_t trial_id = 0;
	int rc = store_db_exec(st, "BEGIN (trial)", "BEGIN IMMEDIATE");
	if (rc < 0)
		return rc;
	rc = insert_trial_row(st, cond_id, t, &trial_id);
	if (rc < 0)
		goto error;
	if (n > 0) {
		char sql[512];
		snprintf(sql, sizeof(sql),
			 "INSERT INTO requests (trial_id, res_idx, res_id, host, path, conn_id,"
			 " new_conn, syn_data, queued_ns, connect_start_ns, connected_ns,"
			 " req_sent_ns, first_byte_ns, last_byte_ns, body_bytes, status%s)"
			 " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?%s)",
			 st->version >= 6 ? ", tls_done_ns" : "", st->version >= 6 ? ", ?" : "");
		rc = store_db_prep(st, "INSERT requests", sql, &req_stmt);
		for (size_t i = 0; rc == 0 && i < n; i++)
			rc = insert_request(st, req_stmt, trial_id, &reqs[i]);
		if (rc < 0)
			goto error;
	}
	if (t->conns && t->n_conns > 0 && st->version >= 6) {
		rc = store_db_prep(st, "INSERT connections",
			  "INSERT INTO connections (trial_id, conn_id, host, connect_ns, connected_ns,"
			  " tls_done_ns, closed_ns, syn_data, requests, cc, tls_version, tls_resumed,"
			  " tls_early, tls_cipher, tls_group)"
			  " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", &conn_stmt);
		for (size_t i = 0; rc == 0 && i < t->n_conns; i++)
			rc = insert_conn(st, conn_stmt, trial_id, &t->conns[i]);
		if (rc < 0)
			goto error;
	}
	if (link) {
		rc = store_db_prep(st, "INSERT link_stats",
			  "INSERT INTO link_stats (trial_id, direction, pkts, bytes, drops_queue,"
			  " drops_loss, max_queue_pkts, max_queue_bytes, late_pkts, late_ns,"
			  " late_max_ns) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", &link_stmt);
		if (rc == 0)
			rc = insert_link(st, link_stmt, trial_id, "up", &link[STORE_DIR_UP]);
		if (rc == 0)
			rc = insert_link(st, link_stmt, trial_id, "down", &link[STORE_DIR_DOWN]);
		if (rc < 0)
			goto error;
	}
	sqlite3_finalize(req_stmt);
	sqlite3_finalize(link_stmt);
	sqlite3_finalize(conn_stmt);
	req_stmt = link_stmt = conn_stmt = NULL;
	rc = store_db_exec(st, "COMMIT (trial)", "COMMIT");
	if (rc == 0)
		return 0;
error:
	sqlite3_finalize(req_stmt);
	sqlite3_finalize(link_stmt);
	sqlite3_finalize(conn_stmt);
	if (sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL) != SQLITE_OK &&
	    !sqlite3_get_autocommit(st->db))
		store_db_fail(st, "ROLLBACK (trial)");
	return rc;
}

int store_trials_done(struct store *st, int64_t cond_id, int *done, int *stalled)
{
	static const char what[] = "SELECT count(trials)";
	sqlite3_stmt *stmt;
	int rc = store_db_prep(st, what,
			       "SELECT count(*) - total(stalled), total(stalled) FROM trials"
			       " WHERE condition_id = ?", &stmt);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(stmt, 1, cond_id);
	if (sqlite3_step(stmt) == SQLITE_ROW) {
		*done = sqlite3_column_int(stmt, 0);
		*stalled = sqlite3_column_int(stmt, 1);
	} else
		rc = store_db_fail(st, what);
	sqlite3_finalize(stmt);
	return rc;
}

void store_conditions_free(struct store_condition *c, size_t n)
{
	if (!c)
		return;
	for (size_t i = 0; i < n; i++) {
		free((char *)c[i].page);
		free((char *)c[i].backend);
		free((char *)c[i].cc);
		free((char *)c[i].encoding);
	}
	free(c);
}

/* A store_db_row_fn: one conditions row. */
static int condition_read(sqlite3_stmt *stmt, void *elem, void *ctx)
{
	struct store_condition *c = elem;
	(void)ctx;
	c->id = sqlite3_column_int64(stmt, 0);
	c->run_id = sqlite3_column_int64(stmt, 1);
	c->idx = sqlite3_column_int(stmt, 2);
	c->page = store_db_strdup(stmt, 3);
	c->rtt_ns = sqlite3_column_int64(stmt, 4);
	c->down_bps = sqlite3_column_int64(stmt, 5);
	c->up_bps = sqlite3_column_int64(stmt, 6);
	c->queue_pkts = sqlite3_column_int64(stmt, 7);
	c->queue_bytes = sqlite3_column_int64(stmt, 8);
	c->loss = sqlite3_column_double(stmt, 9);
	int mode = tfo_mode_parse((const char *)sqlite3_column_text(stmt, 10));
	if (mode < 0)
		return -EBADMSG;  /* the CHECK constraint makes this unreachable */
	c->tfo_mode = (enum tfo_mode)mode;
	c->tfo_sysctl = sqlite3_column_int(stmt, 11);
	c->per_conn = sqlite3_column_int(stmt, 12);
	c->conns_per_host = sqlite3_column_int(stmt, 13);
	c->trials = sqlite3_column_int(stmt, 14);
	c->warmup = sqlite3_column_int(stmt, 15);
	c->timeout_ns = sqlite3_column_int64(stmt, 16);
	c->backend = store_db_strdup(stmt, 17);
	c->cc = store_db_strdup(stmt, 18);
	c->pair_key = sqlite3_column_int(stmt, 19);
	c->encoding = store_db_strdup(stmt, 20);
	int tls = tls_mode_parse((const char *)sqlite3_column_text(stmt, 21));
	if (tls < 0)
		return -EBADMSG;  /* the CHECK constraint makes this unreachable */
	c->tls = (enum tls_mode)tls;
	int fetcher = fetcher_parse((const char *)sqlite3_column_text(stmt, 22));
	if (fetcher < 0)
		return -EBADMSG;  /* the CHECK constraint makes this unreachable */
	c->fetcher = (enum fetcher)fetcher;
	return c->page ? 0 : -ENOMEM;
}

int store_conditions_list(struct store *st, int64_t run_id, struct store_condition **out, size_t *n)
{
	static const char what[] = "SELECT conditions";
	sqlite3_stmt *stmt;
	struct store_condition *arr = NULL;
	size_t len = 0;
	int rc = store_db_prep(st, what,
		      "SELECT id, run_id, idx, page, rtt_ns, down_bps, up_bps, queue_pkts,"
		      " queue_bytes, loss, tfo_mode, tfo_sysctl, per_conn, conns_per_host,"
		      " trials, warmup, timeout_ns, backend, cc, pair_key, encoding, tls, fetcher"
		      " FROM conditions"
		      " WHERE run_id = ? ORDER BY idx,"
		      " CASE tfo_mode WHEN 'off' THEN 0 WHEN 'on' THEN 1 ELSE 2 END", &stmt);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(stmt, 1, run_id);
	rc = store_db_rows(st, what, stmt, sizeof(*arr), condition_read, NULL, (void **)&arr, &len);
	if (rc < 0) {
		store_conditions_free(arr, len);
		return rc;
	}
	*out = arr;
	*n = len;
	return 0;
}

/* A store_db_row_fn: a valid trial's PLT; an invalid one is counted in *ctx and dropped. */
static int plt_read(sqlite3_stmt *stmt, void *elem, void *ctx)
{
	if (!sqlite3_column_int(stmt, 0)) {
		++*(size_t *)ctx;
		return 1;
	}
	*(int64_t *)elem = sqlite3_column_int64(stmt, 1);
	return 0;
}

int store_condition_plts(struct store *st, int64_t cond_id, int64_t **plts,
			 size_t *n_valid, size_t *n_invalid)
{
	static const char what[] = "SELECT trials";
	sqlite3_stmt *stmt;
	int64_t *arr = NULL;
	size_t len = 0, bad = 0;
	int rc = store_db_prep(st, what,
		      "SELECT valid, plt_ns FROM trials WHERE condition_id = ? ORDER BY seq", &stmt);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(stmt, 1, cond_id);
	rc = store_db_rows(st, what, stmt, sizeof(*arr), plt_read, &bad, (void **)&arr, &len);
	if (rc < 0) {
		free(arr);
		return rc;
	}
	*plts = arr;
	*n_valid = len;
	*n_invalid = bad;
	return 0;
}

int store_run_trial_counts(struct store *st, int64_t run_id, size_t *n_valid, size_t *n_invalid,
			   size_t *n_stalled)
{
	static const char what[] = "SELECT count(trials) of run";
	sqlite3_stmt *stmt;
	int rc = store_db_prep(st, what,
		      "SELECT coalesce(sum(t.valid), 0), coalesce(sum(1 - t.valid), 0),"
		      " coalesce(sum(t.stalled), 0)"
		      " FROM trials t JOIN conditions c ON c.id = t.condition_id"
		      " WHERE c.run_id = ?", &stmt);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(stmt, 1, run_id);
	if (sqlite3_step(stmt) == SQLITE_ROW) {
		*n_valid = (size_t)sqlite3_column_int64(stmt, 0);
		*n_invalid = (size_t)sqlite3_column_int64(stmt, 1);
		if (n_stalled)
			*n_stalled = (size_t)sqlite3_column_int64(stmt, 2);
	} else {
		rc = store_db_fail(st, what);
	}
	sqlite3_finalize(stmt);
	return rc;
}
