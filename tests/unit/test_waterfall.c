/*
 * The text waterfall (fetch_waterfall_print) of synthetic loads: the TLS
 * phase 's' of a new HTTPS connection sits between connecting and waiting;
 * a request sent as early data (1.3-early) has none, its handshake being
 * waited through; plain HTTP has neither the phase nor its legend.  A load
 * of 600 ms in 60 columns: one column is 10 ms.  And the data of the
 * waterfall figure (plot_write_waterfall): tls_done per new connection.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "plots/plot_waterfall.h"
#include "workloads/fetch.h"

#define MS 1000000LL

static char *hosts[] = { "a.example", "b.example" };
static struct page_res res[2] = {
	{ .id = "r0", .parent = -1, .host = 0, .path = "/" },
	{ .id = "r1", .parent = 0, .host = 1, .path = "/x" },
};
static const struct page pg = { .name = "t", .n = 2, .res = res, .nhosts = 2, .hosts = hosts };

static char *print(struct fetch_req *req)
{
	struct fetch_result r = { .plt_ns = 600 * MS, .n = 2, .req = req };
	char *text = NULL;
	size_t len;
	FILE *f = open_memstream(&text, &len);
	assert_non_null(f);
	assert_int_equal(fetch_waterfall_print(&pg, &r, f), 0);
	fclose(f);
	return text;
}

/* "|BAR|" from runs of (count, char). */
static void bar_of(char *buf, const char *runs)
{
	char *p = buf;
	*p++ = '|';
	for (const char *r = runs; *r; r += 2)
		for (int i = 0; i < r[0]; i++)
			*p++ = r[1];
	*p++ = '|';
	*p = '\0';
}

/* Does any bar (between the '|' of a line) hold @ch? */
static int bars_hold(const char *out, char ch)
{
	for (const char *l = out; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		const char *a = strchr(l, '|'), *e = strchr(l, '\n');
		const char *b = a ? strchr(a + 1, '|') : NULL;
		if (a && b && (!e || b < e) && memchr(a, ch, (size_t)(b - a)))
			return 1;
	}
	return 0;
}

static void must_have(const char *out, const char *s)
{
	if (!strstr(out, s))
		fail_msg("missing\n  %s\nin:\n%s", s, out);
}

static void test_tls_phase(void **state)
{
	struct fetch_req req[2] = {
		/* a full handshake: TCP 0-100 ms, TLS 100-200 ms, request at 200 ms */
		{ .queued_ns = 0, .connect_ns = 0, .connected_ns = 100 * MS, .tls_done_ns = 200 * MS,
		  .sent_ns = 200 * MS, .first_byte_ns = 300 * MS, .done_ns = 400 * MS, .conn = 0,
		  .new_conn = true },
		/* early data in the SYN: sent at 0, the handshake done at 150 ms */
		{ .queued_ns = 0, .connect_ns = 0, .connected_ns = 100 * MS, .tls_done_ns = 150 * MS,
		  .sent_ns = 0, .first_byte_ns = 200 * MS, .done_ns = 600 * MS, .conn = 1,
		  .new_conn = true },
	};
	char want[80];
	char *out = print(req);
	must_have(out, "# . queued  c connecting  s secure (TLS handshake)  w waiting  r receiving;");
	/* columns 0-9 c, 10-20 s, 21-29 w, 30-40 r */
	bar_of(want, "\x0a" "c" "\x0b" "s" "\x09" "w" "\x0b" "r" "\x13" " ");
	must_have(out, want);
	assert_true(bars_hold(out, 's'));
	/* column 0 c, 1-19 w, 20-59 r: no s */
	bar_of(want, "\x01" "c" "\x13" "w" "\x28" "r");
	must_have(out, want);
	free(out);

	/* Plain HTTP: no TLS time, no phase, no legend for it. */
	for (int i = 0; i < 2; i++)
		req[i].tls_done_ns = -1;
	req[0].sent_ns = 100 * MS;
	out = print(req);
	must_have(out, "# . queued  c connecting  w waiting  r receiving;");
	assert_false(bars_hold(out, 's'));
	/* columns 0-10 c (its last column over w's first), 11-29 w, 30-40 r */
	bar_of(want, "\x0b" "c" "\x13" "w" "\x0b" "r" "\x13" " ");
	must_have(out, want);
	free(out);

	/* A reused connection shows no handshake of its own. */
	req[1].new_conn = false;
	req[1].tls_done_ns = 150 * MS;
	req[1].sent_ns = 20 * MS;
	out = print(req);
	bar_of(want, "\x02" "." "\x12" "w" "\x28" "r");
	must_have(out, want);
	free(out);
}

/* The figure's data: tls_done in ms for the request that opened a TLS
 * connection, NaN for a reused connection and without TLS. */
static void test_plot_data(void **state)
{
	struct store_request q[3] = {
		{ .res_idx = 0, .host = "a.example", .path = "/", .conn_id = 0, .new_conn = 1,
		  .queued_ns = 0, .connect_start_ns = 0, .connected_ns = 100 * MS,
		  .tls_done_ns = 200 * MS, .req_sent_ns = 200 * MS, .first_byte_ns = 300 * MS,
		  .last_byte_ns = 400 * MS },
		{ .res_idx = 1, .host = "a.example", .path = "/a", .conn_id = 0, .new_conn = 0,
		  .queued_ns = 400 * MS, .connect_start_ns = -1, .connected_ns = -1,
		  .tls_done_ns = 200 * MS, .req_sent_ns = 400 * MS, .first_byte_ns = 500 * MS,
		  .last_byte_ns = 550 * MS },
		{ .res_idx = 2, .host = "b.example", .path = "/b", .conn_id = 1, .new_conn = 1,
		  .queued_ns = 0, .connect_start_ns = 0, .connected_ns = 100 * MS,
		  .tls_done_ns = -1, .req_sent_ns = 100 * MS, .first_byte_ns = 200 * MS,
		  .last_byte_ns = 250 * MS },
	};
	struct store_condition cond = { .id = 3, .page = "t", .tfo_mode = TFO_OFF, .tls = TLS_13 };
	struct plot_wf_side side = { .cond = &cond, .trial = { .id = 1, .plt_ns = 550 * MS },
				     .ntrials = 1, .req = q, .n = 3, .new_conns = 2, .title = "t" };
	struct plot_data pd = { .run_id = 7 };
	char *text = NULL;
	size_t len;
	FILE *f = open_memstream(&text, &len);
	assert_non_null(f);
	assert_int_equal(plot_write_waterfall(&pd, &side, f), 0);
	fclose(f);
	must_have(text, "\tlast_byte_ms\ttls_done_ms\turl\n");
	must_have(text, "\n1\t0\t0\t1\t0\t0.000000\t0.000000\t100.000000\t200.000000\t"
		  "300.000000\t400.000000\t200.000000\ta.example/\n");
	must_have(text, "\n2\t1\t0\t0\t0\t400.000000\tNaN\tNaN\t400.000000\t500.000000\t"
		  "550.000000\tNaN\ta.example/a\n");
	must_have(text, "\n3\t2\t1\t1\t0\t0.000000\t0.000000\t100.000000\t100.000000\t"
		  "200.000000\t250.000000\tNaN\tb.example/b\n");
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tls_phase),
		cmocka_unit_test(test_plot_data),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
