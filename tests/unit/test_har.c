/*
 * The HAR export (results/har.c): every field HAR 1.2 requires, timings
 * that add up, our custom fields, and the round trip through the importer
 * (resources, hosts and sizes kept), on a synthetic page and on every page
 * imported from $TFOLAB_SHARED/reference/har.
 */
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli/commands.h"
#include "common/log.h"
#include "results/store.h"
#include "workloads/pages.h"
#include "results/har.h"
#include "workloads/import.h"
#include "workloads/page.h"

/* The fields HAR 1.2 requires (http://www.softwareishard.com/blog/har-12-spec/). */
static const char *const log_req[] = { "version", "creator", "entries" };
static const char *const creator_req[] = { "name", "version" };
static const char *const page_req[] = { "startedDateTime", "id", "title", "pageTimings" };
static const char *const entry_req[] = { "startedDateTime", "time", "request", "response",
					 "cache", "timings" };
static const char *const request_req[] = { "method", "url", "httpVersion", "cookies", "headers",
					   "queryString", "headersSize", "bodySize" };
static const char *const response_req[] = { "status", "statusText", "httpVersion", "cookies",
					    "headers", "content", "redirectURL", "headersSize",
					    "bodySize" };
static const char *const content_req[] = { "size", "mimeType" };
static const char *const timings_req[] = { "send", "wait", "receive" };

#define HAS_ALL(obj, names)                                                        \
	do {                                                                       \
		assert_true(json_is_object(obj));                                  \
		for (size_t k_ = 0; k_ < sizeof(names) / sizeof(names[0]); k_++) { \
			if (!json_object_get(obj, names[k_]))                      \
				print_error("missing %s\n", names[k_]);            \
			assert_non_null(json_object_get(obj, names[k_]));          \
		}                                                                  \
	} while (0)

static int is_iso(const char *s)
{
	int y, mo, d, h, mi, sec, ms;
	char z;
	return s && sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d.%3d%c", &y, &mo, &d, &h, &mi, &sec, &ms,
			   &z) == 8 && z == 'Z';
}

/* Checks j against HAR 1.2; returns the entries. */
static const json_t *check_har(const json_t *j, size_t n)
{
	const json_t *log = json_object_get(j, "log");
	HAS_ALL(log, log_req);
	assert_string_equal(json_string_value(json_object_get(log, "version")), "1.2");
	const json_t *cr = json_object_get(log, "creator");
	HAS_ALL(cr, creator_req);
	assert_string_equal(json_string_value(json_object_get(cr, "name")), "tfolab");
	const json_t *pages = json_object_get(log, "pages");
	assert_int_equal(json_array_size(pages), 1);
	const json_t *pg = json_array_get(pages, 0);
	HAS_ALL(pg, page_req);
	assert_true(is_iso(json_string_value(json_object_get(pg, "startedDateTime"))));
	assert_true(json_is_object(json_object_get(pg, "_link")));
	const json_t *entries = json_object_get(log, "entries");
	assert_int_equal(json_array_size(entries), n);
	size_t i;
	const json_t *e;
	json_array_foreach(entries, i, e) {
		HAS_ALL(e, entry_req);
		assert_true(is_iso(json_string_value(json_object_get(e, "startedDateTime"))));
		assert_string_equal(json_string_value(json_object_get(e, "pageref")),
				    json_string_value(json_object_get(pg, "id")));
		HAS_ALL(json_object_get(e, "request"), request_req);
		const json_t *resp = json_object_get(e, "response");
		HAS_ALL(resp, response_req);
		HAS_ALL(json_object_get(resp, "content"), content_req);
		const json_t *t = json_object_get(e, "timings");
		HAS_ALL(t, timings_req);
		assert_true(json_is_string(json_object_get(e, "connection")));
		assert_true(json_is_boolean(json_object_get(e, "_tfo")));
		assert_true(json_is_boolean(json_object_get(e, "_new_connection")));
		assert_int_equal(json_number_value(json_object_get(t, "dns")), -1);
		double sum = 0;
		const char *parts[] = { "blocked", "connect", "send", "wait", "receive" };
		for (size_t k = 0; k < 5; k++) {
			double v = json_number_value(json_object_get(t, parts[k]));
			assert_true(v >= 0);
			sum += v;
		}
		assert_true(fabs(sum - json_number_value(json_object_get(e, "time"))) < 1e-6);
		/* ssl: -1, or a part of connect (HAR 1.2: connect includes it) */
		double ssl = json_number_value(json_object_get(t, "ssl"));
		assert_true(ssl == -1 || (ssl >= 0 && ssl <= json_number_value(json_object_get(t, "connect"))));
	}
	return entries;
}

