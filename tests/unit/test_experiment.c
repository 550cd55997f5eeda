/*
 * Experiment files: the shipped ones, defaults, matrix order and pairing,
 * every class of error with its exact message, and --set overrides.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/units.h"
#include "common/vocab.h"
#include "emulator/preset.h"
#include "run/experiment.h"
#include "verify/stall.h"

#define MS 1000000ull
#define S 1000000000ull

/* stderr capture: fd 2 goes to a temporary file while a call runs. */
static FILE *cap_file;
static int cap_saved = -1;
static char cap_buf[16384];

static void capture_start(void)
{
	fflush(stderr);
	cap_file = tmpfile();
	assert_non_null(cap_file);
	cap_saved = dup(2);
	assert_true(cap_saved >= 0);
	assert_true(dup2(fileno(cap_file), 2) >= 0);
}

static const char *capture_end(void)
{
	fflush(stderr);
	dup2(cap_saved, 2);
	close(cap_saved);
	cap_saved = -1;
	rewind(cap_file);
	size_t n = fread(cap_buf, 1, sizeof(cap_buf) - 1, cap_file);
	cap_buf[n] = '\0';
	fclose(cap_file);
	return cap_buf;
}

static int count_lines(const char *s)
{
	int n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* Parse @text as "t.conf", expect -EINVAL and exactly @nlines error lines. */
static const char *parse_fails(const char *text, int nlines)
{
	struct experiment *e = NULL;
	capture_start();
	int rc = experiment_parse_buf("t.conf", text, &e);
	const char *err = capture_end();
	assert_int_equal(rc, -EINVAL);
	assert_null(e);
	if (count_lines(err) != nlines)
		fail_msg("expected %d error lines, got:\n%s", nlines, err);
	return err;
}

/* The whole stderr must contain the line "tfolab: error: @msg". */
static void assert_error(const char *err, const char *msg)
{
	char line[2048];
	snprintf(line, sizeof(line), "tfolab: error: %s\n", msg);
	if (!strstr(err, line))
		fail_msg("missing error line\n  %s\nin:\n%s", line, err);
}

static void expect_one(const char *text, const char *msg)
{
	assert_error(parse_fails(text, 1), msg);
}

static struct experiment *parse_ok(const char *text)
{
	struct experiment *e = NULL;
	capture_start();
	int rc = experiment_parse_buf("dir/t.conf", text, &e);
	const char *err = capture_end();
	if (rc != 0)
		fail_msg("parse failed: %s", err);
	assert_string_equal(err, "");
	return e;
}

static struct experiment *parse_shipped(const char *file)
{
	const char *src = getenv("TFOLAB_SRC");
	char path[PATH_MAX];
	struct experiment *e = NULL;

	assert_non_null(src);
	snprintf(path, sizeof(path), "%s/experiments/%s", src, file);
	assert_int_equal(experiment_parse(path, &e), 0);
	assert_non_null(e);
	assert_string_equal(e->source, path);

	/* The text is kept as read, byte for byte. */
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	static char buf[65536];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	assert_string_equal(e->text, buf);
	return e;
}

static void test_table1(void **state)
{
	struct experiment *e = parse_shipped("table1.conf");
	struct condition_spec *c;
	size_t n;
	static const char *pages[] = { "amazon", "nytimes", "wsj", "wikipedia-tcp" };
	static const uint64_t rtts[] = { 20 * MS, 100 * MS, 200 * MS };

	assert_string_equal(e->name, "table1");
	assert_true(strlen(e->description) > 0);
	assert_int_equal(experiment_matrix(e, &c, &n), 0);
	assert_int_equal(n, 24);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(c[i].index, i);
		assert_int_equal(c[i].pair, i / 2);
		assert_string_equal(c[i].page, pages[i / 6]);
		assert_int_equal(c[i].rtt_ns, rtts[(i / 2) % 3]);
		assert_int_equal(c[i].link.up.delay_ns + c[i].link.down.delay_ns, c[i].rtt_ns);
		assert_int_equal(c[i].link.up.delay_ns, c[i].rtt_ns / 2);
		assert_int_equal(c[i].link.down.rate_bps, 4000000);
		assert_int_equal(c[i].link.up.rate_bps, 256000);
		assert_true(c[i].link.down.limit_pkts >= LINK_MIN_QUEUE_PKTS);
		assert_true(c[i].link.up.limit_pkts >= LINK_MIN_QUEUE_PKTS);
		assert_true(c[i].link.down.loss == 0 && c[i].link.up.loss == 0);
		assert_int_equal(c[i].tfo, i % 2 ? TFO_ON : TFO_OFF);
		assert_int_equal(tfo_mode_sysctl(c[i].tfo, false), i % 2 ? 519 : 0);
		assert_int_equal(c[i].per_conn, 2);
		assert_int_equal(c[i].conns_per_host, 6);
		assert_int_equal(c[i].trials, 15);
		assert_int_equal(c[i].warmup, 1);
		assert_int_equal(c[i].timeout_ns, 30 * S);
		assert_int_equal(c[i].backend, BACKEND_AUTO);
		assert_string_equal(c[i].cc, "cubic"); /* the paper's, set per route */
		assert_int_equal(c[i].encoding, ENC_WIRE); /* the default */
	}
	/* Even at 200ms, 4x the BDP of 4mbit is 267 packets: the floor applies. */
	assert_int_equal(c[5].link.down.limit_pkts, LINK_MIN_QUEUE_PKTS);
	assert_int_equal(c[5].link.down.limit_bytes, 0);
	free(c);
	experiment_free(e);
}

