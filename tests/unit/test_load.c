/* When a browser's page load is over and whether it was whole
 * (browser/settle.h, the decisions of browser/load.c), on a synthetic
 * clock with DevTools events fed as Chromium sends them. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "browser/settle.h"
#include "tests/unit/netlog_feed.h"

#define S(x) ((int64_t)((x) * 1e9))
#define BOUND S(60)      /* twice a request timeout of 30 s */
#define GRACE S(5)
#define T0 S(1000)       /* navigation, on our clock */

/* The root, a stylesheet, and an image its script asks for late. */
static const char page_text[] =
	"name g\n"
	"0 - a.test /index.html 1000 300 text/html -\n"
	"1 0 a.test /s.css 500 300 text/css 100 via=html\n"
	"2 0 b.test /late.png 200 300 image/png 400 via=script\n";

#define ROOT "http://a.test.test/index.html"
#define CSS "http://a.test.test/s.css"
#define LATE "http://b.test.test/late.png"
#define FAVICON "http://a.test.test/favicon.ico"

struct fixture {
	struct page *pg;
	struct netlog l;
	struct settle s;
	struct fetch_result r;
};

static int setup(void **state)
{
	static struct fixture f;
	memset(&f, 0, sizeof(f));
	assert_int_equal(page_parse_buf("g.page", page_text, strlen(page_text), &f.pg), 0);
	assert_int_equal(netlog_init(&f.l, "S"), 0);
	settle_init(&f.s, f.pg, 80, T0, BOUND, GRACE);
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	fetch_result_free(&f->r);
	netlog_release(&f->l);
	page_free(f->pg);
	return 0;
}

/* A request for @url answered @status with @decoded bytes, on connection 7. */
static void answer(struct fixture *f, const char *id, const char *url, int status, int decoded)
{
	request(&f->l, id, url, 100.001, 100.001, 1, 101, 102, 203, 100.3, 7, status, decoded);
}

/* A request sent earlier finishes (loadingFinished at @t s). */
static void finished(struct fixture *f, const char *id, double t)
{
	feed(&f->l, "{\"method\":\"Network.loadingFinished\",\"sessionId\":\"S\",\"params\":"
	     "{\"requestId\":\"%s\",\"timestamp\":%.6f,\"encodedDataLength\":0}}", id, t);
}

static void root_and_css(struct fixture *f)
{
	answer(f, "R", ROOT, 200, 1000);
	answer(f, "C", CSS, 200, 500);
}

/* The state at @now and the wake it asks for. */
static enum settle_state at(struct fixture *f, int64_t now, int64_t *wake)
{
	return settle_check(&f->s, &f->l, now, wake);
}

/* At @now the load waits, asking to be woken at @until; it still waits
 * just before then, and is in state @then at @until. */
static void waits_until(struct fixture *f, int64_t now, int64_t until, enum settle_state then)
{
	int64_t wake;
	assert_int_equal(at(f, now, &wake), SETTLE_WAIT);
	assert_int_equal(wake, until);
	assert_int_equal(at(f, until - 1, &wake), SETTLE_WAIT);
	assert_int_equal(at(f, until, &wake), then);
}

static void before_load_event(void **state)
{
	struct fixture *f = *state;
	root_and_css(f);
	answer(f, "L", LATE, 200, 200);
	/* Every resource in, but no load event: wait, until the bound. */
	waits_until(f, T0 + S(1), T0 + BOUND, SETTLE_TIMEDOUT);
	assert_int_equal(settle_timeout(&f->s, &f->l, &f->r), -ETIMEDOUT);
	assert_string_equal(f->r.error, "chromium: no load event in 60 s (killed); "
			    "0 of 3 requests unanswered, first: none");
}

static void all_in_at_the_load_event(void **state)
{
	struct fixture *f = *state;
	int64_t wake;
	root_and_css(f);
	answer(f, "L", LATE, 200, 200);
	settle_load_event(&f->s, T0 + S(2));
	settle_load_event(&f->s, T0 + S(3));   /* the first counts */
	assert_int_equal(f->s.load_ns, T0 + S(2));
	/* Nothing left to wait for: no grace to sit out. */
	assert_int_equal(at(f, T0 + S(2), &wake), SETTLE_DONE);
	assert_int_equal(settle_finish(&f->s, &f->l, 2.0, 1500.0, &f->r), 0);
	assert_int_equal(f->r.plt_ns, S(1.5));
	assert_int_equal(f->r.load_event_ns, f->r.plt_ns);
	assert_int_equal(f->r.n, 3);
	assert_int_equal(f->r.extra_requests, 0);
	/* requestStart (2 ms after navigation) is the root's send (102 ms
	 * after its base 100.001 s): its head came 101 ms after that. */
	assert_int_equal(f->r.req[0].first_byte_ns / 1000, 103000);
}

static void grace_for_a_late_resource(void **state)
{
	struct fixture *f = *state;
	root_and_css(f);
	settle_load_event(&f->s, T0 + S(2));
	/* All requests answered, the late image not yet asked for: wait out
	 * the grace, and no longer. */
	waits_until(f, T0 + S(2), T0 + S(2) + GRACE, SETTLE_DONE);
	/* ... then the load is settled but not whole: it names what it missed. */
	assert_int_equal(settle_finish(&f->s, &f->l, 2.0, 1500.0, &f->r), -EBADMSG);
	assert_string_equal(f->r.error, "chromium: 1 of 3 resources never requested, "
			    "0 failed or wrong; first: never requested: b.test/late.png");
}

