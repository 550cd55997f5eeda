/*
 * The result store on SQLite: opening, the schema and its migrations, and
 * runs (conditions and trials are in store_trial.c).  Each public function
 * prepares its statements, runs them and finalizes them; the cost is
 * negligible next to a page load and it keeps every function
 * self-contained.  Errors are logged once, with the statement's name and
 * sqlite3_errmsg, and mapped to an errno.
 */
#include "results/store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "common/log.h"
#include "results/store_db.h"


/*
 * Migrations, applied in order: migrations[i] takes a database from
 * user_version i to i + 1.  Never edit a released entry; append a new one
 * and raise STORE_SCHEMA_VERSION.
 */
static const char *const migrations[] = {
	/* 1: the base schema. */
	"CREATE TABLE runs ("
	"  id INTEGER PRIMARY KEY,"
	"  started_at INTEGER NOT NULL,"
	"  ended_at INTEGER,"
	"  command_line TEXT, experiment_name TEXT, experiment_text TEXT,"
	"  git_describe TEXT, kernel TEXT, link_backend TEXT, host TEXT,"
	"  status TEXT NOT NULL DEFAULT 'running'"
	"    CHECK (status IN ('running', 'done', 'interrupted')));"
	"CREATE TABLE conditions ("
	"  id INTEGER PRIMARY KEY,"
	"  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	"  idx INTEGER NOT NULL CHECK (idx >= 0),"
	"  pair_key INTEGER NOT NULL CHECK (pair_key >= 0),"
	"  page TEXT NOT NULL,"
	"  rtt_ns INTEGER NOT NULL, down_bps INTEGER NOT NULL, up_bps INTEGER NOT NULL,"
	"  queue_pkts INTEGER, queue_bytes INTEGER, loss REAL NOT NULL DEFAULT 0,"
	"  tfo_mode TEXT NOT NULL CHECK (tfo_mode IN ('off', 'on', 'cookie')),"
	"  tfo_sysctl INTEGER NOT NULL,"
	"  per_conn INTEGER NOT NULL DEFAULT 0 CHECK (per_conn >= 0),"
	"  conns_per_host INTEGER, trials INTEGER, warmup INTEGER, timeout_ns INTEGER,"
	"  backend TEXT, cc TEXT,"
	"  UNIQUE (run_id, idx, tfo_mode),"
	"  UNIQUE (run_id, pair_key, tfo_mode));"
	"CREATE TABLE trials ("
	"  id INTEGER PRIMARY KEY,"
	"  condition_id INTEGER NOT NULL REFERENCES conditions(id) ON DELETE CASCADE,"
	"  seq INTEGER NOT NULL CHECK (seq >= 0),"
	"  started_at INTEGER, plt_ns INTEGER,"
	"  valid INTEGER NOT NULL CHECK (valid IN (0, 1)), invalid_reason TEXT,"
	"  tfo_active INTEGER, tfo_active_fail INTEGER, tfo_passive INTEGER,"
	"  tfo_passive_fail INTEGER, tfo_cookie_reqd INTEGER,"
	"  syn_data_acked_conns INTEGER, conns_opened INTEGER, bytes_total INTEGER,"
	"  retrans_segs INTEGER, link_drops INTEGER,"
	"  UNIQUE (condition_id, seq));"
	"CREATE TABLE requests ("
	"  trial_id INTEGER NOT NULL REFERENCES trials(id) ON DELETE CASCADE,"
	"  res_idx INTEGER NOT NULL CHECK (res_idx >= 0),"
	"  res_id TEXT, host TEXT NOT NULL, path TEXT, conn_id INTEGER,"
	"  new_conn INTEGER CHECK (new_conn IN (0, 1)),"
	"  syn_data INTEGER CHECK (syn_data IN (0, 1)),"
	"  queued_ns INTEGER, connect_start_ns INTEGER, connected_ns INTEGER,"
	"  req_sent_ns INTEGER, first_byte_ns INTEGER, last_byte_ns INTEGER,"
	"  body_bytes INTEGER, status INTEGER,"
	"  PRIMARY KEY (trial_id, res_idx));"
	"CREATE TABLE link_stats ("
	"  trial_id INTEGER NOT NULL REFERENCES trials(id) ON DELETE CASCADE,"
	"  direction TEXT NOT NULL CHECK (direction IN ('up', 'down')),"
	"  pkts INTEGER, bytes INTEGER, drops_queue INTEGER, drops_loss INTEGER,"
	"  max_queue_pkts INTEGER, max_queue_bytes INTEGER,"
	"  PRIMARY KEY (trial_id, direction));",

	/* 2: a flat view of every trial for ad hoc sqlite3 queries. */
	"CREATE VIEW plt AS"
	"  SELECT c.run_id, c.idx, c.pair_key, c.page, c.rtt_ns / 1000000.0 AS rtt_ms,"
	"         c.tfo_mode, c.per_conn, t.seq, t.plt_ns / 1e9 AS plt_s,"
	"         t.valid, t.invalid_reason"
	"  FROM trials t JOIN conditions c ON c.id = t.condition_id;",

	/* 3: host stalls (verify/stall.h): the trial is repeated, so its row
	 * says so; the guest's steal time; the link's late deliveries. */
	"ALTER TABLE trials ADD COLUMN stalled INTEGER NOT NULL DEFAULT 0"
	"  CHECK (stalled IN (0, 1));"
	"ALTER TABLE trials ADD COLUMN steal_ns INTEGER;"
	"ALTER TABLE conditions ADD COLUMN stall_limit_ns INTEGER;"
	"ALTER TABLE link_stats ADD COLUMN late_pkts INTEGER;"
	"ALTER TABLE link_stats ADD COLUMN late_ns INTEGER;"
	"ALTER TABLE link_stats ADD COLUMN late_max_ns INTEGER;"
	"DROP VIEW plt;"
	"CREATE VIEW plt AS"
	"  SELECT c.run_id, c.idx, c.pair_key, c.page, c.rtt_ns / 1000000.0 AS rtt_ms,"
	"         c.tfo_mode, c.per_conn, t.seq, t.plt_ns / 1e9 AS plt_s,"
	"         t.valid, t.invalid_reason, t.stalled, t.steal_ns / 1e6 AS steal_ms"
	"  FROM trials t JOIN conditions c ON c.id = t.condition_id;",

	/* 4: the workload on the wire and what the kernel did: the page's
	 * encoding (wire or decoded bodies); the congestion control that the
	 * trial's connections reported (TCP_CONGESTION); TFO fallbacks after
	 * a SYN with data was dropped on the link (valid trials), with the
	 * time they cost.  NULL where not measured (older runs). */
	"ALTER TABLE conditions ADD COLUMN encoding TEXT;"
	"ALTER TABLE trials ADD COLUMN cc_used TEXT;"
	"ALTER TABLE trials ADD COLUMN fallbacks INTEGER;"
	"ALTER TABLE trials ADD COLUMN fallback_ns INTEGER;"
	"DROP VIEW plt;"
	"CREATE VIEW plt AS"
	"  SELECT c.run_id, c.idx, c.pair_key, c.page, c.rtt_ns / 1000000.0 AS rtt_ms,"
	"         c.tfo_mode, c.per_conn, c.encoding, t.seq, t.plt_ns / 1e9 AS plt_s,"
	"         t.valid, t.invalid_reason, t.stalled, t.steal_ns / 1e6 AS steal_ms,"
	"         t.cc_used, t.fallbacks, t.fallback_ns / 1e6 AS fallback_ms"
	"  FROM trials t JOIN conditions c ON c.id = t.condition_id;",

	/* 5: sweeps split over machines (run/shard.h).  A run of one shard
	 * says which (shard_k of shard_n; NULL: the whole matrix).  A run
	 * merged from shards (results/store_merge.c) has shard_n and no
	 * shard_k, and one row per shard here with the shard's provenance. */
	"ALTER TABLE runs ADD COLUMN shard_k INTEGER CHECK (shard_k >= 1);"
	"ALTER TABLE runs ADD COLUMN shard_n INTEGER CHECK (shard_n >= 1);"
	"CREATE TABLE shards ("
	"  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	"  k INTEGER NOT NULL CHECK (k >= 1),"
	"  n INTEGER NOT NULL CHECK (n >= k),"
	"  started_at INTEGER NOT NULL, ended_at INTEGER,"
	"  status TEXT NOT NULL, command_line TEXT, git_describe TEXT, kernel TEXT,"
	"  link_backend TEXT, host TEXT,"
	"  source TEXT,"          /* the database it was merged from */
	"  PRIMARY KEY (run_id, k));",

	/* 6: HTTPS (issue 12).  A condition's TLS mode ('off' = plain HTTP,
	 * as every run before it was); each connection of a trial with what
	 * TLS negotiated (NULL without TLS); when a request's connection
	 * finished its TLS handshake; the CPU time the fetcher and the origin
	 * spent on a trial (NULL where not measured). */
	"ALTER TABLE conditions ADD COLUMN tls TEXT NOT NULL DEFAULT 'off'"
	"  CHECK (tls IN ('off', '1.2', '1.3', '1.3-early'));"
	"ALTER TABLE requests ADD COLUMN tls_done_ns INTEGER;"
	"ALTER TABLE trials ADD COLUMN cpu_fetch_ns INTEGER;"
	"ALTER TABLE trials ADD COLUMN cpu_origin_ns INTEGER;"
	"CREATE TABLE connections ("
	"  trial_id INTEGER NOT NULL REFERENCES trials(id) ON DELETE CASCADE,"
	"  conn_id INTEGER NOT NULL CHECK (conn_id >= 0),"
	"  host TEXT, connect_ns INTEGER, connected_ns INTEGER, tls_done_ns INTEGER,"
	"  closed_ns INTEGER, syn_data INTEGER CHECK (syn_data IN (0, 1)),"
	"  requests INTEGER, cc TEXT,"
	"  tls_version INTEGER,"   /* as on the wire: 771 TLS 1.2, 772 TLS 1.3 */
	"  tls_resumed INTEGER CHECK (tls_resumed IN (0, 1)),"
	"  tls_early TEXT CHECK (tls_early IN ('none', 'sent', 'accepted', 'rejected')),"
	"  tls_cipher TEXT, tls_group TEXT,"
	"  PRIMARY KEY (trial_id, conn_id));"
	"DROP VIEW plt;"
	"CREATE VIEW plt AS"
	"  SELECT c.run_id, c.idx, c.pair_key, c.page, c.rtt_ns / 1000000.0 AS rtt_ms,"
	"         c.tfo_mode, c.tls, c.per_conn, c.encoding, t.seq, t.plt_ns / 1e9 AS plt_s,"
	"         t.valid, t.invalid_reason, t.stalled, t.steal_ns / 1e6 AS steal_ms,"
	"         t.cc_used, t.fallbacks, t.fallback_ns / 1e6 AS fallback_ms,"
	"         t.cpu_fetch_ns / 1e6 AS cpu_fetch_ms, t.cpu_origin_ns / 1e6 AS cpu_origin_ms"
	"  FROM trials t JOIN conditions c ON c.id = t.condition_id;",

	/* 7: a real browser beside our fetcher (issue 15).  A condition's
	 * fetcher ('builtin' = ours, as every run before it); a trial's
	 * Navigation Timing loadEventEnd (NULL for the builtin fetcher, which
	 * has no load event) and the end of its last response (either
	 * fetcher), both ns from the trial's start. */
	"ALTER TABLE conditions ADD COLUMN fetcher TEXT NOT NULL DEFAULT 'builtin'"
	"  CHECK (fetcher IN ('builtin', 'chromium'));"
	"ALTER TABLE trials ADD COLUMN load_event_ns INTEGER;"
	"ALTER TABLE trials ADD COLUMN last_response_ns INTEGER;"
	"DROP VIEW plt;"
	"CREATE VIEW plt AS"
	"  SELECT c.run_id, c.idx, c.pair_key, c.page, c.rtt_ns / 1000000.0 AS rtt_ms,"
	"         c.tfo_mode, c.tls, c.fetcher, c.per_conn, c.encoding, t.seq,"
	"         t.plt_ns / 1e9 AS plt_s,"
	"         t.valid, t.invalid_reason, t.stalled, t.steal_ns / 1e6 AS steal_ms,"
	"         t.cc_used, t.fallbacks, t.fallback_ns / 1e6 AS fallback_ms,"
	"         t.cpu_fetch_ns / 1e6 AS cpu_fetch_ms, t.cpu_origin_ns / 1e6 AS cpu_origin_ms,"
	"         t.load_event_ns / 1e9 AS load_event_s,"
	"         t.last_response_ns / 1e9 AS last_response_s"
	"  FROM trials t JOIN conditions c ON c.id = t.condition_id;",
};

