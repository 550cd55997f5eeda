/*
 * The result store against a real SQLite file in a temporary directory.
 * Row counts are checked through a second, raw sqlite3 connection so the
 * test does not trust the store's own readers.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <sqlite3.h>

#include "tests/unit/raw_sqlite.h"

#include "results/store.h"

struct fixture {
	char dir[64];
	char path[128];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	if (!f)
		return -1;
	strcpy(f->dir, "/tmp/tfolab-test-store-XXXXXX");
	if (!mkdtemp(f->dir)) {
		free(f);
		return -1;
	}
	snprintf(f->path, sizeof(f->path), "%s/t.db", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char p[160];
	const char *suffix[] = { "", "-wal", "-shm", "-journal" };
	for (size_t i = 0; i < 4; i++) {
		snprintf(p, sizeof(p), "%s%s", f->path, suffix[i]);
		unlink(p);
	}
	rmdir(f->dir);
	free(f);
	return 0;
}

static const struct store_run run_tmpl = {
	.started_at = 1700000000000000000LL,
	.command_line = "tfolab run experiments/table1.conf",
	.experiment_name = "table1",
	.experiment_text = "[link]\nrtt = 20ms\n",
	.git_describe = "v0.1-3-gabc",
	.kernel = "6.18.0",
	.link_backend = "userspace",
	.host = "testhost",
};

static struct store_condition cond_tmpl(int64_t run_id, int idx, enum tfo_mode m)
{
	return (struct store_condition){
		.run_id = run_id, .idx = 2 * idx + (m != TFO_OFF), .pair_key = idx,
		.page = "amazon",
		.rtt_ns = 100000000, .down_bps = 4000000, .up_bps = 256000,
		.queue_pkts = 1000, .queue_bytes = 1500000, .loss = 0.0,
		.tfo_mode = m, .tfo_sysctl = m == TFO_OFF ? 0 : m == TFO_ON ? 519 : 3,
		.per_conn = 2, .conns_per_host = 6, .trials = 12, .warmup = 1,
		.timeout_ns = 60000000000LL, .backend = "userspace", .cc = "cubic",
	};
}

static void test_schema(void **state)
{
	struct fixture *f = *state;
	struct store *st;
	char mode[16];
	assert_int_equal(store_open(f->path, &st), 0);
	assert_int_equal(store_schema_version(st), STORE_SCHEMA_VERSION);
	assert_int_equal(store_journal_mode(st, mode, sizeof(mode)), 0);
	assert_string_equal(mode, "wal");
	store_close(st);
	assert_int_equal(raw_int(f->path, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
				 " AND name IN ('runs', 'conditions', 'trials', 'requests', 'link_stats')"), 5);

	/* Reopening an up-to-date database changes nothing. */
	assert_int_equal(store_open(f->path, &st), 0);
	assert_int_equal(store_schema_version(st), STORE_SCHEMA_VERSION);

	/* Foreign keys are enforced: no condition for a run that does not exist. */
	struct store_condition c = cond_tmpl(999, 0, TFO_OFF);
	int64_t id = -1;
	assert_int_equal(store_condition_insert(st, &c, &id), -EINVAL);
	assert_int_equal(id, -1);
	store_close(st);

	assert_int_equal(store_open_version(f->path, 0, &st), -EINVAL);
}