static void late_resource_within_the_grace(void **state)
{
	struct fixture *f = *state;
	int64_t wake;
	root_and_css(f);
	settle_load_event(&f->s, T0 + S(2));
	assert_int_equal(at(f, T0 + S(3), &wake), SETTLE_WAIT);
	/* Asked for: open, so the grace no longer ends the wait. */
	request_sent(&f->l, "L", LATE, 103.0);
	assert_int_equal(at(f, T0 + S(3), &wake), SETTLE_WAIT);
	assert_int_equal(wake, T0 + BOUND);
	request_answered(&f->l, "L", 103.0, 1, 101, 102, 203, 103.5, 9, 200, 200);
	assert_int_equal(at(f, T0 + S(4), &wake), SETTLE_DONE);
	assert_int_equal(settle_finish(&f->s, &f->l, 2.0, 1500.0, &f->r), 0);
}

static void open_request_until_the_bound(void **state)
{
	struct fixture *f = *state;
	answer(f, "R", ROOT, 200, 1000);
	request_sent(&f->l, "C", CSS, 100.25);
	request_sent(&f->l, "L", LATE, 100.26);
	settle_load_event(&f->s, T0 + S(2));
	/* Open at the grace's end: keep waiting, woken by events or the bound. */
	waits_until(f, T0 + S(2) + GRACE, T0 + BOUND, SETTLE_TIMEDOUT);
	assert_int_equal(settle_timeout(&f->s, &f->l, &f->r), -ETIMEDOUT);
	assert_string_equal(f->r.error, "chromium: requests still open in 60 s (killed); "
			    "2 of 3 requests unanswered, first: " CSS);
}

static void answered_just_before_the_bound(void **state)
{
	struct fixture *f = *state;
	int64_t wake;
	answer(f, "R", ROOT, 200, 1000);
	request_sent(&f->l, "C", CSS, 100.25);
	settle_load_event(&f->s, T0 + S(2));
	assert_int_equal(at(f, T0 + BOUND - 1, &wake), SETTLE_WAIT);
	/* Finished at the last moment (the late image never asked for): over,
	 * though the bound has come meanwhile. */
	finished(f, "C", 160.0);
	assert_int_equal(at(f, T0 + BOUND, &wake), SETTLE_DONE);
}

/* The grace's end never wakes us after the bound. */
static void grace_beyond_the_bound(void **state)
{
	struct fixture *f = *state;
	root_and_css(f);
	settle_load_event(&f->s, T0 + BOUND - S(1));
	waits_until(f, T0 + BOUND - S(1), T0 + BOUND, SETTLE_TIMEDOUT);
}

static void wrong_size_or_status(void **state)
{
	struct fixture *f = *state;
	int64_t wake;
	answer(f, "R", ROOT, 200, 1000);
	answer(f, "C", CSS, 200, 499);
	answer(f, "L", LATE, 404, 200);
	settle_load_event(&f->s, T0 + S(2));
	assert_int_equal(at(f, T0 + S(2), &wake), SETTLE_DONE);
	assert_int_equal(settle_finish(&f->s, &f->l, 2.0, 1500.0, &f->r), -EBADMSG);
	assert_string_equal(f->r.error, "chromium: 0 of 3 resources never requested, 2 failed or "
			    "wrong; first: 499 decoded bytes, the page says 500: " CSS);
	fetch_result_free(&f->r);
	/* A status other than 200 alone. */
	netlog_release(&f->l);
	assert_int_equal(netlog_init(&f->l, "S"), 0);
	root_and_css(f);
	answer(f, "L", LATE, 404, 200);
	assert_int_equal(settle_finish(&f->s, &f->l, 2.0, 1500.0, &f->r), -EBADMSG);
	assert_non_null(strstr(f->r.error, "1 failed or wrong; first: status 404: " LATE));
}

static void extra_requests_counted(void **state)
{
	struct fixture *f = *state;
	int64_t wake;
	root_and_css(f);
	answer(f, "L", LATE, 200, 200);
	settle_load_event(&f->s, T0 + S(2));
	/* The browser's own favicon.ico: open, it is waited for ... */
	request_sent(&f->l, "F", FAVICON, 100.7);
	assert_int_equal(at(f, T0 + S(2), &wake), SETTLE_WAIT);
	/* ... and once over it does not spoil the load, even as a 404 (a
	 * second one): extra requests are only counted. */
	finished(f, "F", 100.8);
	answer(f, "F2", FAVICON, 404, 0);
	assert_int_equal(at(f, T0 + S(2), &wake), SETTLE_DONE);
	assert_int_equal(settle_finish(&f->s, &f->l, 2.0, 1500.0, &f->r), 0);
	assert_int_equal(f->r.extra_requests, 2);
	assert_string_equal(f->r.error, "");
}

static void root_without_timing(void **state)
{
	struct fixture *f = *state;
	answer(f, "C", CSS, 200, 500);
	request_sent(&f->l, "R", ROOT, 100.0);
	assert_int_equal(settle_finish(&f->s, &f->l, 2.0, 1500.0, &f->r), -EBADMSG);
	assert_string_equal(f->r.error, "chromium: no timing for the root " ROOT);
}

int main(void)
{
#define T(t) cmocka_unit_test_setup_teardown(t, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(before_load_event),
		T(all_in_at_the_load_event),
		T(grace_for_a_late_resource),
		T(late_resource_within_the_grace),
		T(open_request_until_the_bound),
		T(answered_just_before_the_bound),
		T(grace_beyond_the_bound),
		T(wrong_size_or_status),
		T(extra_requests_counted),
		T(root_without_timing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
