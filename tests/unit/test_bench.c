/*
 * The benchmark's readers of ping and iperf3 output, on text captured from
 * iputils 20221126 and iperf 3.12 on the development machine, and the
 * --only list parser.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli/bench/bench_link.h"
#include "cli/bench/bench_parse.h"

#define CLOSE(x, y) assert_true(fabs((x) - (y)) < 1e-9)

static const char ping_20ms[] =
	"PING 198.18.0.2 (198.18.0.2) 56(84) bytes of data.\n"
	"64 bytes from 198.18.0.2: icmp_seq=1 ttl=64 time=12.2 ms\n"
	"64 bytes from 198.18.0.2: icmp_seq=2 ttl=64 time=12.2 ms\n"
	"64 bytes from 198.18.0.2: icmp_seq=3 ttl=64 time=12.1 ms\n"
	"\n"
	"--- 198.18.0.2 ping statistics ---\n"
	"3 packets transmitted, 3 received, 0% packet loss, time 101ms\n"
	"rtt min/avg/max/mdev = 12.130/12.176/12.222/0.037 ms\n";

static void test_ping_replies_and_summary(void **state)
{
	struct bench_ping p;
	assert_int_equal(bench_ping_parse(ping_20ms, &p), 0);
	assert_int_equal(p.transmitted, 3);
	assert_int_equal(p.received, 3);
	CLOSE(p.min_ms, 12.130);
	CLOSE(p.avg_ms, 12.176);
	CLOSE(p.max_ms, 12.222);
	CLOSE(p.mdev_ms, 0.037);
	assert_int_equal(p.nreplies, 3);
	CLOSE(p.reply_ms[0], 12.2);
	CLOSE(p.reply_ms[2], 12.1);
	CLOSE(p.reply_res_ms, 0.1);
}

/* Above 100 ms iputils prints whole milliseconds; "pipe 3" follows the rtt line. */
static void test_ping_coarse_and_pipe(void **state)
{
	static const char text[] =
		"PING 198.18.0.2 (198.18.0.2) 56(84) bytes of data.\n"
		"64 bytes from 198.18.0.2: icmp_seq=1 ttl=64 time=0.045 ms\n"
		"64 bytes from 198.18.0.2: icmp_seq=2 ttl=64 time=120 ms\n"
		"64 bytes from 198.18.0.2: icmp_seq=2 ttl=64 time=121 ms (DUP!)\n"
		"--- 198.18.0.2 ping statistics ---\n"
		"3 packets transmitted, 2 received, +1 duplicates, 33.3333% packet loss, time 111ms\n"
		"rtt min/avg/max/mdev = 0.045/80.180/121.189/0.011 ms, pipe 3";  /* no final newline */
	struct bench_ping p;
	assert_int_equal(bench_ping_parse(text, &p), 0);
	assert_int_equal(p.transmitted, 3);
	assert_int_equal(p.received, 2);
	CLOSE(p.max_ms, 121.189);
	CLOSE(p.mdev_ms, 0.011);
	assert_int_equal(p.nreplies, 3);
	CLOSE(p.reply_ms[0], 0.045);
	CLOSE(p.reply_ms[1], 120);
	CLOSE(p.reply_res_ms, 1);
}

static void test_ping_no_reply(void **state)
{
	static const char text[] =
		"PING 198.18.0.2 (198.18.0.2) 56(84) bytes of data.\n"
		"\n--- 198.18.0.2 ping statistics ---\n"
		"5 packets transmitted, 0 received, 100% packet loss, time 4090ms\n\n";
	struct bench_ping p;
	assert_int_equal(bench_ping_parse(text, &p), -ENODATA);
	assert_int_equal(p.transmitted, 5);
	assert_int_equal(p.received, 0);
}

