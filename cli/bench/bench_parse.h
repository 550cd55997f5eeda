/*
 * Reading what the measurement tools print: iputils ping's text and
 * iperf3's JSON (-J).  Pure functions over a NUL-terminated buffer; nothing
 * is allocated that outlives a call and nothing is logged: a failure is a
 * negative errno plus, for iperf3, a message in the caller's buffer.
 */
#ifndef TFOLAB_CLI_BENCH_BENCH_PARSE_H
#define TFOLAB_CLI_BENCH_BENCH_PARSE_H

#include <stdint.h>

#define BENCH_PING_MAX_REPLIES 512

struct bench_ping {
	int transmitted, received;      /* "N packets transmitted, M received" */
	/* "rtt min/avg/max/mdev = a/b/c/d ms": microsecond precision. */
	double min_ms, avg_ms, max_ms, mdev_ms;
	/* Per-reply "time=" values, in order, the first BENCH_PING_MAX_REPLIES. */
	int nreplies;
	double reply_ms[BENCH_PING_MAX_REPLIES];
	/*
	 * The coarsest resolution among the reply times as printed: iputils
	 * prints 3 decimals below 1 ms, 2 below 10 ms, 1 below 100 ms and none
	 * above ("time=120 ms"), so a median of replies is only as exact as
	 * this (0 if there are none); the summary line is always exact to 1 us.
	 */
	double reply_res_ms;
};

/*
 * bench_ping_parse - the summary and the reply lines of one ping run.
 * Returns 0; -EINVAL when there is no "packets transmitted" line (ping did
 * not run to its end) or a line of the summary is malformed; -ENODATA when
 * ping ran but no reply came back (transmitted and received are set).
 */
int bench_ping_parse(const char *text, struct bench_ping *out);

struct bench_iperf {
	double recv_bps;        /* end.sum_received.bits_per_second: the goodput */
	double recv_seconds;    /* end.sum_received.seconds */
	double sent_bps;        /* end.sum_sent.bits_per_second */
	int64_t retransmits;    /* end.sum_sent.retransmits; -1 if absent */
};

/*
 * bench_iperf_parse - the totals of one `iperf3 -J` client run.  Returns 0;
 * -EIO when iperf3 reported an error (its "error" text in @err); -EINVAL
 * when @json is not iperf3 JSON or lacks a total (what is missing in @err).
 */
int bench_iperf_parse(const char *json, struct bench_iperf *out, char *err, int errlen);

#endif