static void test_migration(void **state)
{
	struct fixture *f = *state;
	struct store *st;
	int64_t run;
	/* A database as the first schema version left it, with data in it. */
	assert_int_equal(store_open_version(f->path, 1, &st), 0);
	assert_int_equal(store_schema_version(st), 1);
	assert_int_equal(store_run_begin(st, &run_tmpl, &run), 0);
	store_close(st);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM sqlite_master WHERE name = 'plt'"), 0);

	assert_int_equal(store_open(f->path, &st), 0);
	assert_int_equal(store_schema_version(st), STORE_SCHEMA_VERSION);
	int64_t latest;
	assert_int_equal(store_run_latest(st, &latest), 0);
	assert_int_equal(latest, run);
	struct store_condition c = cond_tmpl(run, 0, TFO_ON);
	int64_t cid;
	assert_int_equal(store_condition_insert(st, &c, &cid), 0);
	struct store_trial t = { .seq = 0, .plt_ns = 1500000000, .valid = 1 };
	assert_int_equal(store_trial_insert(st, cid, &t, NULL, 0, NULL), 0);
	store_close(st);
	/* The view exists and sees the old run's data; version 3's columns
	 * read as "not stalled" for a trial from before them. */
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM plt WHERE tfo_mode = 'on'"
				 " AND plt_s = 1.5 AND rtt_ms = 100 AND stalled = 0"), 1);

	/* A database from a newer tfolab is refused, not damaged. */
	raw_exec(f->path, "PRAGMA user_version = 99");
	st = NULL;
	assert_int_equal(store_open(f->path, &st), -EPROTO);
	assert_null(st);
	assert_int_equal(raw_int(f->path, "PRAGMA user_version"), 99);
}

/* Schema 5: a run of schema 4 reads as unsharded after the migration, and a
 * new run records its shard. */
static void test_migration_shard(void **state)
{
	struct fixture *f = *state;
	struct store *st;
	int64_t old, sharded;
	assert_int_equal(store_open_version(f->path, 4, &st), 0);
	assert_int_equal(store_run_begin(st, &run_tmpl, &old), 0);
	store_close(st);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM sqlite_master WHERE name = 'shards'"), 0);

	assert_int_equal(store_open(f->path, &st), 0);
	assert_int_equal(store_schema_version(st), STORE_SCHEMA_VERSION);
	struct store_run r;
	assert_int_equal(store_run_get(st, old, &r), 0);
	assert_int_equal(r.shard_k, 0);
	assert_int_equal(r.shard_n, 0);
	assert_int_equal(r.merged_shards, 0);
	store_run_release(&r);

	struct store_run tmpl = run_tmpl;
	tmpl.shard_k = 2;
	tmpl.shard_n = 3;
	assert_int_equal(store_run_begin(st, &tmpl, &sharded), 0);
	assert_int_equal(store_run_get(st, sharded, &r), 0);
	assert_int_equal(r.shard_k, 2);
	assert_int_equal(r.shard_n, 3);
	store_run_release(&r);
	store_close(st);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM runs WHERE shard_k IS NULL"), 1);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM sqlite_master WHERE name = 'shards'"), 1);
}

static void test_foreign_db(void **state)
{
	struct fixture *f = *state;
	struct store *st = NULL;
	/* Someone else's SQLite file: refused, and left without our tables. */
	raw_exec(f->path, "CREATE TABLE notes (txt TEXT)");
	assert_int_equal(store_open(f->path, &st), -EPROTO);
	assert_null(st);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM sqlite_master"), 1);
	assert_int_equal(raw_int(f->path, "PRAGMA user_version"), 0);
	/* Nor switched to WAL (the mode would persist in the file). */
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM pragma_journal_mode"
				 " WHERE journal_mode = 'wal'"), 0);
}

static void test_runs(void **state)
{
	struct fixture *f = *state;
	struct store *st;
	int64_t a, b, latest;
	assert_int_equal(store_open(f->path, &st), 0);
	assert_int_equal(store_run_latest(st, &latest), -ENOENT);
	assert_int_equal(store_run_begin(st, &run_tmpl, &a), 0);
	assert_int_equal(store_run_begin(st, &run_tmpl, &b), 0);
	assert_true(b > a);
	assert_int_equal(store_run_latest(st, &latest), 0);
	assert_int_equal(latest, b);

	struct store_run r;
	assert_int_equal(store_run_get(st, a, &r), 0);
	assert_string_equal(r.status, "running");
	assert_string_equal(r.experiment_text, run_tmpl.experiment_text);
	assert_string_equal(r.git_describe, "v0.1-3-gabc");
	assert_int_equal(r.started_at, run_tmpl.started_at);
	assert_int_equal(r.ended_at, 0);
	store_run_release(&r);

	assert_int_equal(store_run_end(st, a, "done", 1700000000500000000LL), 0);
	assert_int_equal(store_run_get(st, a, &r), 0);
	assert_string_equal(r.status, "done");
	assert_int_equal(r.ended_at, 1700000000500000000LL);
	store_run_release(&r);
	assert_int_equal(store_run_end(st, b, "running", 1), -EINVAL);
	assert_int_equal(store_run_end(st, 12345, "done", 1), -ENOENT);
	assert_int_equal(store_run_get(st, 12345, &r), -ENOENT);
	store_close(st);
}

