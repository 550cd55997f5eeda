/*
 * The result store on SQLite.  Each public function prepares its statements,
 * runs them and finalizes them; the cost is negligible next to a page load
 * and it keeps every function self-contained.  Errors are logged here, once,
 * with the statement's name and sqlite3_errmsg, and mapped to an errno.
 */
#include "results/store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "harness/log.h"

struct store {
	sqlite3 *db;
	char *path;
};

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
};

_Static_assert(sizeof(migrations) / sizeof(migrations[0]) == STORE_SCHEMA_VERSION,
	       "one migration per schema version");

static const char *const tfo_mode_names[] = { "off", "on", "cookie" };

const char *store_tfo_mode_name(enum store_tfo_mode m)
{
	if ((unsigned)m >= sizeof(tfo_mode_names) / sizeof(tfo_mode_names[0]))
		return "?";
	return tfo_mode_names[m];
}

int store_tfo_mode_parse(const char *name, enum store_tfo_mode *out)
{
	for (size_t i = 0; i < sizeof(tfo_mode_names) / sizeof(tfo_mode_names[0]); i++)
		if (name && !strcmp(name, tfo_mode_names[i])) {
			*out = (enum store_tfo_mode)i;
			return 0;
		}
	return -EINVAL;
}

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
static int db_fail(struct store *st, const char *what)
{
	int rc = sqlite3_extended_errcode(st->db);
	log_err("store %s: %s: %s", st->path, what, sqlite3_errmsg(st->db));
	return errno_of(rc);
}

static int exec(struct store *st, const char *what, const char *sql)
{
	if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(st, what);
	return 0;
}

static int prep(struct store *st, const char *what, const char *sql, sqlite3_stmt **stmt)
{
	if (sqlite3_prepare_v2(st->db, sql, -1, stmt, NULL) != SQLITE_OK)
		return db_fail(st, what);
	return 0;
}

/* Steps a statement that returns no rows; finalizes it either way. */
static int step_done(struct store *st, const char *what, sqlite3_stmt *stmt)
{
	int rc = sqlite3_step(stmt) == SQLITE_DONE ? 0 : db_fail(st, what);
	sqlite3_finalize(stmt);
	return rc;
}