_Static_assert(sizeof(migrations) / sizeof(migrations[0]) == STORE_SCHEMA_VERSION,
	       "one migration per schema version");

static int errno_of(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_NOMEM: return -ENOMEM;
	case SQLITE_BUSY:
	case SQLITE_LOCKED: return -EBUSY;
	case SQLITE_READONLY: return -EROFS;
	case SQLITE_CANTOPEN: return -ENOENT;
	case SQLITE_NOTADB:
	case SQLITE_CORRUPT: return -EBADMSG;
	case SQLITE_FULL: return -ENOSPC;
	case SQLITE_PERM:
	case SQLITE_AUTH: return -EACCES;
	case SQLITE_CONSTRAINT:
		if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
			return -EEXIST;
		return -EINVAL;
	default: return -EIO;
	}
}

/* Logs the database's last error for statement `what`; returns its errno. */
int store_db_grow(void **arr, size_t *cap, size_t len, size_t size)
{
	if (len < *cap)
		return 0;
	size_t ncap = *cap ? 2 * *cap : 16;
	void *p = realloc(*arr, ncap * size);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = ncap;
	return 0;
}

int store_db_rows(struct store *st, const char *what, sqlite3_stmt *stmt, size_t size,
		  store_db_row_fn row, void *ctx, void **arr, size_t *len)
{
	size_t cap = *len;
	int s, rc = 0;
	while ((s = sqlite3_step(stmt)) == SQLITE_ROW) {
		if ((rc = store_db_grow(arr, &cap, *len, size)) < 0)
			break;
		char *elem = (char *)*arr + *len * size;
		memset(elem, 0, size);
		rc = row(stmt, elem, ctx);
		if (rc <= 0)
			(*len)++;    /* a failed element too: it may own strings */
		if (rc < 0)
			break;
		rc = 0;
	}
	if (rc == 0 && s != SQLITE_DONE)
		rc = store_db_fail(st, what);
	sqlite3_finalize(stmt);
	return rc;
}

