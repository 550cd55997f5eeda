/*
 * A trial's rows for the store (run/trial_rows.h), from a synthetic fetch
 * result: an HTTPS load of three requests on two connections, the first a
 * resumed TLS 1.3 connection whose early data the server took, the second
 * a full handshake; then the same load as plain HTTP, where every TLS
 * column is unknown.  Each row must be what the store gets: the TLS time
 * of a request only where it opened a TLS connection, the CPU times as
 * measured, -1 (NULL) where nothing was measured.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "run/trial_rows.h"

#define MS 1000000LL

static char *hosts[] = { "a.example", "b.example" };
static struct page_res res[3] = {
	{ .id = "r0", .parent = -1, .host = 0, .path = "/" },
	{ .id = "r1", .parent = 0, .host = 1, .path = "/b" },
	{ .id = "r2", .parent = 0, .host = 0, .path = "/c" },
};
static const struct page pg = { .name = "t", .n = 3, .res = res, .nhosts = 2, .hosts = hosts };

static void fill(struct trial_result *t, struct fetch_req req[3], struct fetch_conn conns[2])
{
	req[0] = (struct fetch_req){ .queued_ns = 0, .connect_ns = 0, .connected_ns = 100 * MS,
				     .tls_done_ns = 100 * MS, .sent_ns = 0, .first_byte_ns = 150 * MS,
				     .done_ns = 200 * MS, .conn = 0, .new_conn = true, .status = 200,
				     .body_bytes = 1000 };
	req[1] = (struct fetch_req){ .queued_ns = 200 * MS, .connect_ns = 200 * MS,
				     .connected_ns = 300 * MS, .tls_done_ns = 400 * MS,
				     .sent_ns = 400 * MS, .first_byte_ns = 500 * MS, .done_ns = 550 * MS,
				     .conn = 1, .new_conn = true, .status = 200, .body_bytes = 2000 };
	req[2] = (struct fetch_req){ .queued_ns = 200 * MS, .connect_ns = -1, .connected_ns = -1,
				     .tls_done_ns = -1, .sent_ns = 200 * MS, .first_byte_ns = 300 * MS,
				     .done_ns = 350 * MS, .conn = 0, .status = 200, .body_bytes = 3000 };
	conns[0] = (struct fetch_conn){ .host = 0, .connect_ns = 0, .connected_ns = 100 * MS,
					.tls_done_ns = 100 * MS, .closed_ns = -1, .syn_data = true,
					.requests = 2, .cc = "cubic",
					.tls = { .version = 0x0304, .resumed = true,
						 .early = TLS_EARLY_ACCEPTED,
						 .cipher = "TLS_AES_128_GCM_SHA256", .group = "x25519" } };
	conns[1] = (struct fetch_conn){ .host = 1, .connect_ns = 200 * MS, .connected_ns = 300 * MS,
					.tls_done_ns = 400 * MS, .closed_ns = 600 * MS, .requests = 1,
					.cc = "cubic", .tls = { .version = 0x0304, .early = TLS_EARLY_NONE,
								.cipher = "TLS_AES_128_GCM_SHA256" } };
	*t = (struct trial_result){
		.fetch = { .plt_ns = 550 * MS, .n = 3, .req = req, .nconns = 2, .conns = conns,
			   .conns_syn_data = 1, .conns_resumed = 1, .conns_early = 1,
			   .bytes_rx = 7000, .bytes_tx = 300, .cc_used = "cubic" },
		.started_at_us = 1700000000000000LL, .tfo_sysctl = 519, .valid = true,
		.steal_ns = -1, .late_known = false, .fallbacks = 0, .fallback_ns = 0,
		.cpu_fetch_ns = 12 * MS, .cpu_origin_ns = 7 * MS,
		.up = { .pkts = 10 }, .down = { .pkts = 20 },
	};
}

static void test_https(void **state)
{
	struct fetch_req req[3];
	struct fetch_conn conns[2];
	struct trial_result t;
	struct trial_rows rows;
	fill(&t, req, conns);
	assert_int_equal(trial_rows_make(&pg, &t, 4, &rows), 0);

	assert_int_equal(rows.trial.seq, 4);
	assert_int_equal(rows.trial.plt_ns, 550 * MS);
	assert_int_equal(rows.trial.started_at, 1700000000000000000LL);
	assert_int_equal(rows.trial.cpu_fetch_ns, 12 * MS);
	assert_int_equal(rows.trial.cpu_origin_ns, 7 * MS);
	assert_int_equal(rows.trial.conns_opened, 2);
	assert_int_equal(rows.trial.syn_data_acked_conns, 1);
	assert_int_equal(rows.trial.bytes_total, 7300);
	assert_int_equal(rows.trial.fallbacks, 0);  /* 519 sends SYN data: measured */
	assert_string_equal(rows.trial.cc_used, "cubic");
	assert_null(rows.trial.invalid_reason);
	assert_ptr_equal(rows.trial.conns, rows.conns);
	assert_int_equal(rows.trial.n_conns, 2);

	assert_int_equal(rows.n, 3);
	assert_string_equal(rows.reqs[1].host, "b.example");
	assert_string_equal(rows.reqs[1].path, "/b");
	assert_string_equal(rows.reqs[1].res_id, "r1");
	assert_int_equal(rows.reqs[0].syn_data, 1);
	assert_int_equal(rows.reqs[1].syn_data, 0);
	assert_int_equal(rows.reqs[2].syn_data, 0);  /* reused: its connection's SYN was r0's */
	assert_int_equal(rows.reqs[0].tls_done_ns, 100 * MS);
	assert_int_equal(rows.reqs[1].tls_done_ns, 400 * MS);
	assert_int_equal(rows.reqs[2].tls_done_ns, -1);
	assert_int_equal(rows.reqs[2].connect_start_ns, -1);
	assert_int_equal(rows.reqs[2].body_bytes, 3000);

	const struct store_conn *k = rows.conns;
	assert_int_equal(k[0].conn_id, 0);
	assert_string_equal(k[0].host, "a.example");
	assert_int_equal(k[0].tls_version, 0x0304);
	assert_int_equal(k[0].tls_resumed, 1);
	assert_string_equal(k[0].tls_early, "accepted");
	assert_string_equal(k[0].tls_cipher, "TLS_AES_128_GCM_SHA256");
	assert_string_equal(k[0].tls_group, "x25519");
	assert_int_equal(k[0].tls_done_ns, 100 * MS);
	assert_int_equal(k[0].syn_data, 1);
	assert_int_equal(k[0].requests, 2);
	assert_int_equal(k[1].conn_id, 1);
	assert_string_equal(k[1].host, "b.example");
	assert_int_equal(k[1].tls_resumed, 0);
	assert_string_equal(k[1].tls_early, "none");
	conns[1].tls.early = TLS_EARLY_REJECTED;
	trial_rows_release(&rows);
	assert_int_equal(trial_rows_make(&pg, &t, 4, &rows), 0);
	k = rows.conns;
	assert_string_equal(k[1].tls_early, "rejected");
	assert_null(k[1].tls_group);  /* "" is unknown */
	assert_int_equal(k[1].closed_ns, 600 * MS);

	/* lateness unknown to the backend; link counters by direction */
	assert_int_equal(rows.link[STORE_DIR_UP].pkts, 10);
	assert_int_equal(rows.link[STORE_DIR_DOWN].pkts, 20);
	assert_int_equal(rows.link[STORE_DIR_DOWN].late_pkts, -1);
	trial_rows_release(&rows);
	assert_null(rows.reqs);
}