static void fill_requests(struct store_request *q, size_t n)
{
	for (size_t i = 0; i < n; i++)
		q[i] = (struct store_request){
			.res_idx = (int)i, .res_id = "r", .host = "www.example.com",
			.path = "/x", .conn_id = (int)i % 2, .new_conn = i < 2, .syn_data = i < 2,
			.queued_ns = 10, .connect_start_ns = 20, .connected_ns = 30,
			.req_sent_ns = 40, .first_byte_ns = 50, .last_byte_ns = 60,
			.body_bytes = 1000 + (int64_t)i, .status = 200,
		};
}

static void test_trials(void **state)
{
	struct fixture *f = *state;
	struct store *st;
	int64_t run, off, on, again;
	assert_int_equal(store_open(f->path, &st), 0);
	assert_int_equal(store_run_begin(st, &run_tmpl, &run), 0);

	struct store_condition c_off = cond_tmpl(run, 0, TFO_OFF);
	struct store_condition c_on = cond_tmpl(run, 0, TFO_ON);
	assert_int_equal(store_condition_insert(st, &c_on, &on), 0);
	assert_int_equal(store_condition_insert(st, &c_off, &off), 0);
	assert_true(on != off);
	/* Resume: the same cell gives the same id; a changed cell is refused. */
	assert_int_equal(store_condition_insert(st, &c_off, &again), 0);
	assert_int_equal(again, off);
	struct store_condition changed = c_off;
	changed.rtt_ns = 20000000;
	assert_int_equal(store_condition_insert(st, &changed, &again), -EEXIST);
	/* A second cell cannot claim the same pair for the same mode. */
	struct store_condition other = c_off;
	other.idx = 7;
	assert_int_equal(store_condition_insert(st, &other, &again), -EEXIST);

	struct store_request q[5];
	fill_requests(q, 5);
	struct store_link_stats link[2] = {
		[STORE_DIR_UP] = { .pkts = 100, .bytes = 9000, .max_queue_pkts = 3 },
		[STORE_DIR_DOWN] = { .pkts = 300, .bytes = 400000, .drops_queue = 2 },
	};
	const int64_t plts[] = { 2000000000, 2100000000, 1900000000 };
	for (int i = 0; i < 3; i++) {
		struct store_trial t = { .seq = i, .started_at = 1, .plt_ns = plts[i],
					 .valid = 1, .conns_opened = 2, .link_drops = 2 };
		assert_int_equal(store_trial_insert(st, off, &t, q, 5, link), 0);
	}
	struct store_trial bad = { .seq = 3, .plt_ns = 0, .valid = 0,
				   .invalid_reason = "timeout" };
	assert_int_equal(store_trial_insert(st, off, &bad, q, 2, link), 0);
	/* A seq that exists is refused. */
	struct store_trial dup = { .seq = 1, .plt_ns = 5, .valid = 1 };
	assert_int_equal(store_trial_insert(st, off, &dup, NULL, 0, NULL), -EEXIST);

	/* A host stall: stored, invalid, and not counted as done (it is repeated). */
	struct store_link_stats late[2] = { { .pkts = 9 }, { .pkts = 30, .late_pkts = 4,
							   .late_ns = 90000000 } };
	struct store_trial stall = { .seq = 4, .plt_ns = 9000000000, .valid = 0, .stalled = 1,
				     .steal_ns = 70000000, .invalid_reason = "host stall" };
	assert_int_equal(store_trial_insert(st, off, &stall, NULL, 0, late), 0);

	int n = -1, ns = -1;
	assert_int_equal(store_trials_done(st, off, &n, &ns), 0);
	assert_int_equal(n, 4);
	assert_int_equal(ns, 1);
	assert_int_equal(store_trials_done(st, on, &n, &ns), 0);
	assert_int_equal(n, 0);
	assert_int_equal(ns, 0);

	int64_t *v = NULL;
	size_t nv = 0, ni = 0;
	assert_int_equal(store_condition_plts(st, off, &v, &nv, &ni), 0);
	assert_int_equal(nv, 3);
	assert_int_equal(ni, 2);
	assert_memory_equal(v, plts, sizeof(plts));
	free(v);
	assert_int_equal(store_condition_plts(st, on, &v, &nv, &ni), 0);
	assert_int_equal(nv, 0);
	assert_int_equal(ni, 0);
	assert_null(v);

	size_t tv = 0, ti = 0, ts = 0;
	assert_int_equal(store_run_trial_counts(st, run, &tv, &ti, &ts), 0);
	assert_int_equal(tv, 3);
	assert_int_equal(ti, 2);
	assert_int_equal(ts, 1);

	struct store_condition *cs;
	size_t nc;
	assert_int_equal(store_conditions_list(st, run, &cs, &nc), 0);
	assert_int_equal(nc, 2);
	/* Ordered off before on within an idx, whatever the insertion order. */
	assert_int_equal(cs[0].id, off);
	assert_int_equal(cs[0].tfo_mode, TFO_OFF);
	assert_int_equal(cs[1].tfo_mode, TFO_ON);
	assert_int_equal(cs[1].tfo_sysctl, 519);
	assert_string_equal(cs[1].page, "amazon");
	assert_string_equal(cs[1].cc, "cubic");
	assert_int_equal(cs[1].rtt_ns, 100000000);
	assert_int_equal(cs[1].per_conn, 2);
	assert_int_equal(cs[0].idx, 0);
	assert_int_equal(cs[1].idx, 1);
	assert_int_equal(cs[0].pair_key, cs[1].pair_key);
	assert_int_equal(cs[1].timeout_ns, 60000000000LL);
	store_conditions_free(cs, nc);
	store_close(st);

	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM requests"), 3 * 5 + 2);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM link_stats"), 5 * 2);
	assert_int_equal(raw_int(f->path, "SELECT late_ns FROM link_stats WHERE direction = 'down'"
				 " AND late_pkts = 4"), 90000000);
	assert_int_equal(raw_int(f->path, "SELECT round(steal_ms) FROM plt WHERE stalled = 1"), 70);
	assert_int_equal(raw_int(f->path, "SELECT sum(body_bytes) FROM requests r JOIN trials t"
				 " ON t.id = r.trial_id WHERE t.seq = 0"), 5 * 1000 + 10);
	assert_int_equal(raw_int(f->path, "SELECT drops_queue FROM link_stats WHERE direction = 'down'"
				 " LIMIT 1"), 2);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM trials WHERE valid = 0"
				 " AND invalid_reason = 'timeout'"), 1);
}