int store_db_fail(struct store *st, const char *what)
{
	int rc = sqlite3_extended_errcode(st->db);
	log_err("store %s: %s: %s", st->path, what, sqlite3_errmsg(st->db));
	return errno_of(rc);
}

int store_db_exec(struct store *st, const char *what, const char *sql)
{
	if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return store_db_fail(st, what);
	return 0;
}

int store_db_prep(struct store *st, const char *what, const char *sql, sqlite3_stmt **stmt)
{
	if (sqlite3_prepare_v2(st->db, sql, -1, stmt, NULL) != SQLITE_OK)
		return store_db_fail(st, what);
	return 0;
}

/* Steps a statement that returns no rows; finalizes it either way. */
int store_db_step_done(struct store *st, const char *what, sqlite3_stmt *stmt)
{
	int rc = sqlite3_step(stmt) == SQLITE_DONE ? 0 : store_db_fail(st, what);
	sqlite3_finalize(stmt);
	return rc;
}

int store_db_bind_text(sqlite3_stmt *stmt, int i, const char *s)
{
	return s ? sqlite3_bind_text(stmt, i, s, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(stmt, i);
}

int store_db_bind_opt(sqlite3_stmt *stmt, int i, int64_t v)
{
	return v < 0 ? sqlite3_bind_null(stmt, i) : sqlite3_bind_int64(stmt, i, v);
}

char *store_db_strdup(sqlite3_stmt *stmt, int i)
{
	const unsigned char *s = sqlite3_column_text(stmt, i);
	return s ? strdup((const char *)s) : NULL;
}

static int user_version(struct store *st)
{
	sqlite3_stmt *stmt;
	int rc = store_db_prep(st, "PRAGMA user_version", "PRAGMA user_version", &stmt);
	if (rc < 0)
		return rc;
	if (sqlite3_step(stmt) == SQLITE_ROW)
		rc = sqlite3_column_int(stmt, 0);
	else
		rc = store_db_fail(st, "PRAGMA user_version");
	sqlite3_finalize(stmt);
	return rc;
}

static int count_objects(struct store *st)
{
	static const char what[] = "SELECT count(sqlite_master)";
	sqlite3_stmt *stmt;
	int rc = store_db_prep(st, what, "SELECT count(*) FROM sqlite_master", &stmt);
	if (rc < 0)
		return rc;
	if (sqlite3_step(stmt) == SQLITE_ROW)
		rc = sqlite3_column_int(stmt, 0);
	else
		rc = store_db_fail(st, what);
	sqlite3_finalize(stmt);
	return rc;
}

static int migrate(struct store *st, int target)
{
	int cur = user_version(st);
	if (cur < 0)
		return cur;
	if (cur > STORE_SCHEMA_VERSION) {
		log_err("store %s: schema version %d is newer than this tfolab's %d",
			st->path, cur, STORE_SCHEMA_VERSION);
		return -EPROTO;
	}
	if (cur == 0) {
		int n = count_objects(st);
		if (n < 0)
			return n;
		if (n > 0) {
			/* Someone else's database: do not write our schema into it. */
			log_err("store %s: not a tfolab database (it has tables but no schema version)",
				st->path);
			return -EPROTO;
		}
	}
	/* WAL only once the file is known to be ours: the mode is persistent.
	 * Readers (tfolab table) then never block the writer (tfolab run). */
	int rc = store_db_exec(st, "PRAGMA journal_mode", "PRAGMA journal_mode = WAL");
	if (rc < 0)
		return rc;
	for (int v = cur; v < target; v++) {
		char pragma[64];
		rc = store_db_exec(st, "BEGIN (migration)", "BEGIN IMMEDIATE");
		if (rc < 0)
			return rc;
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", v + 1);
		rc = store_db_exec(st, "migration", migrations[v]);
		if (rc == 0)
			rc = store_db_exec(st, "PRAGMA user_version", pragma);
		if (rc == 0)
			rc = store_db_exec(st, "COMMIT (migration)", "COMMIT");
		if (rc < 0) {
			sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
			log_err("store %s: migration to schema version %d failed", st->path, v + 1);
			return rc;
		}
		if (cur > 0)
			log_info("store %s: migrated schema to version %d", st->path, v + 1);
	}
	return 0;
}

int store_open_version(const char *path, int version, struct store **out)
{
	if (version < 1 || version > STORE_SCHEMA_VERSION)
		return -EINVAL;
	struct store *st = calloc(1, sizeof(*st));
	if (!st || !(st->path = strdup(path))) {
		free(st);
		return -ENOMEM;
	}
	int rc;
	if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		rc = st->db ? store_db_fail(st, "open") : -ENOMEM;
		goto error;
	}
	sqlite3_extended_result_codes(st->db, 1);
	/* Another process (a parallel `tfolab table`) may hold a lock briefly. */
	sqlite3_busy_timeout(st->db, 5000);
	rc = store_db_exec(st, "PRAGMA foreign_keys", "PRAGMA foreign_keys = ON");
	if (rc == 0)
		rc = store_db_exec(st, "PRAGMA synchronous", "PRAGMA synchronous = NORMAL");
	if (rc == 0)
		rc = migrate(st, version);
	if (rc < 0)
		goto error;
	st->version = version;
	*out = st;
	return 0;
error:
	store_close(st);
	return rc;
}