/* A HAR of pg with made-up times (request i queued at i ms, each step 1 to
 * 5 ms, every third on a new TFO connection) at path. */
static void export_page(const struct page *pg, const char *path)
{
	struct har_req *q = calloc(pg->n, sizeof(*q));
	char **urls = calloc(pg->n, sizeof(*urls));
	assert_non_null(q);
	for (size_t i = 0; i < pg->n; i++)
		assert_true(asprintf(&urls[i], "http://%s%s", pg->hosts[pg->res[i].host],
				     pg->res[i].path) > 0);
	for (size_t i = 0; i < pg->n; i++) {
		const struct page_res *r = &pg->res[i];
		int64_t t = (int64_t)i * 1000000;
		q[i] = (struct har_req){
			.host = pg->hosts[r->host], .path = r->path,
			.parent_url = r->parent >= 0 ? urls[r->parent] : NULL, .ctype = r->ctype,
			.enc = r->enc != PAGE_ENC_IDENTITY ? page_enc_name(r->enc) : NULL,
			.status = 200, .conn = (int)(i / 3), .new_conn = i % 3 == 0, .tfo = i % 2,
			.req_bytes = r->req_bytes, .resp_head_bytes = 200,
			.body_bytes = (int64_t)r->wire_bytes, .decoded_bytes = (int64_t)r->body_bytes,
			.queued_ns = t, .connect_ns = i % 3 == 0 ? t + 1000000 : -1,
			.sent_ns = t + 2123456, .first_byte_ns = t + 5000001, .done_ns = t + 9999999,
			.connected_ns = i % 3 == 0 ? t + 1500000 : -1, .tls_done_ns = -1,
		};
	}
	struct har_load l = {
		.page = pg->name, .started_unix_us = 1700000000123456ll, .plt_ns = 123456789,
		.tfo = "on", .tfo_sysctl = 519, .valid = true, .reason = "ok", .rtt_ns = 20000000,
		.down_bps = 4000000, .up_bps = 256000, .backend = "userspace", .cc = "cubic",
		.n = pg->n, .req = q,
	};
	assert_int_equal(har_write_file(&l, path), 0);
	for (size_t i = 0; i < pg->n; i++)
		free(urls[i]);
	free(urls);
	free(q);
}

/* Export pg, check the file, re-import it: the same resources, hosts, sizes. */
static void round_trip(const struct page *pg)
{
	char path[] = "/tmp/tfolab-test-har-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	export_page(pg, path);
	json_error_t jerr;
	json_t *j = json_load_file(path, 0, &jerr);
	assert_non_null(j);
	check_har(j, pg->n);
	json_decref(j);
	struct page *back = NULL;
	struct import_report rep;
	int rc = import_file(path, NULL, &back, &rep);
	unlink(path);
	assert_int_equal(rc, 0);
	assert_int_equal(back->n, pg->n);
	assert_int_equal(back->nhosts, pg->nhosts);
	assert_int_equal(page_total_bytes(back), page_total_bytes(pg));
	assert_int_equal(page_total_wire(back), page_total_wire(pg));
	for (size_t i = 0; i < pg->n; i++) {
		assert_string_equal(back->hosts[back->res[i].host], pg->hosts[pg->res[i].host]);
		assert_string_equal(back->res[i].path, pg->res[i].path);
		assert_int_equal(back->res[i].body_bytes, pg->res[i].body_bytes);
		assert_int_equal(back->res[i].wire_bytes, pg->res[i].wire_bytes);
		assert_int_equal(back->res[i].enc, pg->res[i].enc);
		assert_int_equal(back->res[i].parent, pg->res[i].parent);
	}
	assert_int_equal(rep.warnings[IMPORT_WARN_REPEAT], 0);
	page_free(back);
}

