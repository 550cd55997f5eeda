/*
 * The loader against a scripted server on 127.0.0.1 (no root, no TFO): the
 * path tells the server what to answer, so every failure path of
 * fetch_page is reached with a real socket.  The server is a forked
 * process group, one process per connection, killed at the end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "workloads/fetch.h"

static pid_t server_pid = -1;
static uint16_t port;

static void write_all(int fd, const char *b, size_t n)
{
	while (n) {
		ssize_t k = write(fd, b, n);
		if (k <= 0)
			_exit(0);
		b += k;
		n -= (size_t)k;
	}
}

static void respond(int fd, size_t reqlen, const char *path)
{
	char head[512];
	unsigned long n = 0, want = 0;
	char *body;
	if (sscanf(path, "/ok/%lu/%lu", &n, &want) == 2) {
		/* A request of the wrong size is a 400: the test sees it. */
		int st = want && want != reqlen ? 400 : 200;
		int h = snprintf(head, sizeof(head), "HTTP/1.1 %d X\r\n"
				 "Content-Length: %lu\r\n\r\n", st, n);
		write_all(fd, head, (size_t)h);
		body = calloc(1, n + 1);
		memset(body, 'x', n);
		write_all(fd, body, n);
		free(body);
	} else if (!strcmp(path, "/404")) {
		const char *r = "HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n\r\nno\n";
		write_all(fd, r, strlen(r));
	} else if (!strcmp(path, "/chunked")) {
		const char *r = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
				"3\r\nabc\r\n0\r\n\r\n";
		write_all(fd, r, strlen(r));
	} else if (!strcmp(path, "/cut")) {
		const char *r = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc";
		write_all(fd, r, strlen(r));
		_exit(0);
	} else if (!strcmp(path, "/extra")) {
		const char *r = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcdef";
		write_all(fd, r, strlen(r));
	} else if (!strcmp(path, "/silent")) {
		pause();
	} else {
		_exit(0);
	}
}

/* One connection: requests until the client closes. */
static void serve(int fd)
{
	char buf[8192];
	size_t len = 0;
	for (;;) {
		ssize_t k = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (k <= 0)
			_exit(0);
		len += (size_t)k;
		buf[len] = 0;
		char *end;
		while ((end = strstr(buf, "\r\n\r\n"))) {
			size_t reqlen = (size_t)(end + 4 - buf);
			char path[256] = "";
			sscanf(buf, "GET %255s ", path);
			respond(fd, reqlen, path);
			memmove(buf, buf + reqlen, len - reqlen + 1);
			len -= reqlen;
		}
	}
}

static int server_start(void **state)
{
	int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET };
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	socklen_t sl = sizeof(sa);
	if (bind(l, (struct sockaddr *)&sa, sizeof(sa)) || listen(l, 64) ||
	    getsockname(l, (struct sockaddr *)&sa, &sl))
		return -1;
	port = ntohs(sa.sin_port);
	server_pid = fork();
	if (server_pid < 0)
		return -1;
	if (server_pid == 0) {
		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		signal(SIGCHLD, SIG_IGN);
		for (;;) {
			int fd = accept(l, NULL, NULL);
			if (fd < 0)
				continue;
			if (fork() == 0) {
				prctl(PR_SET_PDEATHSIG, SIGKILL);
				serve(fd);
			}
			close(fd);
		}
	}
	setpgid(server_pid, server_pid);
	close(l);
	return 0;
}

static int server_stop(void **state)
{
	if (server_pid > 0) {
		kill(-server_pid, SIGKILL);
		kill(server_pid, SIGKILL);
		waitpid(server_pid, NULL, 0);
	}
	return 0;
}

static char *hosts[] = { "one.test" };
static struct page_res res[8];
static struct page pg;
static char paths[8][64];

static void page_reset(void)
{
	memset(res, 0, sizeof(res));
	pg = (struct page){ .name = "unit", .res = res, .hosts = hosts,
			    .nhosts = 1 };
}

static void add(int parent, const char *path, uint64_t body, uint32_t req)
{
	int i = (int)pg.n++;
	snprintf(paths[i], sizeof(paths[i]), "%s", path);
	res[i] = (struct page_res){ .id = paths[i], .parent = parent,
		.path = paths[i], .body_bytes = body, .wire_bytes = body, .req_bytes = req,
		.ref_offset = -1, .conn = -1, .group = -1,
		.wait_head_group = -1, .wait_done_group = -1 };
}

static int run(struct fetch_result *r, int per_conn, uint64_t timeout_ns)
{
	struct in_addr a;
	inet_pton(AF_INET, "127.0.0.1", &a);
	struct fetch_opts o = { .port = port, .sched.per_conn = per_conn,
				.timeout_ns = timeout_ns };
	return fetch_page(&pg, &a, &o, r);
}

