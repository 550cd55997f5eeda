#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "workloads/http.h"

static void request_exact_sizes(void **state)
{
	const char *paths[] = { "/", "/wiki/Stanford_University",
				"/load.php?debug=false&lang=en&modules=site" };
	const char *ctypes[] = { "text/html", "text/css", "image/png", NULL };
	char *min;
	size_t minlen;
	assert_int_equal(http_request_build("a.example", "/", NULL, 0, &min,
					    &minlen), 0);
	free(min);
	for (size_t p = 0; p < 3; p++)
		for (size_t c = 0; c < 4; c++) {
			char *b;
			size_t base;
			assert_int_equal(http_request_build("en.wikipedia.org",
				paths[p], ctypes[c], 0, &b, &base), 0);
			free(b);
			for (size_t t = base; t < base + 40; t++)
				for (size_t t2 = t; t2 <= t + 1000; t2 += 333) {
					size_t len;
					assert_int_equal(http_request_build(
						"en.wikipedia.org", paths[p],
						ctypes[c], t2, &b, &len), 0);
					assert_int_equal(len, t2);
					assert_int_equal(strlen(b), t2);
					/* It must still parse as one request. */
					assert_memory_equal(b, "GET ", 4);
					assert_non_null(strstr(b, "\r\nHost: en.wikipedia.org\r\n"));
					assert_non_null(strstr(b, "Accept-Encoding: identity\r\n"));
					assert_non_null(strstr(b, "keep-alive\r\n"));
					assert_string_equal(b + len - 4, "\r\n\r\n");
					assert_ptr_equal(strstr(b, "\r\n\r\n"), b + len - 4);
					free(b);
				}
		}
}

static void request_too_small_target(void **state)
{
	char *b;
	size_t len;
	assert_int_equal(http_request_build("h", "/x", NULL, 10, &b, &len), 0);
	assert_true(len > 10);
	assert_int_equal(strlen(b), len);
	assert_null(strstr(b, "X-Pad"));
	free(b);
}

static void request_bad_input(void **state)
{
	char *b = NULL;
	size_t len;
	assert_int_equal(http_request_build("", "/", NULL, 0, &b, &len), -EINVAL);
	assert_int_equal(http_request_build("h", "/a b", NULL, 0, &b, &len), -EINVAL);
	assert_int_equal(http_request_build("h\r\n", "/", NULL, 0, &b, &len), -EINVAL);
	assert_null(b);
}

static const char ok_resp[] =
	"HTTP/1.1 200 OK\r\n"
	"Server: nginx\r\n"
	"Content-Type: text/html\r\n"
	"content-length: 10\r\n"
	"Connection: keep-alive\r\n"
	"\r\n"
	"0123456789";

static void parse_head_ok(void **state)
{
	int st;
	uint64_t cl;
	const char *why;
	size_t headlen = strlen(ok_resp) - 10;
	assert_int_equal(http_parse_head(ok_resp, strlen(ok_resp), &st, &cl, &why),
			 (int)headlen);
	assert_int_equal(st, 200);
	assert_int_equal(cl, 10);
	/* Every proper prefix of the head is partial. */
	for (size_t i = 0; i < headlen; i++)
		assert_int_equal(http_parse_head(ok_resp, i, &st, &cl, &why), -2);
}

/* Put the input right before an inaccessible page, so any over-read
 * faults at once (picohttpparser's trick). */
static char *guarded(const char *s, size_t n, void **map, size_t *maplen)
{
	long pg = sysconf(_SC_PAGESIZE);
	size_t pages = (n + (size_t)pg - 1) / (size_t)pg + 1;
	char *m = mmap(NULL, pages * (size_t)pg, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(m != MAP_FAILED);
	assert_int_equal(mprotect(m + (pages - 1) * (size_t)pg, (size_t)pg,
				  PROT_NONE), 0);
	char *p = m + (pages - 1) * (size_t)pg - n;
	memcpy(p, s, n);
	*map = m;
	*maplen = pages * (size_t)pg;
	return p;
}

static void feed_byte_by_byte(void **state)
{
	static struct http_resp r;
	size_t n = strlen(ok_resp);
	http_resp_init(&r);
	for (size_t i = 0; i < n; i++) {
		void *m;
		size_t ml;
		char *p = guarded(ok_resp + i, 1, &m, &ml);
		ssize_t c = http_resp_feed(&r, p, 1);
		munmap(m, ml);
		if (i + 1 < n) {
			assert_int_equal(c, -2);
			assert_false(r.done);
		} else {
			assert_int_equal(c, 1);
			assert_true(r.done);
		}
	}
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body_bytes, 10);
	assert_int_equal(r.total_bytes, n);
	assert_int_equal(r.head_bytes, n - 10);
	assert_int_equal(http_resp_feed(&r, "x", 1), 0);
}

