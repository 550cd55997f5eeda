/*
 * Merging shard databases (results/store_merge.h) on real SQLite files in
 * a temporary directory, each shard built through the store API as a run
 * of `tfolab run --shard K/N` leaves it.  What the merge wrote is checked
 * through a raw sqlite3 connection, not the store's own readers.
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
#include "results/store_merge.h"

struct fixture {
	char dir[64];
	char out[96];
	char in[4][96];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	if (!f)
		return -1;
	strcpy(f->dir, "/tmp/tfolab-test-merge-XXXXXX");
	if (!mkdtemp(f->dir)) {
		free(f);
		return -1;
	}
	snprintf(f->out, sizeof(f->out), "%s/out.db", f->dir);
	for (int i = 0; i < 4; i++)
		snprintf(f->in[i], sizeof(f->in[i]), "%s/shard-%d.db", f->dir, i);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", f->dir);
	free(f);
	return 0;
}

/* A digest of everything a merge writes but ids, to compare two states. */
static char *raw_dump(const char *path)
{
	static const char sql[] =
		"SELECT group_concat(x, ';') FROM ("
		" SELECT r.started_at || r.ended_at || r.status || coalesce(r.shard_n, '') AS x"
		"  FROM runs r UNION ALL"
		" SELECT k || n || started_at || ended_at || host || kernel FROM shards UNION ALL"
		" SELECT c.idx || c.tfo_mode || t.seq || t.plt_ns || t.valid FROM trials t"
		"  JOIN conditions c ON c.id = t.condition_id UNION ALL"
		" SELECT c.idx || t.seq || q.res_idx || q.host || q.body_bytes FROM requests q"
		"  JOIN trials t ON t.id = q.trial_id JOIN conditions c ON c.id = t.condition_id"
		"  UNION ALL"
		" SELECT c.idx || t.seq || l.direction || l.pkts FROM link_stats l"
		"  JOIN trials t ON t.id = l.trial_id JOIN conditions c ON c.id = t.condition_id"
		"  UNION ALL"
		" SELECT c.idx || c.tls || t.seq || k.conn_id || k.tls_done_ns FROM connections k"
		"  JOIN trials t ON t.id = k.trial_id JOIN conditions c ON c.id = t.condition_id"
		" ORDER BY x)";
	sqlite3 *db;
	sqlite3_stmt *stmt;
	char *v = NULL;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL), SQLITE_OK);
	if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0))
		v = strdup((const char *)sqlite3_column_text(stmt, 0));
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	assert_non_null(v);
	return v;
}

/* How a shard is made: which pairs (pair_key) it ran, where, with what. */
struct shard_spec {
	int k, n;
	const char *host, *git, *text, *status;
	int64_t started_at;
	int pairs[4];
	size_t npairs;
	int trials;              /* per condition */
	int version;             /* schema version to write; 0 = the current */
};

static struct store_condition cond_of(int64_t run, int pair, enum tfo_mode m)
{
	return (struct store_condition){
		.run_id = run, .idx = 2 * pair + (m != TFO_OFF), .pair_key = pair,
		.page = "amazon", .rtt_ns = (pair + 1) * 20000000LL, .down_bps = 4000000,
		.up_bps = 256000, .queue_pkts = 1000, .queue_bytes = 1500000,
		.tfo_mode = m, .tfo_sysctl = m == TFO_OFF ? 0 : 519, .per_conn = 2,
		.conns_per_host = 6, .trials = 2, .warmup = 1, .timeout_ns = 30000000000LL,
		.backend = "userspace", .cc = "cubic", .encoding = "wire",
		.tls = pair % 2 ? TLS_13 : TLS_OFF,  /* HTTP and HTTPS side by side */
		/* and Chromium beside the builtin fetcher over HTTP */
		.fetcher = pair == 2 ? FETCHER_CHROMIUM : FETCHER_BUILTIN,
	};
}