static void test_ping_incomplete_or_malformed(void **state)
{
	struct bench_ping p;
	/* Killed before the summary. */
	assert_int_equal(bench_ping_parse("PING 198.18.0.2 (198.18.0.2) 56(84) bytes of data.\n"
					  "64 bytes from 198.18.0.2: icmp_seq=1 ttl=64 time=1.2 ms\n",
					  &p), -EINVAL);
	assert_int_equal(bench_ping_parse("", &p), -EINVAL);
	/* Replies counted but no rtt line. */
	assert_int_equal(bench_ping_parse("2 packets transmitted, 2 received, 0% packet loss\n", &p),
			 -EINVAL);
	/* A broken rtt line. */
	assert_int_equal(bench_ping_parse("2 packets transmitted, 2 received, 0% packet loss\n"
					  "rtt min/avg/max/mdev = 1.0/x ms\n", &p), -EINVAL);
	assert_int_equal(bench_ping_parse("x packets transmitted, 2 received\n", &p), -EINVAL);
	/* Text that only looks like a reply is not one. */
	assert_int_equal(bench_ping_parse("From 198.18.0.1 icmp_seq=1 Destination Host Unreachable time=3 ms\n"
					  "1 packets transmitted, 1 received\n"
					  "rtt min/avg/max/mdev = 1/1/1/0 ms\n", &p), 0);
	assert_int_equal(p.nreplies, 0);
	assert_true(p.reply_res_ms == 0);
}

static void test_ping_busybox(void **state)
{
	static const char text[] =
		"PING 10.0.0.2 (10.0.0.2): 56 data bytes\n"
		"64 bytes from 10.0.0.2: seq=0 ttl=64 time=0.101 ms\n"
		"--- 10.0.0.2 ping statistics ---\n"
		"1 packets transmitted, 1 packets received, 0% packet loss\n"
		"round-trip min/avg/max = 0.101/0.101/0.101 ms\n";
	struct bench_ping p;
	assert_int_equal(bench_ping_parse(text, &p), 0);
	assert_int_equal(p.received, 1);
	CLOSE(p.avg_ms, 0.101);
	assert_true(isnan(p.mdev_ms));
	CLOSE(p.reply_res_ms, 0.001);
}

/* More replies than fit: the first BENCH_PING_MAX_REPLIES are kept. */
static void test_ping_many_replies(void **state)
{
	size_t cap = 100 * (BENCH_PING_MAX_REPLIES + 10) + 200, len = 0;
	char *text = malloc(cap);
	assert_non_null(text);
	for (int i = 0; i < BENCH_PING_MAX_REPLIES + 10; i++)
		len += (size_t)snprintf(text + len, cap - len,
					"64 bytes from 198.18.0.2: icmp_seq=%d ttl=64 time=%d.5 ms\n",
					i + 1, i % 9 + 1);
	snprintf(text + len, cap - len, "%d packets transmitted, %d received, 0%% packet loss\n"
		 "rtt min/avg/max/mdev = 1.5/5.0/9.5/2.0 ms\n",
		 BENCH_PING_MAX_REPLIES + 10, BENCH_PING_MAX_REPLIES + 10);
	struct bench_ping *p = malloc(sizeof(*p));
	assert_non_null(p);
	assert_int_equal(bench_ping_parse(text, p), 0);
	assert_int_equal(p->nreplies, BENCH_PING_MAX_REPLIES);
	CLOSE(p->reply_ms[9], 1.5);
	CLOSE(p->reply_res_ms, 0.1);
	free(p);
	free(text);
}

static const char iperf_ok[] =
	"{\"start\": {\"version\": \"iperf 3.12\"}, \"intervals\": [],\n"
	" \"end\": {\"streams\": [],\n"
	"  \"sum_sent\": {\"start\": 0, \"end\": 1.000681, \"seconds\": 1.000681, \"bytes\": 2166620160,"
	" \"bits_per_second\": 17321165566.249386, \"retransmits\": 3, \"sender\": false},\n"
	"  \"sum_received\": {\"start\": 0, \"end\": 1.000019, \"seconds\": 1.000019,"
	" \"bytes\": 2164391936, \"bits_per_second\": 17314806506.676373, \"sender\": false},\n"
	"  \"cpu_utilization_percent\": {\"host_total\": 98.1}}}\n";