static int bind_text(sqlite3_stmt *stmt, int i, const char *s)
{
	return s ? sqlite3_bind_text(stmt, i, s, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(stmt, i);
}

static char *col_strdup(sqlite3_stmt *stmt, int i)
{
	const unsigned char *s = sqlite3_column_text(stmt, i);
	return s ? strdup((const char *)s) : NULL;
}

static int user_version(struct store *st)
{
	sqlite3_stmt *stmt;
	int rc = prep(st, "PRAGMA user_version", "PRAGMA user_version", &stmt);
	if (rc < 0)
		return rc;
	if (sqlite3_step(stmt) == SQLITE_ROW)
		rc = sqlite3_column_int(stmt, 0);
	else
		rc = db_fail(st, "PRAGMA user_version");
	sqlite3_finalize(stmt);
	return rc;
}

static int count_objects(struct store *st)
{
	static const char what[] = "SELECT count(sqlite_master)";
	sqlite3_stmt *stmt;
	int rc = prep(st, what, "SELECT count(*) FROM sqlite_master", &stmt);
	if (rc < 0)
		return rc;
	if (sqlite3_step(stmt) == SQLITE_ROW)
		rc = sqlite3_column_int(stmt, 0);
	else
		rc = db_fail(st, what);
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
	int rc = exec(st, "PRAGMA journal_mode", "PRAGMA journal_mode = WAL");
	if (rc < 0)
		return rc;
	for (int v = cur; v < target; v++) {
		char pragma[64];
		rc = exec(st, "BEGIN (migration)", "BEGIN IMMEDIATE");
		if (rc < 0)
			return rc;
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", v + 1);
		rc = exec(st, "migration", migrations[v]);
		if (rc == 0)
			rc = exec(st, "PRAGMA user_version", pragma);
		if (rc == 0)
			rc = exec(st, "COMMIT (migration)", "COMMIT");
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
		rc = st->db ? db_fail(st, "open") : -ENOMEM;
		goto error;
	}
	sqlite3_extended_result_codes(st->db, 1);
	/* Another process (a parallel `tfolab table`) may hold a lock briefly. */
	sqlite3_busy_timeout(st->db, 5000);
	rc = exec(st, "PRAGMA foreign_keys", "PRAGMA foreign_keys = ON");
	if (rc == 0)
		rc = exec(st, "PRAGMA synchronous", "PRAGMA synchronous = NORMAL");
	if (rc == 0)
		rc = migrate(st, version);
	if (rc < 0)
		goto error;
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
	int rc = prep(st, "PRAGMA journal_mode", "PRAGMA journal_mode", &stmt);
	if (rc < 0)
		return rc;
	if (sqlite3_step(stmt) == SQLITE_ROW)
		snprintf(buf, len, "%s", (const char *)sqlite3_column_text(stmt, 0));
	else
		rc = db_fail(st, "PRAGMA journal_mode");
	sqlite3_finalize(stmt);
	return rc;
}

int store_run_begin(struct store *st, const struct store_run *r, int64_t *run_id)
{
	static const char what[] = "INSERT runs";
	sqlite3_stmt *stmt;
	int rc = prep(st, what,
		      "INSERT INTO runs (started_at, command_line, experiment_name,"
		      " experiment_text, git_describe, kernel, link_backend, host, status)"
		      " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'running')", &stmt);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(stmt, 1, r->started_at);
	bind_text(stmt, 2, r->command_line);
	bind_text(stmt, 3, r->experiment_name);
	bind_text(stmt, 4, r->experiment_text);
	bind_text(stmt, 5, r->git_describe);
	bind_text(stmt, 6, r->kernel);
	bind_text(stmt, 7, r->link_backend);
	bind_text(stmt, 8, r->host);
	rc = step_done(st, what, stmt);
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
	int rc = prep(st, what, "UPDATE runs SET status = ?, ended_at = ? WHERE id = ?", &stmt);
	if (rc < 0)
		return rc;
	bind_text(stmt, 1, status);
	sqlite3_bind_int64(stmt, 2, ended_at);
	sqlite3_bind_int64(stmt, 3, run_id);
	rc = step_done(st, what, stmt);
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
	int rc = prep(st, what, "SELECT id FROM runs ORDER BY id DESC LIMIT 1", &stmt);
	if (rc < 0)
		return rc;
	int s = sqlite3_step(stmt);
	if (s == SQLITE_ROW)
		*run_id = sqlite3_column_int64(stmt, 0);
	else if (s == SQLITE_DONE)
		rc = -ENOENT;  /* not an error of the database; the caller reports it */
	else
		rc = db_fail(st, what);
	sqlite3_finalize(stmt);
	return rc;
}

int store_run_get(struct store *st, int64_t run_id, struct store_run *r)
{
	static const char what[] = "SELECT run";
	sqlite3_stmt *stmt;
	int rc = prep(st, what,
		      "SELECT id, started_at, ended_at, command_line, experiment_name,"
		      " experiment_text, git_describe, kernel, link_backend, host, status"
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
		r->command_line = col_strdup(stmt, 3);
		r->experiment_name = col_strdup(stmt, 4);
		r->experiment_text = col_strdup(stmt, 5);
		r->git_describe = col_strdup(stmt, 6);
		r->kernel = col_strdup(stmt, 7);
		r->link_backend = col_strdup(stmt, 8);
		r->host = col_strdup(stmt, 9);
		r->status = col_strdup(stmt, 10);
		if (!r->status) {
			store_run_release(r);
			rc = -ENOMEM;
		}
	} else if (s == SQLITE_DONE) {
		rc = -ENOENT;
	} else {
		rc = db_fail(st, what);
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

/* The condition's identity columns must match on resume, or data would mix. */
static int condition_check(struct store *st, const struct store_condition *c, int64_t *cond_id)
{
	static const char what[] = "SELECT condition";
	sqlite3_stmt *stmt;
	int rc = prep(st, what,
		      "SELECT id, page, rtt_ns, down_bps, up_bps, per_conn, tfo_sysctl, pair_key"
		      " FROM conditions WHERE run_id = ? AND idx = ? AND tfo_mode = ?", &stmt);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(stmt, 1, c->run_id);
	sqlite3_bind_int(stmt, 2, c->idx);
	bind_text(stmt, 3, store_tfo_mode_name(c->tfo_mode));
	if (sqlite3_step(stmt) != SQLITE_ROW) {
		rc = db_fail(st, what);
	} else if (strcmp((const char *)sqlite3_column_text(stmt, 1), c->page) ||
		   sqlite3_column_int64(stmt, 2) != c->rtt_ns ||
		   sqlite3_column_int64(stmt, 3) != c->down_bps ||
		   sqlite3_column_int64(stmt, 4) != c->up_bps ||
		   sqlite3_column_int(stmt, 5) != c->per_conn ||
		   sqlite3_column_int(stmt, 6) != c->tfo_sysctl ||
		   sqlite3_column_int(stmt, 7) != c->pair_key) {
		log_err("store %s: run %lld condition %d (%s): stored with other parameters"
			" (page %s); the experiment changed since the run began",
			st->path, (long long)c->run_id, c->idx, store_tfo_mode_name(c->tfo_mode),
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
	if (!c->page || (unsigned)c->tfo_mode > STORE_TFO_COOKIE) {
		log_err("store %s: condition %d: no page or bad TFO mode", st->path, c->idx);
		return -EINVAL;
	}
	sqlite3_stmt *stmt;
	int rc = prep(st, what,
		      "INSERT INTO conditions (run_id, idx, page, rtt_ns, down_bps, up_bps,"
		      " queue_pkts, queue_bytes, loss, tfo_mode, tfo_sysctl, per_conn,"
		      " conns_per_host, trials, warmup, timeout_ns, backend, cc, pair_key)"
		      " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
		      " ON CONFLICT (run_id, idx, tfo_mode) DO NOTHING", &stmt);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(stmt, 1, c->run_id);
	sqlite3_bind_int(stmt, 2, c->idx);
	bind_text(stmt, 3, c->page);
	sqlite3_bind_int64(stmt, 4, c->rtt_ns);
	sqlite3_bind_int64(stmt, 5, c->down_bps);
	sqlite3_bind_int64(stmt, 6, c->up_bps);
	sqlite3_bind_int64(stmt, 7, c->queue_pkts);
	sqlite3_bind_int64(stmt, 8, c->queue_bytes);
	sqlite3_bind_double(stmt, 9, c->loss);
	bind_text(stmt, 10, store_tfo_mode_name(c->tfo_mode));
	sqlite3_bind_int(stmt, 11, c->tfo_sysctl);
	sqlite3_bind_int(stmt, 12, c->per_conn);
	sqlite3_bind_int(stmt, 13, c->conns_per_host);
	sqlite3_bind_int(stmt, 14, c->trials);
	sqlite3_bind_int(stmt, 15, c->warmup);
	sqlite3_bind_int64(stmt, 16, c->timeout_ns);
	bind_text(stmt, 17, c->backend);
	bind_text(stmt, 18, c->cc);
	sqlite3_bind_int(stmt, 19, c->pair_key);
	rc = step_done(st, what, stmt);
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
	bind_text(stmt, 3, q->res_id);
	bind_text(stmt, 4, q->host);
	bind_text(stmt, 5, q->path);
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
	if (sqlite3_step(stmt) != SQLITE_DONE)
		return db_fail(st, "INSERT requests");
	return 0;
}

static int insert_link(struct store *st, sqlite3_stmt *stmt, int64_t trial_id,
		       const char *dir, const struct store_link_stats *l)
{
	sqlite3_reset(stmt);
	sqlite3_bind_int64(stmt, 1, trial_id);
	bind_text(stmt, 2, dir);
	sqlite3_bind_int64(stmt, 3, l->pkts);
	sqlite3_bind_int64(stmt, 4, l->bytes);
	sqlite3_bind_int64(stmt, 5, l->drops_queue);
	sqlite3_bind_int64(stmt, 6, l->drops_loss);
	sqlite3_bind_int64(stmt, 7, l->max_queue_pkts);
	sqlite3_bind_int64(stmt, 8, l->max_queue_bytes);
	if (sqlite3_step(stmt) != SQLITE_DONE)
		return db_fail(st, "INSERT link_stats");
	return 0;
}

static int insert_trial_row(struct store *st, int64_t cond_id, const struct store_trial *t,
			    int64_t *trial_id)
{
	static const char what[] = "INSERT trials";
	sqlite3_stmt *stmt;
	int rc = prep(st, what,
		      "INSERT INTO trials (condition_id, seq, started_at, plt_ns, valid,"
		      " invalid_reason, tfo_active, tfo_active_fail, tfo_passive,"
		      " tfo_passive_fail, tfo_cookie_reqd, syn_data_acked_conns,"
		      " conns_opened, bytes_total, retrans_segs, link_drops)"
		      " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", &stmt);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(stmt, 1, cond_id);
	sqlite3_bind_int(stmt, 2, t->seq);
	sqlite3_bind_int64(stmt, 3, t->started_at);
	sqlite3_bind_int64(stmt, 4, t->plt_ns);
	sqlite3_bind_int(stmt, 5, t->valid ? 1 : 0);
	bind_text(stmt, 6, t->invalid_reason);
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
	rc = step_done(st, what, stmt);
	if (rc == 0)
		*trial_id = sqlite3_last_insert_rowid(st->db);
	return rc;
}

int store_trial_insert(struct store *st, int64_t cond_id, const struct store_trial *t,
		       const struct store_request *reqs, size_t n,
		       const struct store_link_stats link[2])
{
	sqlite3_stmt *req_stmt = NULL, *link_stmt = NULL;
	int64_t trial_id = 0;
	int rc = exec(st, "BEGIN (trial)", "BEGIN IMMEDIATE");
	if (rc < 0)
		return rc;
	rc = insert_trial_row(st, cond_id, t, &trial_id);
	if (rc < 0)
		goto error;
	if (n > 0) {
		rc = prep(st, "INSERT requests",
			  "INSERT INTO requests (trial_id, res_idx, res_id, host, path, conn_id,"
			  " new_conn, syn_data, queued_ns, connect_start_ns, connected_ns,"
			  " req_sent_ns, first_byte_ns, last_byte_ns, body_bytes, status)"
			  " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", &req_stmt);
		for (size_t i = 0; rc == 0 && i < n; i++)
			rc = insert_request(st, req_stmt, trial_id, &reqs[i]);
		if (rc < 0)
			goto error;
	}
	if (link) {
		rc = prep(st, "INSERT link_stats",
			  "INSERT INTO link_stats (trial_id, direction, pkts, bytes, drops_queue,"
			  " drops_loss, max_queue_pkts, max_queue_bytes)"
			  " VALUES (?, ?, ?, ?, ?, ?, ?, ?)", &link_stmt);
		if (rc == 0)
			rc = insert_link(st, link_stmt, trial_id, "up", &link[STORE_DIR_UP]);
		if (rc == 0)
			rc = insert_link(st, link_stmt, trial_id, "down", &link[STORE_DIR_DOWN]);
		if (rc < 0)
			goto error;
	}
	sqlite3_finalize(req_stmt);
	sqlite3_finalize(link_stmt);
	req_stmt = link_stmt = NULL;
	rc = exec(st, "COMMIT (trial)", "COMMIT");
	if (rc == 0)
		return 0;
error:
	sqlite3_finalize(req_stmt);
	sqlite3_finalize(link_stmt);
	if (sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL) != SQLITE_OK &&
	    !sqlite3_get_autocommit(st->db))
		db_fail(st, "ROLLBACK (trial)");
	return rc;
}

int store_trials_done(struct store *st, int64_t cond_id, int *n)
{
	static const char what[] = "SELECT count(trials)";
	sqlite3_stmt *stmt;
	int rc = prep(st, what, "SELECT count(*) FROM trials WHERE condition_id = ?", &stmt);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(stmt, 1, cond_id);
	if (sqlite3_step(stmt) == SQLITE_ROW)
		*n = sqlite3_column_int(stmt, 0);
	else
		rc = db_fail(st, what);
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
	}
	free(c);
}

static int condition_read(sqlite3_stmt *stmt, struct store_condition *c)
{
	memset(c, 0, sizeof(*c));
	c->id = sqlite3_column_int64(stmt, 0);
	c->run_id = sqlite3_column_int64(stmt, 1);
	c->idx = sqlite3_column_int(stmt, 2);
	c->page = col_strdup(stmt, 3);
	c->rtt_ns = sqlite3_column_int64(stmt, 4);
	c->down_bps = sqlite3_column_int64(stmt, 5);
	c->up_bps = sqlite3_column_int64(stmt, 6);
	c->queue_pkts = sqlite3_column_int64(stmt, 7);
	c->queue_bytes = sqlite3_column_int64(stmt, 8);
	c->loss = sqlite3_column_double(stmt, 9);
	if (store_tfo_mode_parse((const char *)sqlite3_column_text(stmt, 10), &c->tfo_mode) < 0)
		return -EBADMSG;  /* the CHECK constraint makes this unreachable */
	c->tfo_sysctl = sqlite3_column_int(stmt, 11);
	c->per_conn = sqlite3_column_int(stmt, 12);
	c->conns_per_host = sqlite3_column_int(stmt, 13);
	c->trials = sqlite3_column_int(stmt, 14);
	c->warmup = sqlite3_column_int(stmt, 15);
	c->timeout_ns = sqlite3_column_int64(stmt, 16);
	c->backend = col_strdup(stmt, 17);
	c->cc = col_strdup(stmt, 18);
	c->pair_key = sqlite3_column_int(stmt, 19);
	return c->page ? 0 : -ENOMEM;
}

int store_conditions_list(struct store *st, int64_t run_id, struct store_condition **out, size_t *n)
{
	static const char what[] = "SELECT conditions";
	sqlite3_stmt *stmt;
	struct store_condition *arr = NULL;
	size_t len = 0, cap = 0;
	int rc = prep(st, what,
		      "SELECT id, run_id, idx, page, rtt_ns, down_bps, up_bps, queue_pkts,"
		      " queue_bytes, loss, tfo_mode, tfo_sysctl, per_conn, conns_per_host,"
		      " trials, warmup, timeout_ns, backend, cc, pair_key FROM conditions"
		      " WHERE run_id = ? ORDER BY idx,"
		      " CASE tfo_mode WHEN 'off' THEN 0 WHEN 'on' THEN 1 ELSE 2 END", &stmt);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(stmt, 1, run_id);
	int s;
	while ((s = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (len == cap) {
			size_t ncap = cap ? 2 * cap : 16;
			struct store_condition *p = realloc(arr, ncap * sizeof(*p));
			if (!p) {
				rc = -ENOMEM;
				goto error;
			}
			arr = p;
			cap = ncap;
		}
		rc = condition_read(stmt, &arr[len++]);
		if (rc < 0)
			goto error;
	}
	if (s != SQLITE_DONE) {
		rc = db_fail(st, what);
		goto error;
	}
	sqlite3_finalize(stmt);
	*out = arr;
	*n = len;
	return 0;
error:
	sqlite3_finalize(stmt);
	store_conditions_free(arr, len);
	return rc;
}

int store_condition_plts(struct store *st, int64_t cond_id, int64_t **plts,
			 size_t *n_valid, size_t *n_invalid)
{
	static const char what[] = "SELECT trials";
	sqlite3_stmt *stmt;
	int64_t *arr = NULL;
	size_t len = 0, cap = 0, bad = 0;
	int rc = prep(st, what,
		      "SELECT valid, plt_ns FROM trials WHERE condition_id = ? ORDER BY seq", &stmt);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(stmt, 1, cond_id);
	int s;
	while ((s = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (!sqlite3_column_int(stmt, 0)) {
			bad++;
			continue;
		}
		if (len == cap) {
			size_t ncap = cap ? 2 * cap : 32;
			int64_t *p = realloc(arr, ncap * sizeof(*p));
			if (!p) {
				rc = -ENOMEM;
				goto error;
			}
			arr = p;
			cap = ncap;
		}
		arr[len++] = sqlite3_column_int64(stmt, 1);
	}
	if (s != SQLITE_DONE) {
		rc = db_fail(st, what);
		goto error;
	}
	sqlite3_finalize(stmt);
	*plts = arr;
	*n_valid = len;
	*n_invalid = bad;
	return 0;
error:
	sqlite3_finalize(stmt);
	free(arr);
	return rc;
}

int store_run_trial_counts(struct store *st, int64_t run_id, size_t *n_valid, size_t *n_invalid)
{
	static const char what[] = "SELECT count(trials) of run";
	sqlite3_stmt *stmt;
	int rc = prep(st, what,
		      "SELECT coalesce(sum(t.valid), 0), coalesce(sum(1 - t.valid), 0)"
		      " FROM trials t JOIN conditions c ON c.id = t.condition_id"
		      " WHERE c.run_id = ?", &stmt);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(stmt, 1, run_id);
	if (sqlite3_step(stmt) == SQLITE_ROW) {
		*n_valid = (size_t)sqlite3_column_int64(stmt, 0);
		*n_invalid = (size_t)sqlite3_column_int64(stmt, 1);
	} else {
		rc = db_fail(st, what);
	}
	sqlite3_finalize(stmt);
	return rc;
}
