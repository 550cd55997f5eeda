/*
 * Reading trials back: every trial of a condition for the statistics of
 * Table 1 (results/cells.c), and the valid trials of a condition and the
 * requests and connections of one trial, for the figures that show one
 * load (waterfalls, HARs).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "results/store_db.h"

/* A store_db_row_fn: one valid trial's id, seq and PLT. */
static int trial_ref_read(sqlite3_stmt *stmt, void *elem, void *ctx)
{
	(void)ctx;
	*(struct store_trial_ref *)elem = (struct store_trial_ref){
		.id = sqlite3_column_int64(stmt, 0),
		.seq = sqlite3_column_int(stmt, 1),
		.plt_ns = sqlite3_column_int64(stmt, 2),
	};
	return 0;
}

int store_condition_trials(struct store *st, int64_t cond_id, struct store_trial_ref **out, size_t *n)
{
	static const char what[] = "SELECT trials";
	sqlite3_stmt *stmt;
	struct store_trial_ref *arr = NULL;
	size_t len = 0;
	int rc = store_db_prep(st, what, "SELECT id, seq, plt_ns FROM trials"
			       " WHERE condition_id = ? AND valid = 1 ORDER BY seq", &stmt);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(stmt, 1, cond_id);
	rc = store_db_rows(st, what, stmt, sizeof(*arr), trial_ref_read, NULL, (void **)&arr, &len);
	if (rc < 0) {
		free(arr);
		return rc;
	}
	*out = arr;
	*n = len;
	return 0;
}

/* store_db_strdup, telling an out-of-memory NULL from a NULL column. */
static const char *dup_col(sqlite3_stmt *stmt, int i, int *nomem)
{
	char *d = store_db_strdup(stmt, i);
	if (!d && sqlite3_column_type(stmt, i) != SQLITE_NULL)
		*nomem = 1;
	return d;
}

/* NULL reads as -1: "unknown" for counts, the fetcher's "never" for times. */
static int64_t opt_col(sqlite3_stmt *stmt, int i)
{
	return sqlite3_column_type(stmt, i) == SQLITE_NULL ? -1 : sqlite3_column_int64(stmt, i);
}

/* A store_db_row_fn: one trial's verdict, PLT, fallbacks and cc. */
static int trial_stat_read(sqlite3_stmt *stmt, void *elem, void *ctx)
{
	struct store_trial_stat *t = elem;
	(void)ctx;
	*t = (struct store_trial_stat){
		.seq = sqlite3_column_int(stmt, 0),
		.valid = sqlite3_column_int(stmt, 1),
		.stalled = sqlite3_column_int(stmt, 2),
		.plt_ns = sqlite3_column_int64(stmt, 3),
		.fallbacks = opt_col(stmt, 4),
		.cc_used = store_db_strdup(stmt, 5),
	};
	return !t->cc_used && sqlite3_column_type(stmt, 5) != SQLITE_NULL ? -ENOMEM : 0;
}

int store_condition_trial_stats(struct store *st, int64_t cond_id,
				struct store_trial_stat **out, size_t *n)
{
	static const char what[] = "SELECT trials (stats)";
	sqlite3_stmt *stmt;
	struct store_trial_stat *arr = NULL;
	size_t len = 0;
	int rc = store_db_prep(st, what, "SELECT seq, valid, stalled, plt_ns, fallbacks, cc_used"
			       " FROM trials WHERE condition_id = ? ORDER BY seq", &stmt);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(stmt, 1, cond_id);
	rc = store_db_rows(st, what, stmt, sizeof(*arr), trial_stat_read, NULL, (void **)&arr, &len);
	if (rc < 0) {
		store_trial_stats_free(arr, len);
		return rc;
	}
	*out = arr;
	*n = len;
	return 0;
}

void store_trial_stats_free(struct store_trial_stat *t, size_t n)
{
	if (!t)
		return;
	for (size_t i = 0; i < n; i++)
		free(t[i].cc_used);
	free(t);
}

/* A store_db_row_fn: one request of a trial, its strings copied. */
static int request_read(sqlite3_stmt *stmt, void *elem, void *ctx)
{
	int nomem = 0;
	(void)ctx;
	*(struct store_request *)elem = (struct store_request){
		.res_idx = sqlite3_column_int(stmt, 0),
		.res_id = dup_col(stmt, 1, &nomem),
		.host = dup_col(stmt, 2, &nomem),
		.path = dup_col(stmt, 3, &nomem),
		.conn_id = sqlite3_column_type(stmt, 4) == SQLITE_NULL ? -1
			   : sqlite3_column_int(stmt, 4),
		.new_conn = sqlite3_column_int(stmt, 5),
		.syn_data = sqlite3_column_int(stmt, 6),
		.queued_ns = opt_col(stmt, 7),
		.connect_start_ns = opt_col(stmt, 8),
		.connected_ns = opt_col(stmt, 9),
		.req_sent_ns = opt_col(stmt, 10),
		.first_byte_ns = opt_col(stmt, 11),
		.last_byte_ns = opt_col(stmt, 12),
		.body_bytes = sqlite3_column_int64(stmt, 13),
		.status = sqlite3_column_int(stmt, 14),
		.tls_done_ns = opt_col(stmt, 15),
	};
	return nomem ? -ENOMEM : 0;
}