/* Adds trial @seq to condition @cid, with two requests, one connection
 * (with TLS: 1.3 resumed, its handshake done at plt / 4) and link counters;
 * a load event at plt / 2 but in trial 0, the last response at plt - 1. */
static void add_trial(struct store *st, int64_t cid, int seq, int64_t plt)
{
	struct store_request q[2] = {
		{ .res_idx = 0, .host = "a.example", .path = "/", .body_bytes = 1000, .status = 200,
		  .conn_id = 0, .new_conn = 1, .tls_done_ns = plt / 4 },
		{ .res_idx = 1, .host = "b.example", .path = "/x", .body_bytes = 2000, .status = 200,
		  .conn_id = 0, .tls_done_ns = -1 },
	};
	struct store_link_stats link[2] = { { .pkts = 10 + seq }, { .pkts = 20 + seq } };
	struct store_conn k = { .conn_id = 0, .host = "a.example", .connected_ns = plt / 8,
				.tls_done_ns = plt / 4, .closed_ns = -1, .requests = 2,
				.tls_version = 0x0304, .tls_resumed = 1, .tls_early = "accepted",
				.tls_cipher = "TLS_AES_128_GCM_SHA256", .tls_group = "x25519" };
	struct store_trial t = { .seq = seq, .plt_ns = plt, .valid = 1, .steal_ns = -1,
				 .fallbacks = -1, .fallback_ns = -1, .cpu_fetch_ns = plt / 100,
				 .cpu_origin_ns = -1, .conns = &k, .n_conns = 1,
				 .load_event_ns = seq ? plt / 2 : -1, .last_response_ns = plt - 1 };
	assert_int_equal(store_trial_insert(st, cid, &t, q, 2, link), 0);
}

static void make_shard(const char *path, const struct shard_spec *s)
{
	struct store *st;
	int64_t run;
	struct store_run r = {
		.started_at = s->started_at, .command_line = "tfolab run t.conf",
		.experiment_name = "t", .experiment_text = s->text ? s->text : "rtt = 20ms, 40ms\n",
		.git_describe = s->git ? s->git : "v1", .kernel = "Linux 6.1",
		.link_backend = "userspace", .host = s->host, .shard_k = s->k, .shard_n = s->n,
	};
	assert_int_equal(store_open_version(path, s->version ? s->version : STORE_SCHEMA_VERSION,
					    &st), 0);
	assert_int_equal(store_run_begin(st, &r, &run), 0);
	for (size_t p = 0; p < s->npairs; p++)
		for (int m = 0; m < 2; m++) {
			struct store_condition c = cond_of(run, s->pairs[p], m ? TFO_ON : TFO_OFF);
			int64_t cid;
			assert_int_equal(store_condition_insert(st, &c, &cid), 0);
			for (int t = 0; t < s->trials; t++)
				add_trial(st, cid, t, 1000000000LL + 1000 * s->pairs[p] + 10 * t + m);
		}
	assert_int_equal(store_run_end(st, run, s->status ? s->status : "done",
				       s->started_at + 5000000000LL), 0);
	store_close(st);
}

static const struct store_merge_opts plain = { .command_line = "tfolab merge" };

/* Two shards of a sweep of four pairs on two hosts. */
static void make_two(struct fixture *f)
{
	make_shard(f->in[0], &(struct shard_spec){ .k = 1, .n = 2, .host = "node1",
		.started_at = 1000, .pairs = { 0, 3 }, .npairs = 2, .trials = 2 });
	make_shard(f->in[1], &(struct shard_spec){ .k = 2, .n = 2, .host = "node2",
		.started_at = 2000, .pairs = { 1, 2 }, .npairs = 2, .trials = 2 });
}