static void loads_and_reuses(void **state)
{
	page_reset();
	add(-1, "/ok/50000/600", 50000, 600);
	for (int i = 0; i < 4; i++)
		add(0, i % 2 ? "/ok/1000/0" : "/ok/3000/700",
		    i % 2 ? 1000 : 3000, i % 2 ? 0 : 700);
	struct fetch_result r;
	assert_int_equal(run(&r, 0, 0), 0);
	assert_string_equal(r.error, "");
	assert_true(r.plt_ns > 0);
	assert_int_equal(r.conns_syn_data, 0);
	uint64_t body = 0;
	for (size_t i = 0; i < pg.n; i++) {
		assert_int_equal(r.req[i].status, 200);
		assert_int_equal(r.req[i].body_bytes, res[i].body_bytes);
		assert_true(r.req[i].done_ns <= r.plt_ns);
		assert_true(r.req[i].queued_ns >= r.req[0].done_ns || i == 0);
		body += res[i].body_bytes;
	}
	assert_int_equal(r.req[0].req_bytes, 600);
	assert_int_equal(r.req[1].req_bytes, 700);
	assert_true(r.bytes_rx > body);
	/* 4 children ready at once: the root's connection plus 3 new. */
	assert_int_equal(r.nconns, 4);
	assert_true(r.req[0].new_conn);
	/* Every connection read its congestion control back (loopback: the
	 * namespace's default), and the load names it. */
	assert_true(r.cc_used[0] && strcmp(r.cc_used, "mixed"));
	for (size_t i = 0; i < r.nconns; i++)
		assert_string_equal(r.conns[i].cc, r.cc_used);
	fetch_result_free(&r);

	/* k=1: one connection per request. */
	assert_int_equal(run(&r, 1, 0), 0);
	assert_int_equal(r.nconns, pg.n);
	for (size_t i = 0; i < pg.n; i++)
		assert_true(r.req[i].new_conn);
	fetch_result_free(&r);
}

static void cc_summary(void **state)
{
	struct fetch_conn c[3] = { { .cc = "cubic" }, { .cc = "" }, { .cc = "cubic" } };
	char out[16];
	size_t n;
	fetch_cc_summary(c, 3, out, &n);
	assert_string_equal(out, "cubic");
	assert_int_equal(n, 2);
	snprintf(c[1].cc, sizeof(c[1].cc), "bbr");
	fetch_cc_summary(c, 3, out, &n);
	assert_string_equal(out, "mixed");
	assert_int_equal(n, 3);
	fetch_cc_summary(c + 1, 0, out, NULL);
	assert_string_equal(out, "");
	c[0].cc[0] = c[1].cc[0] = c[2].cc[0] = 0;
	fetch_cc_summary(c, 3, out, &n);
	assert_string_equal(out, "");
	assert_int_equal(n, 0);
}

static void expect_failure(const char *path, uint64_t body, int rc,
			   const char *needle, uint64_t timeout_ns)
{
	page_reset();
	add(-1, "/ok/100/0", 100, 0);
	add(0, path, body, 0);
	struct fetch_result r;
	int got = run(&r, 0, timeout_ns);
	if (got != rc || !strstr(r.error, needle))
		fail_msg("%s: rc %d (want %d), reason \"%s\" (want \"%s\")",
			 path, got, rc, r.error, needle);
	assert_int_equal(r.plt_ns, -1);
	/* The waterfall still prints what happened. */
	FILE *f = fopen("/dev/null", "w");
	assert_int_equal(fetch_waterfall_print(&pg, &r, f), 0);
	fclose(f);
	fetch_result_free(&r);
}

static void failures_have_reasons(void **state)
{
	expect_failure("/404", 3, -EBADMSG, "status 404", 0);
	expect_failure("/chunked", 3, -EPROTO, "chunked", 0);
	expect_failure("/cut", 100, -ECONNRESET, "closed by the server after 43", 0);
	expect_failure("/extra", 3, -EPROTO, "3 bytes after the end", 0);
	expect_failure("/ok/10/0", 11, -EBADMSG, "Content-Length 10 but the "
		       "page says 11", 0);
	/* The request must be the size the page says: 400 otherwise. */
	expect_failure("/ok/10/999", 10, -EBADMSG, "status 400", 0);
	expect_failure("/silent", 10, -ETIMEDOUT, "timed out after 0.3 s",
		       300000000ull);
}

static void refused(void **state)
{
	page_reset();
	add(-1, "/ok/100/0", 100, 0);
	struct in_addr a;
	inet_pton(AF_INET, "127.0.0.1", &a);
	/* Port 1 on loopback: nothing listens there. */
	struct fetch_opts o = { .port = 1, .tfo = false };
	struct fetch_result r;
	assert_int_equal(fetch_page(&pg, &a, &o, &r), -ECONNREFUSED);
	assert_non_null(strstr(r.error, "refused"));
	fetch_result_free(&r);
}

static void bad_page(void **state)
{
	page_reset();
	add(-1, "/ok/100/0", 100, 0);
	res[0].host = 3;
	struct fetch_result r;
	assert_int_equal(run(&r, 0, 0), -EINVAL);
	assert_non_null(strstr(r.error, "scheduler"));
	fetch_result_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(loads_and_reuses),
		cmocka_unit_test(cc_summary),
		cmocka_unit_test(failures_have_reasons),
		cmocka_unit_test(refused),
		cmocka_unit_test(bad_page),
	};
	return cmocka_run_group_tests(tests, server_start, server_stop);
}