int store_open(const char *path, struct store **out)
{
	return store_open_version(path, STORE_SCHEMA_VERSION, out);
}

void store_close(struct store *st)
{
	if (!st)
		return;
	if (st->db && sqlite3_close(st->db) != SQLITE_OK)
		log_err("store %s: close: %s", st->path, sqlite3_errmsg(st->db));
	free(st->path);
	free(st);
}

int store_schema_version(struct store *st)
{
	return user_version(st);
}

int store_journal_mode(struct store *st, char *buf, size_t len)
{
	sqlite3_stmt *stmt;
	int rc = store_db_prep(st, "PRAGMA journal_mode", "PRAGMA journal_mode", &stmt);
	if (rc < 0)
		return rc;
	if (sqlite3_step(stmt) == SQLITE_ROW)
		snprintf(buf, len, "%s", (const char *)sqlite3_column_text(stmt, 0));
	else
		rc = store_db_fail(st, "PRAGMA journal_mode");
	sqlite3_finalize(stmt);
	return rc;
}

int store_run_begin(struct store *st, const struct store_run *r, int64_t *run_id)
{
	static const char what[] = "INSERT runs";
	sqlite3_stmt *stmt;
	/* Tests build databases of older schemas (store_open_version) with
	 * runs in them; before version 5 a run has no shard. */
	int v = st->version;
	int rc = store_db_prep(st, what, v >= 5 ?
		      "INSERT INTO runs (started_at, command_line, experiment_name,"
		      " experiment_text, git_describe, kernel, link_backend, host, status,"
		      " shard_k, shard_n)"
		      " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'running', ?, ?)" :
		      "INSERT INTO runs (started_at, command_line, experiment_name,"
		      " experiment_text, git_describe, kernel, link_backend, host, status)"
		      " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'running')", &stmt);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(stmt, 1, r->started_at);
	store_db_bind_text(stmt, 2, r->command_line);
	store_db_bind_text(stmt, 3, r->experiment_name);
	store_db_bind_text(stmt, 4, r->experiment_text);
	store_db_bind_text(stmt, 5, r->git_describe);
	store_db_bind_text(stmt, 6, r->kernel);
	store_db_bind_text(stmt, 7, r->link_backend);
	store_db_bind_text(stmt, 8, r->host);
	if (v >= 5) {
		store_db_bind_opt(stmt, 9, r->shard_k > 0 ? r->shard_k : -1);
		store_db_bind_opt(stmt, 10, r->shard_n > 0 ? r->shard_n : -1);
	}
	rc = store_db_step_done(st, what, stmt);
	if (rc == 0)
		*run_id = sqlite3_last_insert_rowid(st->db);
	return rc;
}