/*
 * Schema 6: a run of schema 5 with data reads as plain HTTP after the
 * migration (conditions.tls 'off'), its requests without a TLS time, its
 * trials without CPU times and without connections; new trials store all
 * of it.
 */
static void test_migration_tls(void **state)
{
	struct fixture *f = *state;
	struct store *st;
	int64_t run, cid, tid;
	assert_int_equal(store_open_version(f->path, 5, &st), 0);
	assert_int_equal(store_run_begin(st, &run_tmpl, &run), 0);
	struct store_condition c = cond_tmpl(run, 0, TFO_ON);
	c.tls = TLS_13;  /* schema 5 has no place for it: stored as plain HTTP */
	assert_int_equal(store_condition_insert(st, &c, &cid), 0);
	struct store_request q[2];
	fill_requests(q, 2);
	struct store_conn k = { .conn_id = 0, .host = "a.example", .tls_version = 0x0304 };
	struct store_trial t = { .seq = 0, .plt_ns = 1500000000, .valid = 1, .steal_ns = -1,
				 .fallbacks = -1, .fallback_ns = -1, .cpu_fetch_ns = 5,
				 .conns = &k, .n_conns = 1 };
	assert_int_equal(store_trial_insert(st, cid, &t, q, 2, NULL), 0);
	store_close(st);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM sqlite_master"
				 " WHERE name = 'connections'"), 0);

	assert_int_equal(store_open(f->path, &st), 0);
	assert_int_equal(store_schema_version(st), STORE_SCHEMA_VERSION);
	struct store_condition *cs;
	size_t nc;
	assert_int_equal(store_conditions_list(st, run, &cs, &nc), 0);
	assert_int_equal(nc, 1);
	assert_int_equal(cs[0].tls, TLS_OFF);
	store_conditions_free(cs, nc);
	/* The same cell again (a resumed run): it matches, as plain HTTP. */
	c.tls = TLS_OFF;
	assert_int_equal(store_condition_insert(st, &c, &tid), 0);
	assert_int_equal(tid, cid);
	struct store_trial_ref *refs;
	size_t nr;
	assert_int_equal(store_condition_trials(st, cid, &refs, &nr), 0);
	assert_int_equal(nr, 1);
	tid = refs[0].id;
	free(refs);
	struct store_request *rq;
	size_t n;
	assert_int_equal(store_trial_requests(st, tid, &rq, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(rq[0].tls_done_ns, -1);
	assert_int_equal(rq[1].tls_done_ns, -1);
	store_requests_free(rq, n);
	struct store_conn *kc = NULL;
	assert_int_equal(store_trial_conns(st, tid, &kc, &n), 0);
	assert_int_equal(n, 0);
	assert_null(kc);
	store_close(st);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM plt WHERE tls = 'off'"
				 " AND cpu_fetch_ms IS NULL AND cpu_origin_ms IS NULL"), 1);
	/* The CHECK keeps out what is not a TLS mode. */
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM conditions WHERE tls = 'off'"), 1);
}