static void feed_all_splits(void **state)
{
	static struct http_resp r;
	/* Two responses back to back: the first feed stops at the boundary. */
	char two[512];
	size_t n = strlen(ok_resp);
	memcpy(two, ok_resp, n);
	memcpy(two + n, ok_resp, n);
	for (size_t cut = 0; cut <= n; cut++) {
		http_resp_init(&r);
		ssize_t c = http_resp_feed(&r, two, cut);
		if (cut < n) {
			assert_int_equal(c, -2);
			c = http_resp_feed(&r, two + cut, 2 * n - cut);
			assert_int_equal(c, (ssize_t)(n - cut));
		} else {
			assert_int_equal(c, (ssize_t)n);
		}
		assert_true(r.done);
		assert_int_equal(r.total_bytes, n);
	}
}

static void expect_error(const char *resp, const char *needle)
{
	static struct http_resp r;
	int st;
	uint64_t cl;
	const char *why = NULL;
	void *m;
	size_t ml;
	char *p = guarded(resp, strlen(resp), &m, &ml);
	assert_int_equal(http_parse_head(p, strlen(resp), &st, &cl, &why), -1);
	munmap(m, ml);
	assert_non_null(why);
	if (!strstr(why, needle))
		fail_msg("reason \"%s\" lacks \"%s\"", why, needle);
	http_resp_init(&r);
	assert_int_equal(http_resp_feed(&r, resp, strlen(resp)), -1);
	assert_non_null(r.reason);
}

static void bad_status_lines(void **state)
{
	expect_error("HTTP/2.0 200 OK\r\nContent-Length: 1\r\n\r\n", "status line");
	expect_error("HTTP/1.1 20x OK\r\nContent-Length: 1\r\n\r\n", "status code");
	expect_error("HTTP/1.1 2000 OK\r\nContent-Length: 1\r\n\r\n", "status line");
	expect_error("HTTP/1.1 099 OK\r\nContent-Length: 1\r\n\r\n", "status code");
	expect_error("SSH-2.0-OpenSSH_9.2\r\n\r\n", "status line");
	expect_error("\r\n", "status line");
}

static void bad_headers(void **state)
{
	expect_error("HTTP/1.1 200 OK\r\nServer: x\r\n\r\n", "missing Content-Length");
	expect_error("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", "chunked");
	expect_error("HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n", "malformed");
	expect_error("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", "malformed");
	expect_error("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n",
		     "malformed");
	expect_error("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
		     "conflicting");
	expect_error("HTTP/1.1 200 OK\r\nNoColon\r\nContent-Length: 1\r\n\r\n",
		     "header line");
	expect_error("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n folded\r\n\r\n",
		     "folded");
	expect_error("HTTP/1.1 200 OK\r\nX: a\001b\r\nContent-Length: 1\r\n\r\n",
		     "control");
}

static void huge_head(void **state)
{
	static struct http_resp r;
	size_t n = HTTP_HEAD_MAX + 100;
	char *big = malloc(n + 1);
	strcpy(big, "HTTP/1.1 200 OK\r\nX-Big: ");
	size_t k = strlen(big);
	memset(big + k, 'a', n - k);
	big[n] = 0;
	int st;
	uint64_t cl;
	const char *why;
	assert_int_equal(http_parse_head(big, n, &st, &cl, &why), -1);
	assert_non_null(strstr(why, "larger"));
	/* Fed in pieces, the parser fails once the buffer is full. */
	http_resp_init(&r);
	ssize_t c = -2;
	size_t off = 0;
	while (c == -2 && off < n) {
		size_t step = n - off < 1000 ? n - off : 1000;
		c = http_resp_feed(&r, big + off, step);
		off += step;
	}
	assert_int_equal(c, -1);
	assert_true(off >= HTTP_HEAD_MAX && off <= HTTP_HEAD_MAX + 1000);
	free(big);
}

static void zero_length_body(void **state)
{
	static struct http_resp r;
	const char *s = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
	http_resp_init(&r);
	assert_int_equal(http_resp_feed(&r, s, strlen(s)), (ssize_t)strlen(s));
	assert_true(r.done);
	assert_int_equal(r.body_bytes, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(request_exact_sizes),
		cmocka_unit_test(request_too_small_target),
		cmocka_unit_test(request_bad_input),
		cmocka_unit_test(parse_head_ok),
		cmocka_unit_test(feed_byte_by_byte),
		cmocka_unit_test(feed_all_splits),
		cmocka_unit_test(bad_status_lines),
		cmocka_unit_test(bad_headers),
		cmocka_unit_test(huge_head),
		cmocka_unit_test(zero_length_body),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