static void test_persistence(void **state)
{
	struct experiment *e = parse_shipped("persistence.conf");
	struct condition_spec *c;
	size_t n;
	static const uint32_t per_conn[] = { 1, 2, 0 };
	static const uint64_t rtts[] = { 20 * MS, 100 * MS, 200 * MS };

	assert_int_equal(experiment_matrix(e, &c, &n), 0);
	assert_int_equal(n, 72);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(c[i].pair, i / 2);
		assert_int_equal(c[i].per_conn, per_conn[(i / 2) % 3]);
		assert_int_equal(c[i].rtt_ns, rtts[(i / 6) % 3]);
		assert_int_equal(c[i].tfo, i % 2);
		assert_string_equal(c[i].cc, "cubic");
	}
	assert_string_equal(c[0].page, "amazon");
	assert_string_equal(c[71].page, "wikipedia-tcp");
	free(c);
	experiment_free(e);
}

/*
 * Checks that the shipped @file is table1.conf with one more key of two
 * values inside rtt (index = ((page * 3 + rtt) * 2 + v) * 2 + tfo): cell
 * for cell the same but for that key, which @other asserts of @a (of
 * value @v) and @b (table1's) and then sets in @a as in @b.
 */
static void assert_table1_plus(const char *file, const char *name,
			       void (*other)(struct condition_spec *a,
					     const struct condition_spec *b, size_t v))
{
	struct experiment *e = parse_shipped(file), *t1 = parse_shipped("table1.conf");
	struct condition_spec *c, *t;
	size_t n, nt;

	assert_string_equal(e->name, name);
	assert_int_equal(experiment_matrix(e, &c, &n), 0);
	assert_int_equal(experiment_matrix(t1, &t, &nt), 0);
	assert_int_equal(n, 48);
	assert_int_equal(nt, 24);
	for (size_t i = 0; i < n; i++) {
		size_t v = (i / 2) % 2, j = (i / 4) * 2 + i % 2;
		struct condition_spec a, b;
		memcpy(&a, &c[i], sizeof(a));  /* memcpy keeps the (zeroed) padding */
		memcpy(&b, &t[j], sizeof(b));
		assert_int_equal(a.pair, i / 2);
		other(&a, &b, v);
		a.index = b.index;
		a.pair = b.pair;
		assert_memory_equal(&a, &b, sizeof(a));
	}
	free(c);
	free(t);
	experiment_free(e);
	experiment_free(t1);
}

static void https_tls(struct condition_spec *a, const struct condition_spec *b, size_t v)
{
	assert_int_equal(a->tls, v ? TLS_13 : TLS_OFF);
	assert_int_equal(b->tls, TLS_OFF);
	a->tls = b->tls;
}

/* https.conf is table1.conf with tls = off, 1.3 inside rtt. */
static void test_https(void **state)
{
	assert_table1_plus("https.conf", "https", https_tls);
}

static void browser_fetcher(struct condition_spec *a, const struct condition_spec *b, size_t v)
{
	assert_int_equal(a->fetcher, v ? FETCHER_CHROMIUM : FETCHER_BUILTIN);
	assert_true(a->markup);  /* the builtin cells too */
	assert_int_equal(b->fetcher, FETCHER_BUILTIN);
	assert_false(b->markup);
	a->fetcher = b->fetcher;
	a->markup = b->markup;
}

/* table1-browser.conf is table1.conf with fetcher = builtin, chromium
 * inside rtt, every cell serving markup. */
static void test_table1_browser(void **state)
{
	assert_table1_plus("table1-browser.conf", "table1-browser", browser_fetcher);
}

static void test_capture_and_smoke(void **state)
{
	struct experiment *e = parse_shipped("capture.conf");
	struct condition_spec *c;
	size_t n;

	assert_int_equal(experiment_matrix(e, &c, &n), 0);
	assert_int_equal(n, 6);
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(c[i].page, "wikipedia-capture");
		assert_int_equal(c[i].link.down.rate_bps, 0);
		assert_int_equal(c[i].link.up.rate_bps, 0);
		assert_true(c[i].link.down.limit_pkts >= LINK_MIN_QUEUE_PKTS);
	}
	free(c);
	experiment_free(e);

	e = parse_shipped("smoke.conf");
	assert_int_equal(experiment_matrix(e, &c, &n), 0);
	assert_int_equal(n, 4);
	assert_int_equal(c[0].trials, 2);
	assert_int_equal(c[0].warmup, 1);
	assert_int_equal(c[3].rtt_ns, 100 * MS);
	assert_int_equal(c[3].tfo, TFO_ON);
	free(c);
	experiment_free(e);
}