/* HTTPS cells: the condition's tls, each connection's TLS account, the
 * requests' TLS time and the trial's CPU times come back as stored; a
 * cell differing only in tls is another cell. */
static void test_tls_round_trip(void **state)
{
	struct fixture *f = *state;
	struct store *st;
	int64_t run, plain, tls, again;
	assert_int_equal(store_open(f->path, &st), 0);
	assert_int_equal(store_run_begin(st, &run_tmpl, &run), 0);
	struct store_condition c0 = cond_tmpl(run, 0, TFO_ON), c1 = cond_tmpl(run, 1, TFO_ON);
	c1.tls = TLS_13_EARLY;
	assert_int_equal(store_condition_insert(st, &c0, &plain), 0);
	assert_int_equal(store_condition_insert(st, &c1, &tls), 0);
	/* A resumed run whose experiment changed the cell's tls is refused. */
	struct store_condition changed = c1;
	changed.tls = TLS_12;
	assert_int_equal(store_condition_insert(st, &changed, &again), -EEXIST);
	changed.tls = TLS_MODES;
	assert_int_equal(store_condition_insert(st, &changed, &again), -EINVAL);

	struct store_request q[3];
	fill_requests(q, 3);
	q[0].tls_done_ns = 250000000;
	q[1].tls_done_ns = -1;
	q[2].tls_done_ns = 260000000;
	const struct store_conn k[2] = {
		{ .conn_id = 0, .host = "a.example", .connect_ns = 1000, .connected_ns = 100001000,
		  .tls_done_ns = 250000000, .closed_ns = 900000000, .syn_data = 1, .requests = 2,
		  .cc = "cubic", .tls_version = 0x0304, .tls_resumed = 1, .tls_early = "accepted",
		  .tls_cipher = "TLS_AES_128_GCM_SHA256", .tls_group = "x25519" },
		{ .conn_id = 1, .host = "b.example", .connect_ns = 2000, .connected_ns = 100002000,
		  .tls_done_ns = 260000000, .closed_ns = -1, .requests = 1,
		  .tls_version = 0x0304, .tls_early = "rejected", .tls_cipher = "" },
	};
	struct store_trial t = { .seq = 0, .plt_ns = 1000000000, .valid = 1, .steal_ns = -1,
				 .fallbacks = -1, .fallback_ns = -1, .cpu_fetch_ns = 12000000,
				 .cpu_origin_ns = -1, .conns = k, .n_conns = 2 };
	assert_int_equal(store_trial_insert(st, tls, &t, q, 3, NULL), 0);
	/* Plain HTTP: a connection without TLS stores no TLS account. */
	const struct store_conn h = { .conn_id = 0, .host = "a.example", .connect_ns = 0,
				      .connected_ns = 100000000, .tls_done_ns = -1,
				      .closed_ns = -1, .requests = 1, .tls_early = "none" };
	struct store_trial th = t;
	th.conns = &h;
	th.n_conns = 1;
	th.cpu_fetch_ns = -1;
	q[0].tls_done_ns = -1;
	assert_int_equal(store_trial_insert(st, plain, &th, q, 1, NULL), 0);

	struct store_condition *cs;
	size_t nc;
	assert_int_equal(store_conditions_list(st, run, &cs, &nc), 0);
	assert_int_equal(nc, 2);
	assert_int_equal(cs[0].tls, TLS_OFF);
	assert_int_equal(cs[1].tls, TLS_13_EARLY);
	store_conditions_free(cs, nc);

	struct store_trial_ref *refs;
	size_t nr, n;
	assert_int_equal(store_condition_trials(st, tls, &refs, &nr), 0);
	assert_int_equal(nr, 1);
	int64_t tid = refs[0].id;
	free(refs);
	struct store_request *rq;
	assert_int_equal(store_trial_requests(st, tid, &rq, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(rq[0].tls_done_ns, 250000000);
	assert_int_equal(rq[1].tls_done_ns, -1);
	assert_int_equal(rq[2].tls_done_ns, 260000000);
	store_requests_free(rq, n);
	struct store_conn *kc;
	assert_int_equal(store_trial_conns(st, tid, &kc, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(kc[0].conn_id, 0);
	assert_string_equal(kc[0].host, "a.example");
	assert_int_equal(kc[0].connect_ns, 1000);
	assert_int_equal(kc[0].connected_ns, 100001000);
	assert_int_equal(kc[0].tls_done_ns, 250000000);
	assert_int_equal(kc[0].closed_ns, 900000000);
	assert_int_equal(kc[0].syn_data, 1);
	assert_int_equal(kc[0].requests, 2);
	assert_string_equal(kc[0].cc, "cubic");
	assert_int_equal(kc[0].tls_version, 0x0304);
	assert_int_equal(kc[0].tls_resumed, 1);
	assert_string_equal(kc[0].tls_early, "accepted");
	assert_string_equal(kc[0].tls_cipher, "TLS_AES_128_GCM_SHA256");
	assert_string_equal(kc[0].tls_group, "x25519");
	assert_int_equal(kc[1].closed_ns, -1);
	assert_int_equal(kc[1].tls_resumed, 0);
	assert_string_equal(kc[1].tls_early, "rejected");
	assert_null(kc[1].tls_cipher);  /* "" is unknown */
	assert_null(kc[1].cc);
	store_conns_free(kc, n);
	store_close(st);

	assert_int_equal(raw_int(f->path, "SELECT cpu_fetch_ns FROM trials t JOIN conditions c"
				 " ON c.id = t.condition_id WHERE c.tls = '1.3-early'"), 12000000);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM trials WHERE cpu_origin_ns IS NULL"), 2);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM connections c JOIN trials t"
				 " ON t.id = c.trial_id WHERE t.cpu_fetch_ns IS NULL"
				 " AND c.tls_version IS NULL AND c.tls_resumed IS NULL"
				 " AND c.tls_early IS NULL AND c.tls_done_ns IS NULL"), 1);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM plt WHERE tls = '1.3-early'"
				 " AND cpu_fetch_ms = 12"), 1);
}