/* Plain HTTP, TFO off, an invalid trial: no TLS account, no TLS time (even
 * where the fetcher left one), no fallbacks, the CPU unknown. */
static void test_http(void **state)
{
	struct fetch_req req[3];
	struct fetch_conn conns[2];
	struct trial_result t;
	struct trial_rows rows;
	fill(&t, req, conns);
	for (int i = 0; i < 2; i++)
		memset(&conns[i].tls, 0, sizeof(conns[i].tls));
	req[0].tls_done_ns = 0;  /* as a fetcher that zeroed it would */
	t.tfo_sysctl = 0;
	t.valid = false;
	snprintf(t.reason, sizeof(t.reason), "timeout");
	t.cpu_fetch_ns = t.cpu_origin_ns = -1;
	t.late_known = true;
	t.down.late_pkts = 3;
	assert_int_equal(trial_rows_make(&pg, &t, 0, &rows), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(rows.reqs[i].tls_done_ns, -1);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(rows.conns[i].tls_version, 0);
		assert_int_equal(rows.conns[i].tls_done_ns, -1);
		assert_int_equal(rows.conns[i].tls_resumed, 0);
		assert_null(rows.conns[i].tls_early);
		assert_null(rows.conns[i].tls_cipher);
	}
	assert_int_equal(rows.trial.fallbacks, -1);
	assert_int_equal(rows.trial.fallback_ns, -1);
	assert_int_equal(rows.trial.cpu_fetch_ns, -1);
	assert_string_equal(rows.trial.invalid_reason, "timeout");
	assert_int_equal(rows.link[STORE_DIR_DOWN].late_pkts, 3);
	trial_rows_release(&rows);
}

/* The load event only where the fetcher had one (Chromium's, > 0); the
 * last response is the latest end of a request, whichever it was. */
static void test_load_event(void **state)
{
	struct fetch_req req[3];
	struct fetch_conn conns[2];
	struct trial_result t;
	struct trial_rows rows;
	fill(&t, req, conns);
	assert_int_equal(t.load_event_ns, 0);  /* as trial_run's memset leaves it */
	assert_int_equal(trial_rows_make(&pg, &t, 0, &rows), 0);
	assert_int_equal(rows.trial.load_event_ns, -1);
	assert_int_equal(rows.trial.last_response_ns, 550 * MS);
	trial_rows_release(&rows);

	t.load_event_ns = 620 * MS;
	req[1].done_ns = -1;  /* never ended */
	assert_int_equal(trial_rows_make(&pg, &t, 0, &rows), 0);
	assert_int_equal(rows.trial.load_event_ns, 620 * MS);
	assert_int_equal(rows.trial.last_response_ns, 350 * MS);
	trial_rows_release(&rows);

	t.load_event_ns = -1;
	t.fetch.n = 0;
	assert_int_equal(trial_rows_make(&pg, &t, 0, &rows), 0);
	assert_int_equal(rows.trial.load_event_ns, -1);
	assert_int_equal(rows.trial.last_response_ns, -1);
	trial_rows_release(&rows);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_https),
		cmocka_unit_test(test_http),
		cmocka_unit_test(test_load_event),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