static void test_merge(void **state)
{
	struct fixture *f = *state;
	make_two(f);
	const char *in[] = { f->in[0], f->in[1] };
	struct store_merge_result res;
	assert_int_equal(store_merge(f->out, in, 2, &plain, &res), 0);
	assert_int_equal(res.shards, 2);
	assert_int_equal(res.hosts, 2);
	assert_int_equal(res.trials_added, 16);
	/* one run with every condition, trial, request and link counter */
	assert_int_equal(raw_int(f->out, "SELECT count(*) FROM runs"), 1);
	assert_int_equal(raw_int(f->out, "SELECT count(*) FROM conditions"), 8);
	assert_int_equal(raw_int(f->out, "SELECT count(DISTINCT idx) FROM conditions"), 8);
	assert_int_equal(raw_int(f->out, "SELECT count(*) FROM trials WHERE valid = 1"), 16);
	assert_int_equal(raw_int(f->out, "SELECT count(*) FROM requests"), 32);
	assert_int_equal(raw_int(f->out, "SELECT count(*) FROM link_stats"), 32);
	/* schema 6's columns: tls per condition, CPU per trial, TLS times per
	 * request, and the connections */
	assert_int_equal(raw_int(f->out, "SELECT count(*) FROM conditions WHERE tls = '1.3'"
				 " AND pair_key IN (1, 3)"), 4);
	assert_int_equal(raw_int(f->out, "SELECT count(*) FROM trials WHERE cpu_fetch_ns = plt_ns / 100"
				 " AND cpu_origin_ns IS NULL"), 16);
	assert_int_equal(raw_int(f->out, "SELECT count(*) FROM requests r JOIN trials t"
				 " ON t.id = r.trial_id WHERE r.tls_done_ns = t.plt_ns / 4"), 16);
	assert_int_equal(raw_int(f->out, "SELECT count(*) FROM requests WHERE tls_done_ns IS NULL"), 16);
	assert_int_equal(raw_int(f->out, "SELECT count(*) FROM connections k JOIN trials t"
				 " ON t.id = k.trial_id WHERE k.tls_done_ns = t.plt_ns / 4"
				 " AND k.connected_ns = t.plt_ns / 8 AND k.requests = 2"
				 " AND k.tls_version = 772 AND k.tls_resumed = 1"
				 " AND k.tls_early = 'accepted' AND k.tls_cipher = 'TLS_AES_128_GCM_SHA256'"
				 " AND k.tls_group = 'x25519' AND k.closed_ns IS NULL"), 16);
	/* schema 7's: the fetcher per condition, the load event and the last
	 * response per trial (NULL stays NULL) */
	assert_int_equal(raw_int(f->out, "SELECT count(*) FROM conditions WHERE fetcher = 'chromium'"
				 " AND pair_key = 2"), 2);
	assert_int_equal(raw_int(f->out, "SELECT count(*) FROM conditions WHERE fetcher = 'builtin'"), 6);
	assert_int_equal(raw_int(f->out, "SELECT count(*) FROM trials WHERE load_event_ns = plt_ns / 2"
				 " AND seq = 1"), 8);
	assert_int_equal(raw_int(f->out, "SELECT count(*) FROM trials WHERE load_event_ns IS NULL"
				 " AND seq = 0"), 8);
	assert_int_equal(raw_int(f->out, "SELECT count(*) FROM trials"
				 " WHERE last_response_ns = plt_ns - 1"), 16);
	/* every trial kept its own PLT: pair 3, on, seq 1 */
	assert_int_equal(raw_int(f->out, "SELECT t.plt_ns FROM trials t JOIN conditions c"
				 " ON c.id = t.condition_id WHERE c.pair_key = 3 AND c.tfo_mode = 'on'"
				 " AND t.seq = 1"), 1000000000LL + 3000 + 10 + 1);
	/* each shard's provenance; the run spans them */
	assert_int_equal(raw_int(f->out, "SELECT count(*) FROM shards WHERE k = 2 AND n = 2"
				 " AND host = 'node2' AND kernel = 'Linux 6.1' AND git_describe = 'v1'"
				 " AND link_backend = 'userspace' AND started_at = 2000"
				 " AND ended_at = 2000 + 5000000000"), 1);
	assert_int_equal(raw_int(f->out, "SELECT started_at FROM runs"), 1000);
	assert_int_equal(raw_int(f->out, "SELECT ended_at FROM runs"), 2000 + 5000000000LL);

	struct store *st;
	struct store_run r;
	assert_int_equal(store_open(f->out, &st), 0);
	assert_int_equal(store_run_get(st, res.run_id, &r), 0);
	assert_int_equal(r.merged_shards, 2);
	assert_int_equal(r.merged_hosts, 2);
	assert_int_equal(r.shard_n, 2);
	assert_int_equal(r.shard_k, 0);
	assert_string_equal(r.status, "done");
	assert_string_equal(r.experiment_text, "rtt = 20ms, 40ms\n");
	store_run_release(&r);
	store_close(st);
}