/*
 * Schema 7: a run of schema 6 with data reads as loaded by the builtin
 * fetcher after the migration (conditions.fetcher 'builtin'), its trials
 * without a load event or last response; new trials store both.
 */
static void test_migration_fetcher(void **state)
{
	struct fixture *f = *state;
	struct store *st;
	int64_t run, cid, again;
	assert_int_equal(store_open_version(f->path, 6, &st), 0);
	assert_int_equal(store_run_begin(st, &run_tmpl, &run), 0);
	struct store_condition c = cond_tmpl(run, 0, TFO_ON);
	c.fetcher = FETCHER_CHROMIUM;  /* schema 6 has no place for it */
	assert_int_equal(store_condition_insert(st, &c, &cid), 0);
	struct store_trial t = { .seq = 0, .plt_ns = 1500000000, .valid = 1, .steal_ns = -1,
				 .fallbacks = -1, .fallback_ns = -1, .cpu_fetch_ns = -1,
				 .cpu_origin_ns = -1, .load_event_ns = 1400000000,
				 .last_response_ns = 1500000000 };
	assert_int_equal(store_trial_insert(st, cid, &t, NULL, 0, NULL), 0);
	store_close(st);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM pragma_table_info('conditions')"
				 " WHERE name = 'fetcher'"), 0);

	assert_int_equal(store_open(f->path, &st), 0);
	assert_int_equal(store_schema_version(st), STORE_SCHEMA_VERSION);
	struct store_condition *cs;
	size_t nc;
	assert_int_equal(store_conditions_list(st, run, &cs, &nc), 0);
	assert_int_equal(nc, 1);
	assert_int_equal(cs[0].fetcher, FETCHER_BUILTIN);
	store_conditions_free(cs, nc);
	/* The same cell again (a resumed run) matches as the builtin fetcher
	 * and nothing else. */
	assert_int_equal(store_condition_insert(st, &c, &again), -EEXIST);
	c.fetcher = FETCHER_BUILTIN;
	assert_int_equal(store_condition_insert(st, &c, &again), 0);
	assert_int_equal(again, cid);
	t.seq = 1;
	assert_int_equal(store_trial_insert(st, cid, &t, NULL, 0, NULL), 0);
	store_close(st);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM plt WHERE fetcher = 'builtin'"
				 " AND seq = 0 AND load_event_s IS NULL AND last_response_s IS NULL"), 1);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM plt WHERE seq = 1"
				 " AND load_event_s = 1.4 AND last_response_s = 1.5"), 1);
}