int store_trial_requests(struct store *st, int64_t trial_id, struct store_request **out, size_t *n)
{
	static const char what[] = "SELECT requests";
	sqlite3_stmt *stmt;
	struct store_request *arr = NULL;
	size_t len = 0;
	int rc = store_db_prep(st, what, "SELECT res_idx, res_id, host, path, conn_id, new_conn,"
			       " syn_data, queued_ns, connect_start_ns, connected_ns, req_sent_ns,"
			       " first_byte_ns, last_byte_ns, body_bytes, status, tls_done_ns FROM requests"
			       " WHERE trial_id = ? ORDER BY res_idx", &stmt);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(stmt, 1, trial_id);
	rc = store_db_rows(st, what, stmt, sizeof(*arr), request_read, NULL, (void **)&arr, &len);
	if (rc < 0) {
		store_requests_free(arr, len);
		return rc;
	}
	*out = arr;
	*n = len;
	return 0;
}

void store_requests_free(struct store_request *r, size_t n)
{
	if (!r)
		return;
	for (size_t i = 0; i < n; i++) {
		free((char *)r[i].res_id);
		free((char *)r[i].host);
		free((char *)r[i].path);
	}
	free(r);
}

/* A store_db_row_fn: one connection of a trial, its strings copied. */
static int conn_read(sqlite3_stmt *stmt, void *elem, void *ctx)
{
	int nomem = 0;
	(void)ctx;
	*(struct store_conn *)elem = (struct store_conn){
		.conn_id = sqlite3_column_int(stmt, 0),
		.host = dup_col(stmt, 1, &nomem),
		.connect_ns = opt_col(stmt, 2),
		.connected_ns = opt_col(stmt, 3),
		.tls_done_ns = opt_col(stmt, 4),
		.closed_ns = opt_col(stmt, 5),
		.syn_data = sqlite3_column_int(stmt, 6),
		.requests = sqlite3_column_int(stmt, 7),
		.cc = dup_col(stmt, 8, &nomem),
		.tls_version = sqlite3_column_int(stmt, 9),  /* NULL reads 0: no TLS */
		.tls_resumed = sqlite3_column_int(stmt, 10),
		.tls_early = dup_col(stmt, 11, &nomem),
		.tls_cipher = dup_col(stmt, 12, &nomem),
		.tls_group = dup_col(stmt, 13, &nomem),
	};
	return nomem ? -ENOMEM : 0;
}

int store_trial_conns(struct store *st, int64_t trial_id, struct store_conn **out, size_t *n)
{
	static const char what[] = "SELECT connections";
	sqlite3_stmt *stmt;
	struct store_conn *arr = NULL;
	size_t len = 0;
	int rc = store_db_prep(st, what, "SELECT conn_id, host, connect_ns, connected_ns,"
			       " tls_done_ns, closed_ns, syn_data, requests, cc, tls_version,"
			       " tls_resumed, tls_early, tls_cipher, tls_group FROM connections"
			       " WHERE trial_id = ? ORDER BY conn_id", &stmt);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(stmt, 1, trial_id);
	rc = store_db_rows(st, what, stmt, sizeof(*arr), conn_read, NULL, (void **)&arr, &len);
	if (rc < 0) {
		store_conns_free(arr, len);
		return rc;
	}
	*out = arr;
	*n = len;
	return 0;
}

void store_conns_free(struct store_conn *c, size_t n)
{
	if (!c)
		return;
	for (size_t i = 0; i < n; i++) {
		free((char *)c[i].host);
		free((char *)c[i].cc);
		free((char *)c[i].tls_early);
		free((char *)c[i].tls_cipher);
		free((char *)c[i].tls_group);
	}
	free(c);
}

int store_trial_find(struct store *st, int64_t trial_id, struct store_trial_info *out)
{
	static const char what[] = "SELECT trial";
	sqlite3_stmt *stmt;
	int prc = store_db_prep(st, what, "SELECT t.condition_id, c.run_id, t.seq, t.started_at,"
			       " t.plt_ns, t.valid, t.invalid_reason FROM trials t"
			       " JOIN conditions c ON c.id = t.condition_id WHERE t.id = ?", &stmt);
	if (prc < 0)
		return prc;
	sqlite3_bind_int64(stmt, 1, trial_id);
	int s = sqlite3_step(stmt), rc = 0, nomem = 0;
	if (s == SQLITE_ROW) {
		*out = (struct store_trial_info){
			.cond_id = sqlite3_column_int64(stmt, 0),
			.run_id = sqlite3_column_int64(stmt, 1),
			.seq = sqlite3_column_int(stmt, 2),
			.started_at = opt_col(stmt, 3),
			.plt_ns = opt_col(stmt, 4),
			.valid = sqlite3_column_int(stmt, 5),
			.invalid_reason = (char *)dup_col(stmt, 6, &nomem),
		};
		rc = nomem ? -ENOMEM : 0;
	} else {
		rc = s == SQLITE_DONE ? -ENOENT : store_db_fail(st, what);
	}
	sqlite3_finalize(stmt);
	return rc;
}
