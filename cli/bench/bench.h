/*
 * What every benchmark (`tfolab bench KIND`) shares: the run's state, the
 * table it prints, interruptible waits, and measurements with the real
 * tools (ping, iperf3) between a testbed's client and server.
 *
 * A benchmark prints rows on stdout: figure, configured value, measured
 * median, error, details, target, verdict.  A measurement that cannot be
 * made is logged where it fails, counted in bench.failed, and its row says
 * "failed"; the run goes on.  Signals must be blocked (proc_signals_block):
 * every wait returns -EINTR, with bench.sig set and its children stopped,
 * when SIGINT, SIGTERM or SIGHUP arrives.
 */
#ifndef TFOLAB_CLI_BENCH_BENCH_H
#define TFOLAB_CLI_BENCH_BENCH_H

#include <stdint.h>

#include "cli/bench/bench_parse.h"
#include "emulator/link.h"
#include "testbed/testbed.h"

#define BENCH_MS 1000000ull
#define BENCH_SEC 1000000000ull

struct bench {
	int reps;         /* repetitions of each figure */
	int quick;        /* shorter runs */
	int secs;         /* length of a bulk transfer */
	int sig;          /* the signal that interrupted the run, or 0 */
	int failed;       /* measurements that could not be made */
	int tty;          /* stderr is a terminal: progress is shown there */
};

/* Median of @n values (NAN when n == 0); @v is not modified. */
double bench_median(const double *v, int n);

/* bench_interrupted - -EINTR (bench.sig set) once a run signal came, else 0. */
int bench_interrupted(struct bench *b);

/* bench_sleep_until - sleep until @t (CLOCK_MONOTONIC ns); 0 or -EINTR. */
int bench_sleep_until(struct bench *b, uint64_t t);

/* --- output ------------------------------------------------------------- */

/* A progress line on stderr, overwritten by the next one (TTY only); NULL clears it. */
void bench_progress(struct bench *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The column titles, then rows; each clears the progress line first. */
void bench_header(struct bench *b);
void bench_row(struct bench *b, const char *fig, const char *conf, const char *meas,
	       const char *err, const char *details, const char *target, int meets);
void bench_row_failed(struct bench *b, const char *fig, const char *conf);

/* "# ..." on stdout: context and references below a figure's rows. */
void bench_note(struct bench *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* 255.98 kbit/s, 3.912 Mbit/s, 2.710 Gbit/s */
void bench_rate_human(double bps, char *buf, int len);

/* --- testbeds and tools -------------------------------------------------- */

/*
 * bench_link_params - a link of @rtt split evenly, @down_bps down (0 =
 * unlimited), a down droptail of @down_pkts (0 = the default large buffer),
 * everything else the defaults.
 */
void bench_link_params(struct link_params *lp, uint64_t rtt, uint64_t down_bps,
		       uint32_t down_pkts);

/*
 * bench_testbed_up - a testbed with one server address, backend @ops (NULL
 * = a bare veth pair) and congestion control @cc (NULL = the default).
 * 0, -EINTR, or the negative errno of testbed_up (logged); *@tb NULL then.
 */
int bench_testbed_up(struct bench *b, const struct link_backend_ops *ops,
		     const struct link_params *lp, const char *cc, struct testbed **tb);

/* The ping command line: @count echoes @interval s apart, client -> server. */
struct bench_ping_cmd {
	char addr[16], count[16], interval[16], deadline[16];
	char *argv[12];
	int timeout_ms;         /* for tool_wait: the deadline and a margin */
};

/* bench_ping_cmd - fill @c; ping gives up @extra_s after its last echo. */
void bench_ping_cmd(struct testbed *tb, int count, double interval, int extra_s,
		    struct bench_ping_cmd *c);

/* bench_ping_parse_logged - bench_ping_parse, logging what went wrong. */
int bench_ping_parse_logged(const char *text, const char *addr, struct bench_ping *out);

/* bench_ping - run one ping and parse it: 0, -EINTR, or a negative errno (logged). */
int bench_ping(struct bench *b, struct testbed *tb, int count, double interval,
	       struct bench_ping *out);

/*
 * A callback run while an iperf3 client runs, with the client's start time
 * @t0; a negative return ends the test.
 */
typedef int (*bench_during_fn)(struct bench *b, struct testbed *tb, uint64_t t0, void *arg);

/*
 * bench_iperf - one iperf3 test of @secs s from the client to the server
 * (@reverse: -R, the server sends down the link), with a one-off server
 * started and waited for first, and @during (may be NULL) run meanwhile.
 * Returns 0 with the totals in *@out, -EINTR, or a negative errno (logged);
 * no iperf3 is left running in any case.
 */
int bench_iperf(struct bench *b, struct testbed *tb, int reverse, int secs,
		bench_during_fn during, void *arg, struct bench_iperf *out);

#endif