/* Chromium cells: the condition's fetcher and the trial's load event and
 * last response come back as stored; unknown ones are NULL; a cell
 * differing only in fetcher is another cell; the CHECK holds. */
static void test_fetcher_round_trip(void **state)
{
	struct fixture *f = *state;
	struct store *st;
	int64_t run, ours, chromium, again;
	assert_int_equal(store_open(f->path, &st), 0);
	assert_int_equal(store_run_begin(st, &run_tmpl, &run), 0);
	struct store_condition c0 = cond_tmpl(run, 0, TFO_OFF), c1 = cond_tmpl(run, 1, TFO_OFF);
	c1.fetcher = FETCHER_CHROMIUM;
	assert_int_equal(store_condition_insert(st, &c0, &ours), 0);
	assert_int_equal(store_condition_insert(st, &c1, &chromium), 0);
	assert_true(ours != chromium);
	struct store_condition changed = c1;
	changed.fetcher = FETCHER_BUILTIN;
	assert_int_equal(store_condition_insert(st, &changed, &again), -EEXIST);
	changed.fetcher = FETCHERS;
	assert_int_equal(store_condition_insert(st, &changed, &again), -EINVAL);

	struct store_trial t = { .seq = 0, .plt_ns = 2000000000, .valid = 1, .steal_ns = -1,
				 .fallbacks = -1, .fallback_ns = -1, .cpu_fetch_ns = -1,
				 .cpu_origin_ns = -1, .load_event_ns = 2100000000,
				 .last_response_ns = 1900000000 };
	assert_int_equal(store_trial_insert(st, chromium, &t, NULL, 0, NULL), 0);
	t.load_event_ns = -1;  /* the builtin fetcher has no load event */
	t.last_response_ns = 1800000000;
	assert_int_equal(store_trial_insert(st, ours, &t, NULL, 0, NULL), 0);
	struct store_condition *cs;
	size_t nc;
	assert_int_equal(store_conditions_list(st, run, &cs, &nc), 0);
	assert_int_equal(nc, 2);
	assert_int_equal(cs[0].fetcher, FETCHER_BUILTIN);
	assert_int_equal(cs[1].fetcher, FETCHER_CHROMIUM);
	store_conditions_free(cs, nc);
	store_close(st);

	assert_int_equal(raw_int(f->path, "SELECT load_event_ns FROM trials t JOIN conditions c"
				 " ON c.id = t.condition_id WHERE c.fetcher = 'chromium'"), 2100000000);
	assert_int_equal(raw_int(f->path, "SELECT last_response_ns FROM trials t JOIN conditions c"
				 " ON c.id = t.condition_id WHERE c.fetcher = 'builtin'"
				 " AND t.load_event_ns IS NULL"), 1800000000);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM plt WHERE fetcher = 'chromium'"
				 " AND load_event_s = 2.1 AND last_response_s = 1.9"), 1);
	/* The CHECK keeps out what is not a fetcher. */
	sqlite3 *db;
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "UPDATE conditions SET fetcher = 'chrome'", NULL, NULL,
				      NULL), SQLITE_CONSTRAINT);
	sqlite3_close(db);
}

