/* A browser's DevTools network events turned into the fetcher's record
 * (browser/netlog.h), with events shaped as Chromium 156 sends them. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "browser/netlog.h"
#include "tests/unit/netlog_feed.h"

static const char page_text[] = /* hosts a.test, b.test: the browser asks for a.test.test */
	"name t\n"
	"0 - a.test /index.html 1000 300 text/html -\n"
	"1 0 a.test /s.css 500 300 text/css 100 via=html\n"
	"2 0 b.test /i.png?x=1 200 300 image/png 400 via=html\n";

static struct page *page(void)
{
	struct page *pg = NULL;
	assert_int_equal(page_parse_buf("t.page", page_text, strlen(page_text), &pg), 0);
	return pg;
}

static void whole_load(void **state)
{
	struct page *pg = page();
	struct netlog l;
	assert_int_equal(netlog_init(&l, "S"), 0);
	/* Root on a new connection 7 (t0 = 100 s), the stylesheet reusing it,
	 * the image on a new connection 9, favicon.ico on 7 after the load. */
	request(&l, "R", "http://a.test.test/index.html", 100.001, 100.001, 1, 101, 102, 203, 100.300, 7, 200, 1000);
	request(&l, "Q1", "http://a.test.test/s.css", 100.250, 100.250, -1, -1, 50, 151, 100.500, 7, 200, 500);
	request(&l, "Q2", "http://b.test.test/i.png?x=1", 100.260, 100.260, 2, 102, 103, 204, 100.600, 9, 200, 200);
	assert_int_equal(netlog_pending(&l), 0);
	request(&l, "F", "http://a.test.test/favicon.ico", 100.700, 100.700, -1, -1, 1, 100, 100.800, 7, 404, 0);
	/* Events of another session do not count. */
	feed(&l, "{\"method\":\"Network.requestWillBeSent\",\"sessionId\":\"X\",\"params\":"
	     "{\"requestId\":\"Z\",\"request\":{\"url\":\"http://a.test/s.css\"},\"timestamp\":1}}");
	assert_int_equal(l.n, 4);

	struct fetch_result r;
	struct netlog_fill f;
	assert_int_equal(netlog_to_fetch(&l, pg, 80, 100.0, &r, &f), 0);
	assert_int_equal(f.missed, 0);
	assert_int_equal(f.bad, 0);
	assert_int_equal(f.extra, 1);
	assert_int_equal(r.n, 3);
	assert_int_equal(r.nconns, 2);
	/* Root: connection 0, new, connect at 2 ms, first byte at 204 ms. */
	assert_int_equal(r.req[0].conn, 0);
	assert_true(r.req[0].new_conn);
	assert_int_equal(r.req[0].connect_ns / 1000, 2000);
	assert_int_equal(r.req[0].connected_ns / 1000, 102000);
	assert_int_equal(r.req[0].sent_ns / 1000, 103000);
	assert_int_equal(r.req[0].first_byte_ns / 1000, 204000);
	assert_int_equal(r.req[0].done_ns / 1000, 300000);
	assert_int_equal(r.req[0].body_bytes, 1000);
	/* The stylesheet rode the root's connection. */
	assert_int_equal(r.req[1].conn, 0);
	assert_false(r.req[1].new_conn);
	assert_int_equal(r.req[1].connect_ns, -1);
	assert_int_equal(r.req[1].queued_ns / 1000, 250000);
	/* The image opened the second connection, to host b.test. */
	assert_int_equal(r.req[2].conn, 1);
	assert_true(r.req[2].new_conn);
	assert_int_equal(r.conns[1].host, 1);
	assert_int_equal(r.conns[0].requests, 2);
	assert_int_equal(r.bytes_rx, (1000 / 2 + 150) + (500 / 2 + 150) + (200 / 2 + 150));
	fetch_result_free(&r);
	netlog_release(&l);
	page_free(pg);
}

static void missed_and_wrong(void **state)
{
	struct page *pg = page();
	struct netlog l;
	assert_int_equal(netlog_init(&l, NULL), 0);
	request(&l, "R", "http://a.test.test/index.html", 100.001, 100.001, 1, 101, 102, 203, 100.300, 7, 200, 1000);
	/* The stylesheet decoded to the wrong size; the image never asked for. */
	request(&l, "Q1", "http://a.test.test/s.css", 100.250, 100.250, -1, -1, 50, 151, 100.500, 7, 200, 499);
	struct fetch_result r;
	struct netlog_fill f;
	assert_int_equal(netlog_to_fetch(&l, pg, 80, 100.0, &r, &f), 0);
	assert_int_equal(f.missed, 1);
	assert_int_equal(f.bad, 1);
	assert_non_null(strstr(f.why, "499 decoded bytes, the page says 500: http://a.test.test/s.css"));
	assert_int_equal(r.req[2].conn, -1);
	assert_int_equal(r.req[2].done_ns, -1);
	fetch_result_free(&r);
	netlog_release(&l);
	page_free(pg);
}

static void pending_and_failed(void **state)
{
	struct page *pg = page();
	struct netlog l;
	assert_int_equal(netlog_init(&l, "S"), 0);
	request_sent(&l, "R", "http://a.test.test/index.html", 5);
	assert_int_equal(netlog_pending(&l), 1);
	feed(&l, "{\"method\":\"Network.loadingFailed\",\"sessionId\":\"S\",\"params\":"
	     "{\"requestId\":\"R\",\"timestamp\":6,\"errorText\":\"net::ERR_CONNECTION_RESET\"}}");
	assert_int_equal(netlog_pending(&l), 0);
	struct fetch_result r;
	struct netlog_fill f;
	assert_int_equal(netlog_to_fetch(&l, pg, 80, 5.0, &r, &f), 0);
	assert_int_equal(f.bad, 1);
	assert_int_equal(f.missed, 2);
	assert_string_equal(f.why, "net::ERR_CONNECTION_RESET: http://a.test.test/index.html");
	fetch_result_free(&r);
	/* An event without its requestId breaks the protocol's promise. */
	json_t *ev = json_pack("{s:s, s:s, s:{}}", "method", "Network.dataReceived", "sessionId", "S",
			       "params");
	assert_int_equal(netlog_event(&l, ev), -EPROTO);
	json_decref(ev);
	netlog_release(&l);
	page_free(pg);
}

static void urls(void **state)
{
	struct page *pg = page();
	char u[NETLOG_URL_MAX];
	assert_int_equal(netlog_url(pg, 2, 80, u, sizeof(u)), 0);
	assert_string_equal(u, "http://b.test.test/i.png?x=1");
	assert_int_equal(netlog_url(pg, 2, 8080, u, sizeof(u)), 0);
	assert_string_equal(u, "http://b.test.test:8080/i.png?x=1");
	assert_int_equal(netlog_url(pg, 2, 0, u, 10), -ENAMETOOLONG);
	page_free(pg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(whole_load),
		cmocka_unit_test(missed_and_wrong),
		cmocka_unit_test(pending_and_failed),
		cmocka_unit_test(urls),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