static void test_fields_and_round_trip(void **state)
{
	const char *text =
		"name rt\n"
		"0 - www.example.com / 163081 380 text/html - wire=38522 enc=gzip\n"
		"1 0 css.example.com /site.css 21199 420 text/css - wire=4980 enc=gzip\n"
		"2 0 js.example.com /app.js?v=2 45009 410 application/javascript -\n"
		"3 2 img.example.com /logo%20big.png 6829 400 image/png -\n"
		"4 0 www.example.com /empty 0 300 other -\n";
	struct page *pg = NULL;
	assert_int_equal(page_parse_buf("rt.page", text, strlen(text), &pg), 0);
	round_trip(pg);
	page_free(pg);
}

/*
 * Over TLS: https URLs, _tls, and the ssl timing inside connect: a full
 * handshake (TCP 1-101 ms, TLS 101-201 ms, request at 201 ms), a request
 * sent as early data in the SYN (its handshake shows in wait: ssl 0), a
 * reused connection (ssl -1); plain HTTP: ssl -1.
 */
static void test_tls(void **state)
{
	const int64_t ms = 1000000;
	struct har_req q[3] = {
		{ .host = "a.test", .path = "/", .status = 200, .conn = 0, .new_conn = true,
		  .req_bytes = 100, .resp_head_bytes = 100, .body_bytes = 10, .decoded_bytes = -1,
		  .queued_ns = 0, .connect_ns = 1 * ms, .connected_ns = 101 * ms,
		  .tls_done_ns = 201 * ms, .sent_ns = 201 * ms, .first_byte_ns = 301 * ms,
		  .done_ns = 311 * ms },
		{ .host = "b.test", .path = "/b", .parent_url = "https://a.test/", .status = 200,
		  .conn = 1, .new_conn = true, .tfo = true, .req_bytes = 100, .resp_head_bytes = 100,
		  .body_bytes = 10, .decoded_bytes = -1, .queued_ns = 0, .connect_ns = 0,
		  .connected_ns = 100 * ms, .tls_done_ns = 150 * ms, .sent_ns = 0,
		  .first_byte_ns = 200 * ms, .done_ns = 210 * ms },
		{ .host = "a.test", .path = "/c", .parent_url = "https://a.test/", .status = 200,
		  .conn = 0, .req_bytes = 100, .resp_head_bytes = 100, .body_bytes = 10,
		  .decoded_bytes = -1, .queued_ns = 311 * ms, .connect_ns = -1, .connected_ns = -1,
		  .tls_done_ns = -1, .sent_ns = 311 * ms, .first_byte_ns = 411 * ms,
		  .done_ns = 421 * ms },
	};
	struct har_load l = { .page = "p", .plt_ns = 421 * ms, .tfo = "off", .tls = "1.3",
			      .n = 3, .req = q };
	assert_string_equal(har_scheme("1.3"), "https");
	assert_string_equal(har_scheme("off"), "http");
	assert_string_equal(har_scheme(NULL), "http");
	json_t *j = har_build(&l);
	assert_non_null(j);
	const json_t *es = check_har(j, 3);
	const json_t *page = json_array_get(json_object_get(json_object_get(j, "log"), "pages"), 0);
	assert_string_equal(json_string_value(json_object_get(page, "_tls")), "1.3");
	const double want[3][4] = {  /* blocked, connect, ssl, wait */
		{ 1, 200, 100, 100 }, { 0, 0, 0, 200 }, { 0, 0, -1, 100 },
	};
	const char *urls[3] = { "https://a.test/", "https://b.test/b", "https://a.test/c" };
	for (size_t i = 0; i < 3; i++) {
		const json_t *e = json_array_get(es, i), *t = json_object_get(e, "timings");
		const char *parts[4] = { "blocked", "connect", "ssl", "wait" };
		for (size_t k = 0; k < 4; k++)
			if (fabs(json_number_value(json_object_get(t, parts[k])) - want[i][k]) > 1e-9)
				fail_msg("entry %zu: %s = %g, want %g", i, parts[k],
					 json_number_value(json_object_get(t, parts[k])), want[i][k]);
		assert_string_equal(json_string_value(json_object_get(json_object_get(e, "request"),
								      "url")), urls[i]);
	}
	json_decref(j);

	/* The same load as plain HTTP: no TLS times, ssl -1 everywhere. */
	for (size_t i = 0; i < 3; i++)
		q[i].tls_done_ns = -1;
	l.tls = NULL;
	j = har_build(&l);
	es = check_har(j, 3);
	page = json_array_get(json_object_get(json_object_get(j, "log"), "pages"), 0);
	assert_string_equal(json_string_value(json_object_get(page, "_tls")), "off");
	for (size_t i = 0; i < 3; i++) {
		const json_t *e = json_array_get(es, i);
		assert_int_equal(json_number_value(json_object_get(json_object_get(e, "timings"), "ssl")), -1);
		assert_non_null(strstr(json_string_value(json_object_get(json_object_get(e, "request"),
									 "url")), "http://"));
	}
	json_decref(j);
}