static void test_atomic(void **state)
{
	struct fixture *f = *state;
	struct store *st;
	int64_t run, cid;
	assert_int_equal(store_open(f->path, &st), 0);
	assert_int_equal(store_run_begin(st, &run_tmpl, &run), 0);
	struct store_condition c = cond_tmpl(run, 3, TFO_COOKIE);
	assert_int_equal(store_condition_insert(st, &c, &cid), 0);

	struct store_request q[4];
	struct store_link_stats link[2] = { { .pkts = 1 }, { .pkts = 2 } };
	fill_requests(q, 4);
	q[2].host = NULL;  /* violates NOT NULL after two requests went in */
	struct store_trial t = { .seq = 0, .plt_ns = 1000, .valid = 1 };
	assert_int_equal(store_trial_insert(st, cid, &t, q, 4, link), -EINVAL);
	int n = -1, ns = -1;
	assert_int_equal(store_trials_done(st, cid, &n, &ns), 0);
	assert_int_equal(n, 0);

	/* The store is usable afterwards and the same seq now goes in whole. */
	q[2].host = "h";
	assert_int_equal(store_trial_insert(st, cid, &t, q, 4, link), 0);
	assert_int_equal(store_trials_done(st, cid, &n, &ns), 0);
	assert_int_equal(n, 1);
	assert_int_equal(ns, 0);
	store_close(st);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM trials"), 1);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM requests"), 4);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM link_stats"), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_schema, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migration, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migration_shard, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migration_tls, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tls_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migration_fetcher, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fetcher_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_foreign_db, setup, teardown),
		cmocka_unit_test_setup_teardown(test_runs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_trials, setup, teardown),
		cmocka_unit_test_setup_teardown(test_atomic, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