int store_run_end(struct store *st, int64_t run_id, const char *status, int64_t ended_at)
{
	static const char what[] = "UPDATE runs";
	if (!status || (strcmp(status, "done") && strcmp(status, "interrupted"))) {
		log_err("store %s: run %lld: status '%s' is not done or interrupted",
			st->path, (long long)run_id, status ? status : "(null)");
		return -EINVAL;
	}
	sqlite3_stmt *stmt;
	int rc = store_db_prep(st, what, "UPDATE runs SET status = ?, ended_at = ? WHERE id = ?", &stmt);
	if (rc < 0)
		return rc;
	store_db_bind_text(stmt, 1, status);
	sqlite3_bind_int64(stmt, 2, ended_at);
	sqlite3_bind_int64(stmt, 3, run_id);
	rc = store_db_step_done(st, what, stmt);
	if (rc == 0 && sqlite3_changes(st->db) == 0) {
		log_err("store %s: no run %lld", st->path, (long long)run_id);
		rc = -ENOENT;
	}
	return rc;
}

int store_run_latest(struct store *st, int64_t *run_id)
{
	static const char what[] = "SELECT latest run";
	sqlite3_stmt *stmt;
	int rc = store_db_prep(st, what, "SELECT id FROM runs ORDER BY id DESC LIMIT 1", &stmt);
	if (rc < 0)
		return rc;
	int s = sqlite3_step(stmt);
	if (s == SQLITE_ROW)
		*run_id = sqlite3_column_int64(stmt, 0);
	else if (s == SQLITE_DONE)
		rc = -ENOENT;  /* not an error of the database; the caller reports it */
	else
		rc = store_db_fail(st, what);
	sqlite3_finalize(stmt);
	return rc;
}