static void test_idempotent(void **state)
{
	struct fixture *f = *state;
	make_two(f);
	const char *in[] = { f->in[0], f->in[1] };
	struct store_merge_result res;
	assert_int_equal(store_merge(f->out, in, 2, &plain, &res), 0);
	char *before = raw_dump(f->out);

	/* the same shards again, one of them twice: nothing changes */
	struct store_merge_opts into = plain;
	into.into = true;
	const char *again[] = { f->in[1], f->in[0], f->in[1] };
	assert_int_equal(store_merge(f->out, again, 3, &into, &res), 0);
	assert_int_equal(res.trials_added, 0);
	char *after = raw_dump(f->out);
	assert_string_equal(before, after);
	free(after);

	/* a shard resumed since (one more trial) adds just that trial */
	struct store *st;
	assert_int_equal(store_open(f->in[0], &st), 0);
	add_trial(st, 1, 2, 1234);
	store_close(st);
	assert_int_equal(store_merge(f->out, in, 1, &into, &res), 0);
	assert_int_equal(res.trials_added, 1);
	assert_int_equal(raw_int(f->out, "SELECT count(*) FROM trials"), 17);
	assert_int_equal(raw_int(f->out, "SELECT count(*) FROM requests"), 34);
	free(before);
}

static void test_refusals(void **state)
{
	struct fixture *f = *state;
	struct store_merge_result res;
	make_two(f);
	/* a shard missing: listed, and no output left behind */
	const char *one[] = { f->in[0] };
	assert_int_equal(store_merge(f->out, one, 1, &plain, &res), -EINVAL);
	assert_int_equal(access(f->out, F_OK), -1);
	/* the output given as an input */
	const char *self[] = { f->out };
	assert_int_equal(store_merge(f->out, self, 1, &plain, &res), -EINVAL);
	/* an input that does not exist is not created */
	char nowhere[128];
	snprintf(nowhere, sizeof(nowhere), "%s/nowhere.db", f->dir);
	const char *none[] = { nowhere };
	assert_int_equal(store_merge(f->out, none, 1, &plain, &res), -EINVAL);
	assert_int_equal(access(nowhere, F_OK), -1);

	/* another experiment text (another --set) */
	make_shard(f->in[2], &(struct shard_spec){ .k = 2, .n = 2, .host = "node2",
		.started_at = 3000, .text = "rtt = 20ms, 80ms\n", .pairs = { 1, 2 }, .npairs = 2,
		.trials = 1 });
	const char *text[] = { f->in[0], f->in[2] };
	assert_int_equal(store_merge(f->out, text, 2, &plain, &res), -EINVAL);
	assert_int_equal(access(f->out, F_OK), -1);

	/* another tfolab: refused, unless forced */
	make_shard(f->in[3], &(struct shard_spec){ .k = 2, .n = 2, .host = "node2",
		.started_at = 4000, .git = "v2", .pairs = { 1, 2 }, .npairs = 2, .trials = 1 });
	const char *git[] = { f->in[0], f->in[3] };
	assert_int_equal(store_merge(f->out, git, 2, &plain, &res), -EINVAL);
	struct store_merge_opts force = plain;
	force.force = true;
	assert_int_equal(store_merge(f->out, git, 2, &force, &res), 0);
	assert_int_equal(raw_int(f->out, "SELECT count(*) FROM runs WHERE git_describe LIKE 'mixed%'"), 1);

	/* into an existing non-empty database without --into */
	const char *two[] = { f->in[0], f->in[1] };
	assert_int_equal(store_merge(f->out, two, 2, &plain, &res), -EINVAL);
	/* with --into (and --force, as the output was forced): shard 2 there
	 * came from another run (in[3]) than in[1]'s */
	struct store_merge_opts into = force;
	into.into = true;
	char *before = raw_dump(f->out);
	assert_int_equal(store_merge(f->out, two, 2, &into, &res), -EINVAL);
	char *after = raw_dump(f->out);
	assert_string_equal(before, after);
	free(before);
	free(after);
	unlink(f->out);

	/* the same shard from two different runs */
	const char *overlap[] = { f->in[0], f->in[1], f->in[3] };
	assert_int_equal(store_merge(f->out, overlap, 3, &force, &res), -EINVAL);
	assert_int_equal(access(f->out, F_OK), -1);
}

