#include "cli/bench/bench.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"
#include "os/proc.h"
#include "results/stats.h"
#include "testbed/tool.h"

#define ROW_FMT "%-8s %-14s %-21s %-26s %-54s %-32s %s\n"

double bench_median(const double *v, int n)
{
	double m;
	return n > 0 && stats_median(v, (size_t)n, &m) == 0 ? m : NAN;
}

int bench_interrupted(struct bench *b)
{
	int s = proc_interrupted();
	if (s)
		b->sig = s;
	return b->sig ? -EINTR : 0;
}

int bench_sleep_until(struct bench *b, uint64_t t)
{
	for (;;) {
		if (bench_interrupted(b))
			return -EINTR;
		uint64_t now = clock_mono_ns();
		if (now >= t)
			return 0;
		uint64_t d = t - now < 20 * BENCH_MS ? t - now : 20 * BENCH_MS;
		nanosleep(&(struct timespec){ 0, (long)d }, NULL);
	}
}

/* --- output ------------------------------------------------------------- */

void bench_progress(struct bench *b, const char *fmt, ...)
{
	if (!b->tty)
		return;
	fprintf(stderr, "\r\033[K");
	if (!fmt)
		return;
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "bench: ");
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fflush(stderr);
}

static void progress_clear(struct bench *b)
{
	if (b->tty)
		fprintf(stderr, "\r\033[K");
}

void bench_header(struct bench *b)
{
	progress_clear(b);
	printf(ROW_FMT, "figure", "configured", "measured", "error", "details", "target", "verdict");
	fflush(stdout);
}

static void row(struct bench *b, const char *fig, const char *conf, const char *meas,
		const char *err, const char *details, const char *target, const char *verdict)
{
	progress_clear(b);
	printf(ROW_FMT, fig, conf, meas, err, details, target, verdict);
	fflush(stdout);
}

void bench_row(struct bench *b, const char *fig, const char *conf, const char *meas,
	       const char *err, const char *details, const char *target, int meets)
{
	row(b, fig, conf, meas, err, details, target, meets ? "meets" : "misses");
}

void bench_row_failed(struct bench *b, const char *fig, const char *conf)
{
	row(b, fig, conf, "-", "-", "no repetition could be measured (see stderr)", "-", "failed");
}

void bench_note(struct bench *b, const char *fmt, ...)
{
	va_list ap;
	progress_clear(b);
	va_start(ap, fmt);
	printf("# ");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	fflush(stdout);
}

void bench_rate_human(double bps, char *buf, int len)
{
	if (bps >= 1e9)
		snprintf(buf, len, "%.3f Gbit/s", bps / 1e9);
	else if (bps >= 1e6)
		snprintf(buf, len, "%.3f Mbit/s", bps / 1e6);
	else
		snprintf(buf, len, "%.2f kbit/s", bps / 1e3);
}

/* --- testbeds and tools -------------------------------------------------- */

void bench_link_params(struct link_params *lp, uint64_t rtt, uint64_t down_bps,
		       uint32_t down_pkts)
{
	link_params_init(lp);
	lp->up.delay_ns = rtt / 2;
	lp->down.delay_ns = rtt - rtt / 2;
	lp->down.rate_bps = down_bps;
	lp->down.limit_pkts = down_pkts;
	link_params_finish(lp);
}

int bench_testbed_up(struct bench *b, const struct link_backend_ops *ops,
		     const struct link_params *lp, const char *cc, struct testbed **tb)
{
	struct testbed_opts to = {
		.nservers = 1, .backend = ops, .link = *lp, .tfo_sysctl = -1, .cc = cc,
	};
	*tb = NULL;
	if (bench_interrupted(b))
		return -EINTR;
	int rc = testbed_up(&to, tb);
	if (rc < 0) {
		*tb = NULL;
		return rc;
	}
	if (bench_interrupted(b)) {
		testbed_down(*tb);
		*tb = NULL;
		return -EINTR;
	}
	return 0;
}

void bench_ping_cmd(struct testbed *tb, int count, double interval, int extra_s,
		    struct bench_ping_cmd *c)
{
	int deadline = (int)(count * interval) + extra_s;
	inet_ntop(AF_INET, &tb->server_addr[0], c->addr, sizeof(c->addr));
	snprintf(c->count, sizeof(c->count), "%d", count);
	snprintf(c->interval, sizeof(c->interval), "%.3f", interval);
	snprintf(c->deadline, sizeof(c->deadline), "%d", deadline);
	char *argv[] = { "ping", "-n", "-c", c->count, "-i", c->interval, "-W", "10",
			 "-w", c->deadline, c->addr, NULL };
	memcpy(c->argv, argv, sizeof(argv));
	c->timeout_ms = (deadline + 10) * 1000;
}

int bench_ping_parse_logged(const char *text, const char *addr, struct bench_ping *out)
{
	int rc = bench_ping_parse(text, out);
	if (rc == -ENODATA)
		log_err("ping %s: no reply to %d echoes", addr, out->transmitted);
	else if (rc < 0)
		log_err("ping %s: output not understood: %.200s", addr, text);
	return rc;
}

int bench_ping(struct bench *b, struct testbed *tb, int count, double interval,
	       struct bench_ping *out)
{
	struct bench_ping_cmd c;
	char *text;
	bench_ping_cmd(tb, count, interval, 5, &c);
	int rc = tool_run(tb, TESTBED_CLIENT, c.argv, c.timeout_ms, &b->sig, &text);
	if (rc < 0)
		return rc;
	rc = bench_ping_parse_logged(text, c.addr, out);
	free(text);
	return rc;
}

int bench_iperf(struct bench *b, struct testbed *tb, int reverse, int secs,
		bench_during_fn during, void *arg, struct bench_iperf *out)
{
	char addr[INET_ADDRSTRLEN], t[16], *json = NULL;
	pid_t client = -1, server;
	int fd = -1, rc;

	inet_ntop(AF_INET, &tb->server_addr[0], addr, sizeof(addr));
	snprintf(t, sizeof(t), "%d", secs);
	char *argv[] = { "iperf3", "-c", addr, "-t", t, "-J", reverse ? "-R" : NULL, NULL };
	rc = server = tool_iperf_server(tb, &b->sig);
	if (rc < 0)
		return rc;
	rc = fd = tool_outfd();
	if (rc < 0)
		goto end;
	uint64_t t0 = clock_mono_ns();
	rc = client = tool_spawn(tb, TESTBED_CLIENT, argv, fd);
	if (rc < 0)
		goto end;
	if (during && (rc = during(b, tb, t0, arg)) < 0)
		goto end;
	/* -R: the test ends only once the server's results, queued behind
	 * the data, have crossed the link: allow for a deep queue. */
	rc = tool_wait(client, "iperf3 client", (secs + 120) * 1000, &b->sig);
	client = -1;
	if (rc < 0)
		goto end;
	int code = rc;
	if (!(json = tool_read(fd))) {
		rc = -EIO;
		goto end;
	}
	char err[256];
	rc = bench_iperf_parse(json, out, err, sizeof(err));
	if (rc < 0) {
		log_err("iperf3 -c %s%s (exit status %d): %s", addr, reverse ? " -R" : "", code, err);
		goto end;
	}
	rc = tool_wait(server, "iperf3 server", 5000, &b->sig);
	server = -1;
	if (rc > 0) {
		log_err("iperf3 server exited with status %d", rc);
		rc = -EIO;
	}
end:
	if (client > 0)
		proc_stop(client, 500);
	if (server > 0)
		proc_stop(server, 500);
	if (fd >= 0)
		close(fd);
	free(json);
	return rc < 0 ? rc : 0;
}