int store_run_get(struct store *st, int64_t run_id, struct store_run *r)
{
	static const char what[] = "SELECT run";
	sqlite3_stmt *stmt;
	int rc = store_db_prep(st, what,
		      "SELECT id, started_at, ended_at, command_line, experiment_name,"
		      " experiment_text, git_describe, kernel, link_backend, host, status,"
		      " shard_k, shard_n,"
		      " (SELECT count(*) FROM shards s WHERE s.run_id = runs.id),"
		      " (SELECT count(DISTINCT coalesce(s.host, '')) FROM shards s"
		      "   WHERE s.run_id = runs.id)"
		      " FROM runs WHERE id = ?", &stmt);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(stmt, 1, run_id);
	memset(r, 0, sizeof(*r));
	int s = sqlite3_step(stmt);
	if (s == SQLITE_ROW) {
		r->id = sqlite3_column_int64(stmt, 0);
		r->started_at = sqlite3_column_int64(stmt, 1);
		r->ended_at = sqlite3_column_int64(stmt, 2);
		r->command_line = store_db_strdup(stmt, 3);
		r->experiment_name = store_db_strdup(stmt, 4);
		r->experiment_text = store_db_strdup(stmt, 5);
		r->git_describe = store_db_strdup(stmt, 6);
		r->kernel = store_db_strdup(stmt, 7);
		r->link_backend = store_db_strdup(stmt, 8);
		r->host = store_db_strdup(stmt, 9);
		r->status = store_db_strdup(stmt, 10);
		r->shard_k = sqlite3_column_int(stmt, 11);
		r->shard_n = sqlite3_column_int(stmt, 12);
		r->merged_shards = sqlite3_column_int(stmt, 13);
		r->merged_hosts = sqlite3_column_int(stmt, 14);
		if (!r->status) {
			store_run_release(r);
			rc = -ENOMEM;
		}
	} else if (s == SQLITE_DONE) {
		rc = -ENOENT;
	} else {
		rc = store_db_fail(st, what);
	}
	sqlite3_finalize(stmt);
	return rc;
}

void store_run_release(struct store_run *r)
{
	free((char *)r->command_line);
	free((char *)r->experiment_name);
	free((char *)r->experiment_text);
	free((char *)r->git_describe);
	free((char *)r->kernel);
	free((char *)r->link_backend);
	free((char *)r->host);
	free((char *)r->status);
	memset(r, 0, sizeof(*r));
}