static void test_overlap_and_status(void **state)
{
	struct fixture *f = *state;
	struct store_merge_result res;
	/* shards whose conditions overlap (planned differently): pair 1 twice */
	make_shard(f->in[0], &(struct shard_spec){ .k = 1, .n = 2, .host = "node1",
		.started_at = 1000, .pairs = { 0, 1 }, .npairs = 2, .trials = 1 });
	make_shard(f->in[1], &(struct shard_spec){ .k = 2, .n = 2, .host = "node2",
		.started_at = 2000, .pairs = { 1, 2 }, .npairs = 2, .trials = 1 });
	const char *in[] = { f->in[0], f->in[1] };
	assert_int_equal(store_merge(f->out, in, 2, &plain, &res), -EINVAL);
	assert_int_equal(access(f->out, F_OK), -1);

	/* a shard that did not finish */
	make_shard(f->in[2], &(struct shard_spec){ .k = 2, .n = 2, .host = "node2",
		.started_at = 2000, .pairs = { 2, 3 }, .npairs = 2, .trials = 1,
		.status = "interrupted" });
	const char *unfinished[] = { f->in[0], f->in[2] };
	assert_int_equal(store_merge(f->out, unfinished, 2, &plain, &res), -EINVAL);
}

static void test_schema_versions(void **state)
{
	struct fixture *f = *state;
	struct store_merge_result res;
	/* a run of schema 4, before shards: the whole matrix, shard 1/1; it is
	 * migrated first, then merged */
	make_shard(f->in[0], &(struct shard_spec){ .host = "old", .started_at = 1000,
		.pairs = { 0, 1 }, .npairs = 2, .trials = 2, .version = 4 });
	assert_int_equal(raw_int(f->in[0], "PRAGMA user_version"), 4);
	const char *in[] = { f->in[0] };
	assert_int_equal(store_merge(f->out, in, 1, &plain, &res), 0);
	assert_int_equal(raw_int(f->in[0], "PRAGMA user_version"), STORE_SCHEMA_VERSION);
	assert_int_equal(res.shards, 1);
	assert_int_equal(raw_int(f->out, "SELECT count(*) FROM trials"), 8);
	unlink(f->out);

	/* a database of a newer tfolab: refused */
	sqlite3 *db;
	assert_int_equal(sqlite3_open(f->in[0], &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(store_merge(f->out, in, 1, &plain, &res), -EPROTO);
	assert_int_equal(access(f->out, F_OK), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_merge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_idempotent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overlap_and_status, setup, teardown),
		cmocka_unit_test_setup_teardown(test_schema_versions, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