static void test_defaults(void **state)
{
	struct experiment *e = parse_ok("pages = a\n");
	struct condition_spec *c;
	size_t n;

	assert_string_equal(e->name, "t");
	assert_string_equal(e->description, "");
	assert_int_equal(experiment_matrix(e, &c, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(c[0].page, "a");
	assert_int_equal(c[0].rtt_ns, 100 * MS);
	assert_int_equal(c[0].link.down.rate_bps, 4000000);
	assert_int_equal(c[0].link.up.rate_bps, 256000);
	assert_int_equal(c[0].link.down.limit_pkts, LINK_MIN_QUEUE_PKTS);
	assert_int_equal(c[0].link.down.limit_bytes, 0);
	assert_int_equal(c[0].tfo, TFO_OFF);
	assert_int_equal(c[1].tfo, TFO_ON);
	assert_int_equal(c[0].pair, c[1].pair);
	assert_int_equal(c[0].per_conn, 2);
	assert_int_equal(c[0].conns_per_host, 6);
	assert_int_equal(c[0].trials, 15);
	assert_int_equal(c[0].warmup, 1);
	assert_int_equal(c[0].timeout_ns, 30 * S);
	assert_int_equal(c[0].stall_limit_ns, STALL_LIMIT_NS);
	assert_int_equal(c[0].backend, BACKEND_AUTO);
	assert_string_equal(c[0].cc, "");
	assert_int_equal(c[0].tls, TLS_OFF);
	assert_int_equal(c[1].tls, TLS_OFF);
	free(c);

	char *eff = experiment_effective(e);
	assert_non_null(eff);
	assert_non_null(strstr(eff, "pages = a\n"));
	assert_non_null(strstr(eff, "rtt = 100ms\n"));
	assert_non_null(strstr(eff, "tfo = off, on\n"));
	assert_non_null(strstr(eff, "tls = off\n"));
	assert_non_null(strstr(eff, "name = t\n"));
	assert_null(strstr(eff, "cc ="));
	free(eff);
	experiment_free(e);
}

/* Every key with two values: the index is a mixed-radix number, tfo last. */
static void test_matrix_order(void **state)
{
	struct experiment *e = parse_ok(
		"[experiment]\n"
		"pages = p0, p1\n"
		"rtt = 10ms, 20ms\n"
		"down = 1mbit, 2mbit\n"
		"up = 100kbit, 200kbit\n"
		"queue = 100p, 200p\n"
		"loss = 0, 1%\n"
		"per_conn = 1, 2\n"
		"conns_per_host = 3, 4\n"
		"encoding = wire, decoded\n"
		"tls = off, 1.3\n"
		"tfo = off, on\n"
		"trials = 3\n"
		"warmup = 0\n"
		"timeout = 5s\n"
		"stall_limit = 0.1s\n"
		"backend = userspace\n"
		"cc = reno\n");
	struct condition_spec *c;
	size_t n;

	assert_int_equal(experiment_matrix(e, &c, &n), 0);
	assert_int_equal(n, 2048);
	for (size_t i = 0; i < n; i++) {
		size_t b[11];
		for (int k = 10; k >= 0; k--)
			b[k] = (i >> (10 - k)) & 1;  /* b[0] = pages ... b[10] = tfo */
		char page[8];
		snprintf(page, sizeof(page), "p%zu", b[0]);
		assert_string_equal(c[i].page, page);
		assert_int_equal(c[i].rtt_ns, (10 + 10 * b[1]) * MS);
		assert_int_equal(c[i].link.down.rate_bps, 1000000 * (1 + b[2]));
		assert_int_equal(c[i].link.up.rate_bps, 100000 * (1 + b[3]));
		assert_int_equal(c[i].link.down.limit_pkts, 100 * (1 + b[4]));
		assert_int_equal(c[i].link.up.limit_pkts, 100 * (1 + b[4]));
		assert_true(c[i].link.down.loss == (b[5] ? 0.01 : 0));
		assert_true(c[i].link.up.loss == (b[5] ? 0.01 : 0));
		assert_int_equal(c[i].per_conn, 1 + b[6]);
		assert_int_equal(c[i].conns_per_host, 3 + b[7]);
		assert_int_equal(c[i].encoding, b[8]);
		assert_int_equal(c[i].tls, b[9] ? TLS_13 : TLS_OFF);
		assert_int_equal(c[i].tfo, b[10]);
		assert_int_equal(c[i].pair, i / 2);
		assert_int_equal(c[i].trials, 3);
		assert_int_equal(c[i].warmup, 0);
		assert_int_equal(c[i].timeout_ns, 5 * S);
		assert_int_equal(c[i].stall_limit_ns, 100 * MS);
		assert_int_equal(c[i].backend, BACKEND_USERSPACE);
		assert_string_equal(c[i].cc, "reno");
	}
	/* The two halves of a pair differ in tfo only. */
	struct condition_spec a, b;
	memcpy(&a, &c[6], sizeof(a));  /* memcpy keeps the (zeroed) padding */
	memcpy(&b, &c[7], sizeof(b));
	assert_int_equal(a.pair, b.pair);
	a.tfo = b.tfo;
	a.index = b.index;
	assert_memory_equal(&a, &b, sizeof(a));
	free(c);
	experiment_free(e);
}

static void test_values(void **state)
{
	struct experiment *e = parse_ok(
		"# comment\n"
		"\r\n"
		"  pages =  ../my pages/x.page  \r\n"
		"description = Table #1, with commas\n"
		"rtt = 3ns\n"
		"queue = 1000p+1.5MB\n"
		"requests_per_connection = unlimited\n"
		"tfo = cookie\n"
		"loss = 0.5%\n"
		"backend = netem\n"
		"stall_limit = off\n"
		"name = my-exp.v2\n");
	struct condition_spec *c;
	size_t n;
	char buf[512];

	assert_string_equal(e->name, "my-exp.v2");
	assert_string_equal(e->description, "Table #1, with commas");
	assert_int_equal(experiment_matrix(e, &c, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(c[0].page, "../my pages/x.page");
	assert_int_equal(c[0].link.up.delay_ns, 1);
	assert_int_equal(c[0].link.down.delay_ns, 2);
	assert_int_equal(c[0].link.down.limit_pkts, 1000);
	assert_int_equal(c[0].link.down.limit_bytes, 1500000);
	assert_int_equal(c[0].link.up.limit_bytes, 1500000);
	assert_int_equal(c[0].per_conn, 0);
	assert_int_equal(c[0].tfo, TFO_COOKIE);
	assert_int_equal(tfo_mode_sysctl(c[0].tfo, false), 3);
	assert_true(c[0].link.up.loss == 0.005 && c[0].link.down.loss == 0.005);
	assert_int_equal(c[0].backend, BACKEND_NETEM);
	assert_int_equal(c[0].stall_limit_ns, 0);  /* off: no trial is a stall */
	assert_string_equal(tfo_mode_name(c[0].tfo), "cookie");
	assert_string_equal(backend_name(c[0].backend), "netem");
	condition_format(&c[0], buf, sizeof(buf));
	assert_string_equal(buf, "../my pages/x.page rtt=3ns down=4mbit up=256kbit "
				 "queue=1000p+1500000B loss=0.5% per_conn=unlimited "
				 "conns_per_host=6 encoding=wire tfo=cookie");
	free(c);
	experiment_free(e);
}

static void test_error_unknown_key(void **state)
{
	expect_one("pages = a\nrrt = 20ms\n", "t.conf:2: rrt: unknown key (did you mean rtt?)");
	expect_one("pages = a\nstall_limit = 0\n",
		   "t.conf:2: stall_limit: \"0\" is out of range (use a time from 1ms to 10s, or 'off')");
	expect_one("pages = a\nstall_limit = 999us\n",
		   "t.conf:2: stall_limit: \"999us\" is out of range (use a time from 1ms to 10s, or 'off')");
	expect_one("pages = a\nstall_limit = never\n", "t.conf:2: stall_limit: \"never\" is not a time (use a time such as 10ms, 50ms "
		   "or 0.1s, or 'off')");
	expect_one("timout = 1s\n", "t.conf:1: timout: unknown key (did you mean timeout?)");
	expect_one("requests_per_conn = 1\n",
		   "t.conf:1: requests_per_conn: unknown key (did you mean requests_per_connection?)");
	const char *err = parse_fails("zzzzzz = 1\n", 1);
	assert_non_null(strstr(err, "t.conf:1: zzzzzz: unknown key (use one of pages, rtt, down,"));
}

static void test_error_units(void **state)
{
	expect_one("rtt = 20ms, 100mss\n",
		   "t.conf:1: rtt: \"100mss\" is not a time (use " UNITS_TIME_FORM ")");
	expect_one("rtt = 20ms, 100\n", "t.conf:1: rtt: \"100\" has no unit (write 100ms)");
	expect_one("down = 4\n", "t.conf:1: down: \"4\" has no unit (write 4mbit or 4kbit)");
	expect_one("timeout = 30\n", "t.conf:1: timeout: \"30\" has no unit (write 30s)");
	expect_one("down = 4mbits\n",
		   "t.conf:1: down: \"4mbits\" is not a rate (use " UNITS_RATE_FORM ")");
	expect_one("up = 0\n",
		   "t.conf:1: up: \"0\" is out of range (use a rate above 0, or 'unlimited')");
	expect_one("queue = 1000\n", "t.conf:1: queue: \"1000\" is not a queue limit "
		   "(use a queue limit such as 1000p, 1.5MB, 1000p+1.5MB, or 'auto')");
	expect_one("queue = 0p\n", "t.conf:1: queue: \"0p\" is out of range (use a limit above "
		   "0 packets and 0 bytes, and at most 4294967295p, or 'auto')");
	expect_one("loss = 5\n",
		   "t.conf:1: loss: \"5\" is not a percentage (use " UNITS_PERCENT_FORM ")");
	expect_one("loss = 100%\n",
		   "t.conf:1: loss: \"100%\" is out of range (use a percentage from 0 to below 100%)");
	expect_one("tfo = maybe\n",
		   "t.conf:1: tfo: \"maybe\" is not a TFO mode (use off, on or cookie)");
	expect_one("backend = tc\n",
		   "t.conf:1: backend: \"tc\" is not a backend (use auto, userspace or netem)");
	expect_one("cc = bbr!\n", "t.conf:1: cc: \"bbr!\" is not a congestion control name "
		   "(use a name such as reno, cubic or bbr)");
	expect_one("name = my table\n", "t.conf:1: name: \"my table\" is not a name "
		   "(use letters, digits, '.', '_' and '-', such as table1)");
	expect_one("per_conn = 1.5\n", "t.conf:1: per_conn: \"1.5\" is not a number of requests "
		   "(use a whole number such as 1, 2 or 10, or 'unlimited')");
}

static void test_error_range(void **state)
{
	expect_one("trials = 0\n", "t.conf:1: trials: \"0\" is out of range (use 1 to 100000)");
	expect_one("warmup = -1\n", "t.conf:1: warmup: \"-1\" is out of range (use 0 to 100000)");
	expect_one("conns_per_host = 300\n",
		   "t.conf:1: conns_per_host: \"300\" is out of range (use 1 to 256)");
	expect_one("timeout = 0\n", "t.conf:1: timeout: \"0\" is out of range "
		   "(use a time above 0 and at most 60min)");
	expect_one("rtt = 30s\n",
		   "t.conf:1: rtt: \"30s\" is out of range (use a round-trip time from 0 to 20s)");
	expect_one("cc = abcdefghijklmnop\n", "t.conf:1: cc: \"abcdefghijklmnop\" is out of range "
		   "(use a name of at most 15 characters)");
	expect_one("per_conn = 99999999999999999999\n", "t.conf:1: per_conn: \"99999999999999999999\" "
		   "is out of range (use 1 to 1000000, or 'unlimited')");
}

static void test_error_lists(void **state)
{
	expect_one("rtt = 20ms,,100ms\n", "t.conf:1: rtt: empty item in the list \"20ms,,100ms\" "
		   "(use " UNITS_TIME_FORM ")");
	expect_one("tfo = off,\n",
		   "t.conf:1: tfo: empty item in the list \"off,\" (use off, on or cookie)");
	expect_one("rtt =\n", "t.conf:1: rtt: no value (use " UNITS_TIME_FORM ")");
	expect_one("trials = 1, 2\n",
		   "t.conf:1: trials: takes one value, not a list (use a whole number such as 15)");
	expect_one("warmup = 1,2\n",
		   "t.conf:1: warmup: takes one value, not a list (use a whole number such as 2 or 0)");
	expect_one("timeout = 1s, 2s\n",
		   "t.conf:1: timeout: takes one value, not a list (use " UNITS_TIME_FORM ")");
	expect_one("backend = auto, netem\n", "t.conf:1: backend: takes one value, not a list "
		   "(use auto, userspace or netem)");
	expect_one("rtt = 20ms, 0.02s\n", "t.conf:1: rtt: \"0.02s\" is the same as \"20ms\" "
		   "(list each value once)");
	expect_one("pages = a, b, a\n",
		   "t.conf:1: pages: \"a\" is listed twice (list each value once)");
}

static void test_error_structure(void **state)
{
	expect_one("pages = a\n\n# c\nrtt = 20ms\nrtt = 30ms\n",
		   "t.conf:5: rtt: given twice (first at line 4; give each key once)");
	expect_one("per_conn = 1\nrequests_per_connection = 2\n",
		   "t.conf:2: requests_per_connection: given twice (first at line 1; give each key once)");
	expect_one("[other]\n", "t.conf:1: [other]: unknown section (use [experiment])");
	expect_one("[experiment\n",
		   "t.conf:1: [experiment: unterminated section header (use [experiment])");
	expect_one(": odd = 1\n", "t.conf:1: key: \": odd\" is not a key name (use key = value; "
		   "tfolab run --help lists the keys)");
	expect_one("pages a\n", "t.conf:1: line: \"pages a\" is not a setting "
		   "(use key = value, or # for a comment)");
	expect_one("= 3\n", "t.conf:1: key: missing before '=' (use key = value)");
}

static void test_error_all_reported(void **state)
{
	const char *err = parse_fails(
		"# header\n"
		"pages = a\n"
		"rtt = 100mss\n"
		"trials = 1, 2\n"
		"bogus = 1\n"
		"tfo = on\n"
		"tfo = off\n", 4);
	assert_error(err, "t.conf:3: rtt: \"100mss\" is not a time (use " UNITS_TIME_FORM ")");
	assert_error(err, "t.conf:4: trials: takes one value, not a list "
		     "(use a whole number such as 15)");
	assert_error(err, "t.conf:5: bogus: unknown key (use one of pages, rtt, down, up, queue, "
		     "loss, per_conn, conns_per_host, encoding, tls, fetcher, tfo, trials, warmup, timeout, stall_limit, backend, cc, preset, "
		     "name, description)");
	assert_error(err, "t.conf:7: tfo: given twice (first at line 6; give each key once)");
}

static void test_missing_pages_and_file(void **state)
{
	struct experiment *e = parse_ok("rtt = 20ms\n");
	struct condition_spec *c = NULL;
	size_t n = 0;

	capture_start();
	int rc = experiment_matrix(e, &c, &n);
	const char *err = capture_end();
	assert_int_equal(rc, -EINVAL);
	assert_null(c);
	assert_error(err, "dir/t.conf: pages: missing "
		     "(use pages = VALUE[, VALUE...] in the file, or --set pages=...)");
	/* --set can supply it. */
	assert_int_equal(experiment_set(e, "pages=x,y"), 0);
	assert_int_equal(experiment_matrix(e, &c, &n), 0);
	assert_int_equal(n, 4);
	free(c);
	experiment_free(e);

	e = NULL;
	capture_start();
	rc = experiment_parse("/nonexistent/tfolab-h7.conf", &e);
	err = capture_end();
	assert_int_equal(rc, -ENOENT);
	assert_null(e);
	assert_error(err, "experiment /nonexistent/tfolab-h7.conf: open: No such file or directory");

	/* A directory opens but does not read. */
	capture_start();
	rc = experiment_parse("/", &e);
	err = capture_end();
	assert_int_equal(rc, -EISDIR);
	assert_null(e);
	assert_error(err, "experiment /: read: Is a directory");

	/* An empty file is an experiment with defaults and no pages. */
	char tmpl[] = "/tmp/tfolab-h7-XXXXXX";
	int fd = mkstemp(tmpl);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(experiment_parse(tmpl, &e), 0);
	assert_string_equal(e->text, "");
	experiment_free(e);
	unlink(tmpl);
}

static void test_set(void **state)
{
	struct experiment *e = parse_ok("pages = a, b\nrtt = 20ms\ntrials = 5\n");
	struct condition_spec *c;
	size_t n;

	assert_int_equal(experiment_set(e, "rtt=20ms,100ms, 200ms"), 0);
	assert_int_equal(experiment_set(e, " tfo = on "), 0);
	assert_int_equal(experiment_set(e, "trials=7"), 0);
	assert_int_equal(experiment_set(e, "requests_per_connection=unlimited"), 0);
	assert_int_equal(experiment_set(e, "name=other"), 0);
	assert_int_equal(experiment_set(e, "trials=8"), 0);  /* the last one wins */
	assert_string_equal(e->name, "other");
	assert_int_equal(e->n_sets, 6);
	assert_string_equal(e->sets[0], "rtt=20ms,100ms, 200ms");
	assert_int_equal(experiment_matrix(e, &c, &n), 0);
	assert_int_equal(n, 6);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(c[i].pair, i);  /* one tfo value: every cell its own pair */
		assert_int_equal(c[i].tfo, TFO_ON);
		assert_int_equal(c[i].trials, 8);
		assert_int_equal(c[i].per_conn, 0);
	}
	assert_int_equal(c[2].rtt_ns, 200 * MS);
	assert_string_equal(c[3].page, "b");
	free(c);
	char *eff = experiment_effective(e);
	assert_non_null(strstr(eff, "rtt = 20ms,100ms, 200ms\n"));
	assert_non_null(strstr(eff, "trials = 8\n"));
	assert_non_null(strstr(eff, "name = other\n"));
	free(eff);

	/* Errors name --set, and leave the experiment unchanged. */
	struct {
		const char *arg, *msg;
	} bad[] = {
		{ "rtt=100mss", "--set rtt: \"100mss\" is not a time (use " UNITS_TIME_FORM ")" },
		{ "rtt=20ms,,1s", "--set rtt: empty item in the list \"20ms,,1s\" (use " UNITS_TIME_FORM ")" },
		{ "trials=1,2", "--set trials: takes one value, not a list (use a whole number such as 15)" },
		{ "warmup=2,3", "--set warmup: takes one value, not a list (use a whole number such as 2 or 0)" },
		{ "rrt=1ms", "--set rrt: unknown key (did you mean rtt?)" },
		{ "rtt", "--set: \"rtt\" is not key=value (use --set key=value, e.g. --set rtt=20ms,100ms)" },
		{ "queue=", "--set queue: no value (use a queue limit such as 1000p, 1.5MB, 1000p+1.5MB, or 'auto')" },
		{ "trials=0", "--set trials: \"0\" is out of range (use 1 to 100000)" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		capture_start();
		int rc = experiment_set(e, bad[i].arg);
		const char *err = capture_end();
		assert_int_equal(rc, -EINVAL);
		assert_int_equal(count_lines(err), 1);
		assert_error(err, bad[i].msg);
	}
	assert_int_equal(e->n_sets, 6);
	assert_int_equal(experiment_matrix(e, &c, &n), 0);
	assert_int_equal(n, 6);
	assert_int_equal(c[0].trials, 8);
	assert_int_equal(c[0].rtt_ns, 20 * MS);
	free(c);
	experiment_free(e);
}

/* preset = NAME gives rtt, down and up; keys in the file or --set win. */
static void test_preset(void **state)
{
	struct experiment *e = parse_ok("pages = a\npreset = tfo-paper\ntfo = off\n");
	struct condition_spec *c;
	size_t n;

	assert_int_equal(experiment_matrix(e, &c, &n), 0);
	assert_int_equal(n, 3);
	const uint64_t rtts[3] = { 20 * MS, 100 * MS, 200 * MS };
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(c[i].rtt_ns, rtts[i]);
		assert_int_equal(c[i].link.down.rate_bps, 4000000);
		assert_int_equal(c[i].link.up.rate_bps, 256000);
	}
	free(c);
	char *eff = experiment_effective(e);
	assert_non_null(strstr(eff, "rtt = 20ms, 100ms, 200ms\n"));
	assert_non_null(strstr(eff, "preset = tfo-paper\n"));
	free(eff);
	/* --set preset replaces what the preset gave, --set rtt overrides one field. */
	assert_int_equal(experiment_set(e, "preset=wpt-3g"), 0);
	assert_int_equal(experiment_set(e, "rtt=50ms"), 0);
	assert_int_equal(experiment_set(e, "preset=wpt-dsl"), 0);
	assert_int_equal(experiment_matrix(e, &c, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(c[0].rtt_ns, 50 * MS);
	assert_int_equal(c[0].link.down.rate_bps, 1500000);
	assert_int_equal(c[0].link.up.rate_bps, 384000);
	free(c);
	experiment_free(e);

	/* An explicit key wins whether it comes before or after the preset. */
	e = parse_ok("pages = a\ndown = 10mbit\npreset = wpt-3g\nup = 1mbit\ntfo = on\n");
	assert_int_equal(experiment_matrix(e, &c, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(c[0].rtt_ns, 300 * MS);
	assert_int_equal(c[0].link.up.delay_ns, 150 * MS);
	assert_int_equal(c[0].link.down.delay_ns, 150 * MS);
	assert_int_equal(c[0].link.down.rate_bps, 10000000);
	assert_int_equal(c[0].link.up.rate_bps, 1000000);
	free(c);
	experiment_free(e);

	expect_one("preset = wpt-4g\n", "t.conf:1: preset: \"wpt-4g\" is not a link preset (use "
		   PRESET_FORM " (tfolab presets lists them))");
	expect_one("preset = wpt-3g, wpt-dsl\n", "t.conf:1: preset: takes one value, not a list "
		   "(use " PRESET_FORM " (tfolab presets lists them))");
}

/*
 * tls spans the matrix like any list key, inside every key but tfo: a pair
 * (off/on TFO) shares its tls value, so HTTP and HTTPS sit side by side.
 */
static void test_tls(void **state)
{
	struct experiment *e = parse_ok("pages = a\nrtt = 20ms, 100ms\ntls = off, 1.3\n");
	struct condition_spec *c;
	size_t n;
	char buf[512];

	assert_int_equal(experiment_matrix(e, &c, &n), 0);
	assert_int_equal(n, 8);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(c[i].rtt_ns, (i < 4 ? 20 : 100) * MS);
		assert_int_equal(c[i].tls, (i / 2) % 2 ? TLS_13 : TLS_OFF);
		assert_int_equal(c[i].tfo, i % 2 ? TFO_ON : TFO_OFF);
		assert_int_equal(c[i].pair, i / 2);
	}
	condition_format(&c[0], buf, sizeof(buf));
	assert_null(strstr(buf, "tls="));  /* the default, as before the key existed */
	condition_format(&c[3], buf, sizeof(buf));
	assert_non_null(strstr(buf, " encoding=wire tls=1.3 tfo=on"));
	free(c);

	/* --set tls (what tfolab run --tls does) replaces the list. */
	assert_int_equal(experiment_set(e, "tls=1.2,1.3-early"), 0);
	assert_int_equal(experiment_matrix(e, &c, &n), 0);
	assert_int_equal(n, 8);
	assert_int_equal(c[0].tls, TLS_12);
	assert_int_equal(c[2].tls, TLS_13_EARLY);
	free(c);
	char *eff = experiment_effective(e);
	assert_non_null(strstr(eff, "tls = 1.2,1.3-early\n"));
	free(eff);

	capture_start();
	int rc = experiment_set(e, "tls=1.4");
	const char *err = capture_end();
	assert_int_equal(rc, -EINVAL);
	assert_error(err, "--set tls: \"1.4\" is not a TLS mode (use off, 1.2, 1.3 or 1.3-early)");
	experiment_free(e);

	expect_one("pages = a\ntls = x\n",
		   "t.conf:2: tls: \"x\" is not a TLS mode (use off, 1.2, 1.3 or 1.3-early)");
	expect_one("pages = a\n\ntls = off, 1.3, tls1.3\n",
		   "t.conf:3: tls: \"tls1.3\" is not a TLS mode (use off, 1.2, 1.3 or 1.3-early)");
	expect_one("pages = a\ntls = 1.3, 1.3\n",
		   "t.conf:2: tls: \"1.3\" is listed twice (list each value once)");
	expect_one("pages = a\ntls =\n", "t.conf:2: tls: no value (use off, 1.2, 1.3 or 1.3-early)");
}

/*
 * fetcher spans the matrix inside every key but tfo, so a pair shares it;
 * with chromium anywhere in the list every cell serves markup (both
 * fetchers load the same bytes); chromium refuses any tls but off, at the
 * line (or --set) that asked for it.
 */
static void test_fetcher(void **state)
{
	struct experiment *e = parse_ok("pages = a\nrtt = 20ms, 100ms\n");
	struct condition_spec *c;
	size_t n;
	char buf[512];

	/* The default: the builtin fetcher, no markup, as before the key. */
	assert_int_equal(experiment_matrix(e, &c, &n), 0);
	assert_int_equal(n, 4);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(c[i].fetcher, FETCHER_BUILTIN);
		assert_false(c[i].markup);
	}
	condition_format(&c[1], buf, sizeof(buf));
	assert_null(strstr(buf, "fetcher="));
	free(c);
	char *eff = experiment_effective(e);
	assert_non_null(strstr(eff, "fetcher = builtin\n"));
	free(eff);

	/* --set fetcher (what tfolab run --fetcher does) replaces the list. */
	assert_int_equal(experiment_set(e, "fetcher=builtin,chromium"), 0);
	assert_int_equal(experiment_matrix(e, &c, &n), 0);
	assert_int_equal(n, 8);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(c[i].rtt_ns, (i < 4 ? 20 : 100) * MS);
		assert_int_equal(c[i].fetcher, (i / 2) % 2 ? FETCHER_CHROMIUM : FETCHER_BUILTIN);
		assert_int_equal(c[i].tfo, i % 2 ? TFO_ON : TFO_OFF);
		assert_int_equal(c[i].pair, i / 2);
		assert_true(c[i].markup);  /* the builtin cells too */
	}
	condition_format(&c[3], buf, sizeof(buf));
	assert_non_null(strstr(buf, " encoding=wire fetcher=chromium tfo=on"));
	free(c);
	eff = experiment_effective(e);
	assert_non_null(strstr(eff, "fetcher = builtin,chromium\n"));
	free(eff);

	/* Chromium alone: markup too. */
	assert_int_equal(experiment_set(e, "fetcher=chromium"), 0);
	assert_int_equal(experiment_matrix(e, &c, &n), 0);
	assert_int_equal(n, 4);
	assert_int_equal(c[0].fetcher, FETCHER_CHROMIUM);
	assert_true(c[0].markup);
	free(c);

	/* With TLS: refused at the --set that asked for chromium. */
	assert_int_equal(experiment_set(e, "tls=off,1.3"), 0);
	capture_start();
	int rc = experiment_matrix(e, &c, &n);
	const char *err = capture_end();
	assert_int_equal(rc, -EINVAL);
	assert_error(err, "--set fetcher: chromium runs over HTTP only (tls = off)");

	capture_start();
	rc = experiment_set(e, "fetcher=chrome");
	err = capture_end();
	assert_int_equal(rc, -EINVAL);
	assert_error(err, "--set fetcher: \"chrome\" is not a fetcher (use " FETCHER_FORM ")");
	/* builtin over TLS is fine. */
	assert_int_equal(experiment_set(e, "fetcher=builtin"), 0);
	assert_int_equal(experiment_matrix(e, &c, &n), 0);
	assert_int_equal(n, 8);
	assert_false(c[0].markup);
	free(c);
	experiment_free(e);

	/* In a file: the error names the fetcher's line, whatever order. */
	e = parse_ok("pages = a\nfetcher = builtin, chromium\n\ntls = 1.3\n");
	capture_start();
	rc = experiment_matrix(e, &c, &n);
	err = capture_end();
	assert_int_equal(rc, -EINVAL);
	assert_error(err, "dir/t.conf:2: fetcher: chromium runs over HTTP only (tls = off)");
	experiment_free(e);

	expect_one("pages = a\nfetcher = x\n",
		   "t.conf:2: fetcher: \"x\" is not a fetcher (use " FETCHER_FORM ")");
	expect_one("pages = a\nfetcher = chromium, chromium\n",
		   "t.conf:2: fetcher: \"chromium\" is listed twice (list each value once)");
	expect_one("pages = a\nfetcher =\n", "t.conf:2: fetcher: no value (use " FETCHER_FORM ")");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table1),
		cmocka_unit_test(test_persistence),
		cmocka_unit_test(test_https),
		cmocka_unit_test(test_capture_and_smoke),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_matrix_order),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_error_unknown_key),
		cmocka_unit_test(test_error_units),
		cmocka_unit_test(test_error_range),
		cmocka_unit_test(test_error_lists),
		cmocka_unit_test(test_error_structure),
		cmocka_unit_test(test_error_all_reported),
		cmocka_unit_test(test_missing_pages_and_file),
		cmocka_unit_test(test_set),
		cmocka_unit_test(test_preset),
		cmocka_unit_test(test_tls),
		cmocka_unit_test(test_fetcher),
		cmocka_unit_test(test_table1_browser),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