static void test_iperf_ok(void **state)
{
	struct bench_iperf r;
	char err[128] = "";
	assert_int_equal(bench_iperf_parse(iperf_ok, &r, err, sizeof(err)), 0);
	CLOSE(r.recv_bps, 17314806506.676373);
	CLOSE(r.recv_seconds, 1.000019);
	CLOSE(r.sent_bps, 17321165566.249386);
	assert_int_equal(r.retransmits, 3);
}

static void test_iperf_error(void **state)
{
	static const char json[] =
		"{\n\t\"start\":\t{\n\t\t\"connected\":\t[],\n\t\t\"version\":\t\"iperf 3.12\"\n\t},\n"
		"\t\"intervals\":\t[],\n\t\"end\":\t{\n\t},\n"
		"\t\"error\":\t\"unable to connect to server: Connection refused\"\n}\n";
	struct bench_iperf r;
	char err[128] = "";
	assert_int_equal(bench_iperf_parse(json, &r, err, sizeof(err)), -EIO);
	assert_non_null(strstr(err, "Connection refused"));
}

static void test_iperf_malformed(void **state)
{
	struct bench_iperf r;
	char err[128] = "";
	assert_int_equal(bench_iperf_parse("{\"end\": {", &r, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "iperf3 JSON"));
	assert_int_equal(bench_iperf_parse("[1, 2]", &r, err, sizeof(err)), -EINVAL);
	assert_int_equal(bench_iperf_parse("{\"start\": {}}", &r, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "end"));
	/* No receiver total (a test cut short). */
	assert_int_equal(bench_iperf_parse("{\"end\": {\"sum_sent\": {\"bits_per_second\": 1,"
					   " \"seconds\": 1}}}", &r, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "sum_received"));
	/* A string where a number belongs. */
	assert_int_equal(bench_iperf_parse("{\"end\": {\"sum_sent\": {\"bits_per_second\": 1},"
					   " \"sum_received\": {\"bits_per_second\": \"fast\","
					   " \"seconds\": 1}}}", &r, err, sizeof(err)), -EINVAL);
	/* Retransmits are optional (UDP, or a receiver-side sum). */
	assert_int_equal(bench_iperf_parse("{\"end\": {\"sum_sent\": {\"bits_per_second\": 2},"
					   " \"sum_received\": {\"bits_per_second\": 1,"
					   " \"seconds\": 3}}}", &r, err, sizeof(err)), 0);
	assert_int_equal(r.retransmits, -1);
	CLOSE(r.recv_seconds, 3);
}

static void test_parts(void **state)
{
	unsigned m = 12345;
	assert_int_equal(bench_link_parts("rtt,setup", &m), 0);
	assert_int_equal(m, BENCH_RTT | BENCH_SETUP);
	assert_int_equal(bench_link_parts("queue", &m), 0);
	assert_int_equal(m, BENCH_QUEUE);
	assert_int_equal(bench_link_parts("rtt,rate,overhead,queue,setup", &m), 0);
	assert_int_equal(m, BENCH_ALL);
	m = 12345;
	const char *bad[] = { "", "rtt,", ",rtt", "rt", "rttx", "rtt,,rate", "RTT", "all", NULL };
	for (int i = 0; bad[i]; i++)
		if (bench_link_parts(bad[i], &m) != -EINVAL)
			fail_msg("\"%s\" accepted", bad[i]);
	assert_int_equal(m, 12345);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ping_replies_and_summary),
		cmocka_unit_test(test_ping_coarse_and_pipe),
		cmocka_unit_test(test_ping_no_reply),
		cmocka_unit_test(test_ping_incomplete_or_malformed),
		cmocka_unit_test(test_ping_busybox),
		cmocka_unit_test(test_ping_many_replies),
		cmocka_unit_test(test_iperf_ok),
		cmocka_unit_test(test_iperf_error),
		cmocka_unit_test(test_iperf_malformed),
		cmocka_unit_test(test_parts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