/* Timings of a request never sent: all 0, still adding up. */
static void test_unsent(void **state)
{
	struct har_req q = { .host = "a.test", .path = "/", .status = 0, .conn = -1,
			     .req_bytes = -1, .resp_head_bytes = -1, .decoded_bytes = -1,
			     .queued_ns = 5000000, .connect_ns = -1, .sent_ns = -1,
			     .first_byte_ns = -1, .done_ns = -1 };
	struct har_load l = { .page = "p", .plt_ns = -1, .n = 1, .req = &q };
	json_t *j = har_build(&l);
	assert_non_null(j);
	const json_t *e = json_array_get(check_har(j, 1), 0);
	assert_true(json_number_value(json_object_get(e, "time")) == 0);
	assert_string_equal(json_string_value(json_object_get(e, "connection")), "-1");
	json_decref(j);
}

static void test_ref_hars(void **state)
{
	const char *s = getenv("TFOLAB_SHARED");
	char dir[4200];
	snprintf(dir, sizeof(dir), "%s/reference/har", s ? s : "/nonexistent");
	DIR *d = opendir(dir);
	if (!d)
		skip();
	struct dirent *de;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		if (len < 5 || strcmp(de->d_name + len - 4, ".har"))
			continue;
		char path[8400];
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		struct page *pg = NULL;
		assert_int_equal(import_file(path, NULL, &pg, NULL), 0);
		print_message("%s: %zu resources, %zu hosts\n", de->d_name, pg->n, pg->nhosts);
		round_trip(pg);
		page_free(pg);
	}
	closedir(d);
}

/* tfolab har --db --run --trial: a stored trial of a built-in page. */
static void test_from_store(void **state)
{
	char dir[] = "/tmp/tfolab-test-har-db-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char db[256], out[256];
	snprintf(db, sizeof(db), "%s/t.db", dir);
	snprintf(out, sizeof(out), "%s/t.har", dir);
	char path[4096];
	struct page *pg = NULL;
	assert_int_equal(pages_find("wikipedia-tcp", path, sizeof(path)), 0);
	assert_int_equal(page_parse(path, &pg), 0);
	struct store *st;
	int64_t run, cid;
	assert_int_equal(store_open(db, &st), 0);
	struct store_run rt = { .started_at = 1700000000000000000LL, .command_line = "test",
				.link_backend = "userspace" };
	assert_int_equal(store_run_begin(st, &rt, &run), 0);
	struct store_condition c = {
		.run_id = run, .page = "wikipedia-tcp", .rtt_ns = 20000000, .down_bps = 4000000,
		.up_bps = 256000, .queue_pkts = 1000, .tfo_mode = TFO_ON, .tfo_sysctl = 519,
		.per_conn = 2, .conns_per_host = 6, .trials = 1, .timeout_ns = 30000000000LL,
		.backend = "userspace", .cc = "cubic", .tls = TLS_13,
	};
	assert_int_equal(store_condition_insert(st, &c, &cid), 0);
	struct store_request *q = calloc(pg->n, sizeof(*q));
	for (size_t i = 0; i < pg->n; i++) {
		int64_t t = (int64_t)i * 2000000;
		q[i] = (struct store_request){
			.res_idx = (int)i, .res_id = pg->res[i].id, .host = pg->hosts[pg->res[i].host],
			.path = pg->res[i].path, .conn_id = (int)i % 4, .new_conn = i < 4,
			.syn_data = i < 4, .queued_ns = t, .connect_start_ns = t + 1000,
			.connected_ns = t + 20000000, .req_sent_ns = t + 2000,
			.first_byte_ns = t + 21000000, .last_byte_ns = t + 30000000,
			.body_bytes = (int64_t)pg->res[i].wire_bytes, .status = 200,
			/* TLS 1.3 with TFO: the request after the handshake, 40 ms in */
			.tls_done_ns = i < 4 ? t + 40000000 : -1,
		};
		if (i < 4)
			q[i].req_sent_ns = t + 40000000;
	}
	struct store_trial tr = { .seq = 0, .started_at = 1700000000500000000LL,
				  .plt_ns = 100000000, .valid = 1, .fallbacks = -1,
				  .fallback_ns = -1, .steal_ns = -1 };
	assert_int_equal(store_trial_insert(st, cid, &tr, q, pg->n, NULL), 0);
	struct store_trial_ref *refs = NULL;
	size_t nr = 0;
	assert_int_equal(store_condition_trials(st, cid, &refs, &nr), 0);
	assert_int_equal(nr, 1);
	char tid[32], rid[32];
	snprintf(tid, sizeof(tid), "%lld", (long long)refs[0].id);
	snprintf(rid, sizeof(rid), "%lld", (long long)run);
	free(refs);
	free(q);
	store_close(st);

	char *argv[] = { "har", "--db", db, "--run", rid, "--trial", tid, "-o", out, NULL };
	assert_int_equal(cmd_har(9, argv), 0);
	json_error_t jerr;
	json_t *j = json_load_file(out, 0, &jerr);
	assert_non_null(j);
	const json_t *es = check_har(j, pg->n);
	const json_t *e0 = json_array_get(es, 0);
	assert_true(json_is_true(json_object_get(e0, "_tfo")));
	/* the condition's TLS: https, and the handshake from connected (20 ms
	 * in) to done (40 ms in) inside connect (from 1 us in to 40 ms in) */
	const json_t *t0 = json_object_get(e0, "timings");
	assert_true(fabs(json_number_value(json_object_get(t0, "ssl")) - 20) < 1e-9);
	assert_true(fabs(json_number_value(json_object_get(t0, "connect")) - 39.999) < 1e-9);
	assert_true(!strncmp(json_string_value(json_object_get(json_object_get(e0, "request"), "url")),
			     "https://", 8));
	const json_t *e5 = json_array_get(es, 5);
	assert_int_equal(json_number_value(json_object_get(json_object_get(e5, "timings"), "ssl")), -1);
	assert_string_equal(json_string_value(json_object_get(json_object_get(e0, "response"), "content") ?
			    json_object_get(json_object_get(json_object_get(e0, "response"), "content"), "mimeType") : NULL),
			    pg->res[0].ctype);
	json_decref(j);
	struct page *back = NULL;
	assert_int_equal(import_file(out, NULL, &back, NULL), 0);
	assert_int_equal(back->n, pg->n);
	assert_int_equal(back->nhosts, pg->nhosts);
	assert_int_equal(page_total_bytes(back), page_total_bytes(pg));
	assert_int_equal(page_total_wire(back), page_total_wire(pg));
	page_free(back);
	/* a trial of another run, or none: exit 1 */
	char *bad[] = { "har", "--db", db, "--run", "99", "--trial", tid, NULL };
	assert_int_equal(cmd_har(7, bad), 1);
	char *none[] = { "har", "--db", db, "--trial", "9999", NULL };
	assert_int_equal(cmd_har(5, none), 1);
	char *usage[] = { "har", "--db", db, NULL };
	assert_int_equal(cmd_har(3, usage), 2);
	page_free(pg);
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fields_and_round_trip),
		cmocka_unit_test(test_unsent),
		cmocka_unit_test(test_tls),
		cmocka_unit_test(test_ref_hars),
		cmocka_unit_test(test_from_store),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
