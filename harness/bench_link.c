/*
 * The link benchmark.  Every figure is measured with the real tools a user
 * would use (ping, iperf3) between the client and server namespaces of a
 * testbed, plus the backend's own counters, and each repetition that needs
 * a clean link (rate, queue) gets a fresh testbed.
 *
 * The link's delivered rate is measured against our own clock, not the
 * model's: the counters are polled until a delivery is seen at the start
 * and at the end of a window in the steady state of a bulk transfer, and
 * the bytes delivered between the two observed deliveries are divided by
 * the time between the observations.  The counters' delivery times
 * (first_ns/last_ns) are the model's schedule and would only measure the
 * model against itself.
 */
#include "harness/bench_link.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "emulator/backend.h"
#include "emulator/forward.h"
#include "emulator/units.h"
#include "harness/bench_parse.h"
#include "harness/log.h"
#include "harness/proc.h"
#include "harness/testbed.h"
#include "harness/tool.h"
#include "results/stats.h"

#define MS 1000000ull
#define SEC 1000000000ull
#define PING_COUNT 20
#define PING_INTERVAL 0.05
/* Payload per 1500-byte packet with TCP timestamps: the ideal goodput. */
#define TCP_PAYLOAD 1448.0
#define IP_PACKET 1500.0

struct bench {
	const struct bench_link_opts *o;
	int sig;          /* the signal that interrupted the run, or 0 */
	int failed;       /* measurements that could not be made */
	int tty;          /* stderr is a terminal: show progress there */
	int secs;         /* length of a rate or throughput transfer */
};

static const struct {
	const char *name;
	unsigned bit;
} parts[] = {
	{ "rtt", BENCH_RTT }, { "rate", BENCH_RATE }, { "overhead", BENCH_OVERHEAD },
	{ "queue", BENCH_QUEUE }, { "setup", BENCH_SETUP },
};

int bench_link_parts(const char *list, unsigned *mask)
{
	unsigned m = 0;
	const char *p = list;

	if (!*p)
		return -EINVAL;
	for (;;) {
		size_t len = strcspn(p, ",");
		unsigned bit = 0;
		for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
			if (strlen(parts[i].name) == len && !strncmp(p, parts[i].name, len))
				bit = parts[i].bit;
		if (!bit)
			return -EINVAL;
		m |= bit;
		if (!p[len])
			break;
		p += len + 1;
	}
	*mask = m;
	return 0;
}

/* --- small helpers ------------------------------------------------------ */

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * SEC + (uint64_t)ts.tv_nsec;
}

static double median(const double *v, int n)
{
	double m;
	return n > 0 && stats_median(v, (size_t)n, &m) == 0 ? m : NAN;
}

static int interrupted(struct bench *b)
{
	int s = proc_interrupted();
	if (s)
		b->sig = s;
	return b->sig ? -EINTR : 0;
}

/* Sleeps until @t (CLOCK_MONOTONIC ns), watching for signals. */
static int sleep_until(struct bench *b, uint64_t t)
{
	for (;;) {
		if (interrupted(b))
			return -EINTR;
		uint64_t now = now_ns();
		if (now >= t)
			return 0;
		uint64_t d = t - now < 20 * MS ? t - now : 20 * MS;
		nanosleep(&(struct timespec){ 0, (long)d }, NULL);
	}
}

static void progress(struct bench *b, const char *fmt, ...)
{
	if (!b->tty)
		return;
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "\r\033[Kbench link: ");
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fflush(stderr);
}

static void progress_clear(struct bench *b)
{
	if (b->tty)
		fprintf(stderr, "\r\033[K");
}

#define ROW_FMT "%-8s %-16s %-21s %-24s %-48s %-30s %s\n"

static void row(struct bench *b, const char *fig, const char *conf, const char *meas,
		const char *err, const char *extra, const char *target, const char *verdict)
{
	progress_clear(b);
	printf(ROW_FMT, fig, conf, meas, err, extra, target, verdict);
	fflush(stdout);
}

static void note(struct bench *b, const char *fmt, ...)
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

static void row_failed(struct bench *b, const char *fig, const char *conf)
{
	row(b, fig, conf, "-", "-", "no repetition could be measured (see stderr)", "-", "failed");
}

static const char *verdict(int ok)
{
	return ok ? "meets" : "misses";
}

/* "256kbit", "100mbit": the rate as a user writes it. */
static void rate_name(uint64_t bps, char *buf, int len)
{
	units_format_rate(bps, buf, len);
}

/* 255.98 kbit/s, 3.912 Mbit/s, 2.71 Gbit/s */
static void rate_human(double bps, char *buf, int len)
{
	if (bps >= 1e9)
		snprintf(buf, len, "%.3f Gbit/s", bps / 1e9);
	else if (bps >= 1e6)
		snprintf(buf, len, "%.3f Mbit/s", bps / 1e6);
	else
		snprintf(buf, len, "%.2f kbit/s", bps / 1e3);
}

/* A link of @rtt split evenly, @down_bps down (0 = unlimited), a down
 * droptail of @down_pkts packets (0 = the default large buffer). */
static void params(struct link_params *lp, uint64_t rtt, uint64_t down_bps, uint32_t down_pkts)
{
	link_params_init(lp);
	lp->up.delay_ns = rtt / 2;
	lp->down.delay_ns = rtt - rtt / 2;
	lp->down.rate_bps = down_bps;
	lp->down.limit_pkts = down_pkts;
	link_params_finish(lp);
}

/* A testbed with one server address; @ops NULL = a bare veth pair. */
static int bed_up(struct bench *b, const struct link_backend_ops *ops,
		  const struct link_params *lp, const char *cc, struct testbed **tb)
{
	struct testbed_opts to = {
		.nservers = 1, .backend = ops, .link = *lp, .tfo_sysctl = -1, .cc = cc,
	};
	*tb = NULL;
	if (interrupted(b))
		return -EINTR;
	int rc = testbed_up(&to, tb);
	if (rc < 0) {
		*tb = NULL;
		return rc;
	}
	if (interrupted(b)) {
		testbed_down(*tb);
		*tb = NULL;
		return -EINTR;
	}
	return 0;
}

static void server_addr(struct testbed *tb, char *buf)
{
	inet_ntop(AF_INET, &tb->server_addr[0], buf, INET_ADDRSTRLEN);
}

/* --- tools -------------------------------------------------------------- */

/* The ping command line: @count echoes, one per @interval s, client -> server. */
struct ping_cmd {
	char addr[INET_ADDRSTRLEN], count[16], interval[16], deadline[16];
	char *argv[12];
	int timeout_ms;
};

static void ping_cmd(struct testbed *tb, int count, double interval, int extra_s,
		     struct ping_cmd *c)
{
	int deadline = (int)(count * interval) + extra_s;
	server_addr(tb, c->addr);
	snprintf(c->count, sizeof(c->count), "%d", count);
	snprintf(c->interval, sizeof(c->interval), "%.3f", interval);
	snprintf(c->deadline, sizeof(c->deadline), "%d", deadline);
	char *argv[] = { "ping", "-n", "-c", c->count, "-i", c->interval, "-W", "10",
			 "-w", c->deadline, c->addr, NULL };
	memcpy(c->argv, argv, sizeof(argv));
	c->timeout_ms = (deadline + 10) * 1000;
}

static int ping_parse_logged(const char *text, const char *addr, struct bench_ping *out)
{
	int rc = bench_ping_parse(text, out);
	if (rc == -ENODATA)
		log_err("ping %s: no reply to %d echoes", addr, out->transmitted);
	else if (rc < 0)
		log_err("ping %s: output not understood: %.200s", addr, text);
	return rc;
}

static int ping_run(struct bench *b, struct testbed *tb, int count, double interval,
		    struct bench_ping *out)
{
	struct ping_cmd c;
	char *text;
	ping_cmd(tb, count, interval, 5, &c);
	int rc = tool_run(tb, TESTBED_CLIENT, c.argv, c.timeout_ms, &b->sig, &text);
	if (rc < 0)
		return rc;
	rc = ping_parse_logged(text, c.addr, out);
	free(text);
	return rc;
}

/*
 * One iperf3 test of @secs s from the client to the server (@reverse: the
 * server sends, down the link).  @during, if not NULL, runs while the
 * client does, with the client's start time.
 */
typedef int (*during_fn)(struct bench *b, struct testbed *tb, uint64_t t0, void *arg);

static int iperf_run(struct bench *b, struct testbed *tb, int reverse, int secs,
		     during_fn during, void *arg, struct bench_iperf *out)
{
	char addr[INET_ADDRSTRLEN], t[16], *json = NULL;
	pid_t client = -1, server;
	int fd = -1, rc;

	server_addr(tb, addr);
	snprintf(t, sizeof(t), "%d", secs);
	char *argv[] = { "iperf3", "-c", addr, "-t", t, "-J", reverse ? "-R" : NULL, NULL };
	rc = server = tool_iperf_server(tb, &b->sig);
	if (rc < 0)
		return rc;
	rc = fd = tool_outfd();
	if (rc < 0)
		goto end;
	uint64_t t0 = now_ns();
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

/* --- rtt ---------------------------------------------------------------- */

static int bench_rtt(struct bench *b, const struct link_backend_ops *ops)
{
	static const int rtts[] = { 20, 100, 200 };
	const int reps = b->o->reps;

	for (size_t i = 0; i < sizeof(rtts) / sizeof(rtts[0]); i++) {
		struct link_params lp;
		struct testbed *tb;
		char conf[32];
		snprintf(conf, sizeof(conf), "%dms", rtts[i]);
		params(&lp, (uint64_t)rtts[i] * MS, 0, 0);
		int rc = bed_up(b, ops, &lp, NULL, &tb);
		if (rc == -EINTR)
			return rc;
		double *avg = calloc((size_t)reps * (2 + PING_COUNT), sizeof(double));
		double *mdev = avg + reps, *replies = avg + 2 * reps, res = 0;
		int n = 0, nr = 0;
		for (int r = 0; tb && avg && r < reps; r++) {
			struct bench_ping p;
			progress(b, "%s rtt %s, repetition %d of %d", ops->name, conf, r + 1, reps);
			rc = ping_run(b, tb, PING_COUNT, PING_INTERVAL, &p);
			if (rc == -EINTR)
				break;
			if (rc < 0) {
				b->failed++;
				continue;
			}
			avg[n] = p.avg_ms;
			mdev[n++] = p.mdev_ms;
			for (int k = 0; k < p.nreplies && k < PING_COUNT; k++)
				replies[nr++] = p.reply_ms[k];
			if (p.reply_res_ms > res)
				res = p.reply_res_ms;
		}
		testbed_down(tb);
		if (b->sig) {
			free(avg);
			return -EINTR;
		}
		if (n == 0) {
			b->failed += !tb || !avg;
			row_failed(b, "rtt", conf);
			free(avg);
			continue;
		}
		double m = median(avg, n), md = median(mdev, n), err = m - rtts[i];
		char meas[48], e[48], extra[96];
		snprintf(meas, sizeof(meas), "median %.3f ms", m);
		snprintf(e, sizeof(e), "error %+.3f ms (%+.2f%%)", err, err / rtts[i] * 100);
		snprintf(extra, sizeof(extra), "mdev %.3f ms; replies median %.*f ms (%d)", md,
			 res >= 1 ? 0 : res >= 0.1 ? 1 : res >= 0.01 ? 2 : 3, median(replies, nr), nr);
		row(b, "rtt", conf, meas, e, extra, "|error| <=0.2 ms, mdev <=0.1 ms",
		    verdict(fabs(err) <= 0.2 && md <= 0.1));
		free(avg);
	}
	note(b, "rtt: median over %d repetitions of the average of %d pings %.0f ms apart "
	     "(ping prints it to 1 us; single replies only to 0.1 ms above 10 ms, 1 ms above 100 ms)",
	     reps, PING_COUNT, PING_INTERVAL * 1000);
	note(b, "rtt reference: Mahimahi on this machine: error +0.49 to +0.64 ms, mdev 0.08-0.31 ms "
	     "(it keeps whole milliseconds)");
	return 0;
}

/* --- rate --------------------------------------------------------------- */

/*
 * The first delivery down the link observed after @after: our clock then and
 * the bytes delivered so far.  Polled every 100 us, so the time is at most
 * a poll late, at both ends of a window alike.
 */
static int link_edge(struct bench *b, struct testbed *tb, uint64_t after, uint64_t *t,
		     uint64_t *bytes)
{
	struct link_stats up, down;
	int rc = sleep_until(b, after);
	if (rc < 0 || (rc = testbed_link_stats(tb, &up, &down)) < 0)
		return rc;
	uint64_t pkts = down.pkts, limit = now_ns() + 2 * SEC;
	for (;;) {
		if (interrupted(b))
			return -EINTR;
		if ((rc = testbed_link_stats(tb, &up, &down)) < 0)
			return rc;
		uint64_t now = now_ns();
		if (down.pkts != pkts) {
			*t = now;
			*bytes = down.bytes;
			return 0;
		}
		if (now > limit) {
			log_err("testbed %s: no packet delivered down the link for 2 s", tb->prefix);
			return -ETIMEDOUT;
		}
		nanosleep(&(struct timespec){ 0, 100000 }, NULL);
	}
}

struct rate_window {
	double bps;       /* delivered rate in the window */
	double secs;      /* its length */
};

/* During a bulk transfer: the link's rate from 1 s to the last 0.5 s. */
static int rate_during(struct bench *b, struct testbed *tb, uint64_t t0, void *arg)
{
	struct rate_window *w = arg;
	uint64_t ta, tz, ba, bz;
	int rc = link_edge(b, tb, t0 + SEC, &ta, &ba);
	if (rc == 0)
		rc = link_edge(b, tb, t0 + (uint64_t)b->secs * SEC - 500 * MS, &tz, &bz);
	if (rc < 0)
		return rc;
	w->secs = (double)(tz - ta) / 1e9;
	w->bps = (double)(bz - ba) * 8 / w->secs;
	return 0;
}

static int bench_rate(struct bench *b, const struct link_backend_ops *ops)
{
	static const uint64_t rates[] = { 256000, 4000000, 100000000 };
	const int reps = b->o->reps;
	char cc[16] = "?";

	for (size_t i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
		double link[reps], good[reps], win = 0;
		int64_t retrans[reps];
		int n = 0;
		char conf[32];
		rate_name(rates[i], conf, sizeof(conf));
		for (int r = 0; r < reps; r++) {
			struct link_params lp;
			struct testbed *tb;
			struct rate_window w;
			struct bench_iperf ip;
			progress(b, "%s rate %s, repetition %d of %d (%d s transfer)", ops->name, conf,
				 r + 1, reps, b->secs);
			params(&lp, 10 * MS, rates[i], 0);
			int rc = bed_up(b, ops, &lp, "reno", &tb);
			if (rc == 0) {
				snprintf(cc, sizeof(cc), "%s", tb->cc);
				rc = iperf_run(b, tb, 1, b->secs, rate_during, &w, &ip);
				testbed_down(tb);
			}
			if (rc == -EINTR || b->sig)
				return -EINTR;
			if (rc < 0) {
				b->failed++;
				continue;
			}
			link[n] = w.bps;
			good[n] = ip.recv_bps;
			retrans[n++] = ip.retransmits;
			win = w.secs;
		}
		if (n == 0) {
			row_failed(b, "rate", conf);
			row_failed(b, "goodput", conf);
			continue;
		}
		double lm = median(link, n), gm = median(good, n);
		double lerr = (lm - rates[i]) / rates[i] * 100;
		double ideal = rates[i] * TCP_PAYLOAD / IP_PACKET;
		int64_t rmax = 0;
		for (int k = 0; k < n; k++)
			rmax = retrans[k] > rmax ? retrans[k] : rmax;
		char meas[48], e[48], extra[96], h[32];
		rate_human(lm, h, sizeof(h));
		snprintf(meas, sizeof(meas), "median %s", h);
		snprintf(e, sizeof(e), "error %+.3f%%", lerr);
		snprintf(extra, sizeof(extra), "link counters over %.1f s of bulk TCP", win);
		row(b, "rate", conf, meas, e, extra, "|error| <=0.5%", verdict(fabs(lerr) <= 0.5));
		rate_human(gm, h, sizeof(h));
		snprintf(meas, sizeof(meas), "median %s", h);
		snprintf(e, sizeof(e), "%.2f%% of ideal", gm / ideal * 100);
		rate_human(ideal, h, sizeof(h));
		snprintf(extra, sizeof(extra), "iperf3 -R -t %d, ideal %s, retrans <=%lld", b->secs, h,
			 (long long)rmax);
		row(b, "goodput", conf, meas, e, extra, ">=97% of ideal", verdict(gm >= 0.97 * ideal));
	}
	note(b, "rate: 10 ms RTT, default queue (max(1000p, 4 BDP)), cc %s, which keeps that queue "
	     "backlogged (bbr's pacing may idle the link; cubic cannot be set in a namespace here); "
	     "ideal goodput = rate * 1448/1500", cc);
	note(b, "rate reference: Mahimahi on this machine: goodput 97.7-99.8%% of ideal");
	return 0;
}

/* --- overhead ------------------------------------------------------------ */

/* The forwarder's CPU time, when the backend is the userspace one. */
static int cpu_ns(struct testbed *tb, uint64_t *ns)
{
	if (tb->ops != &link_userspace_ops)
		return -EOPNOTSUPP;
	return userspace_cpu_ns(tb->link, ns);
}

static uint64_t link_pkts(struct testbed *tb)
{
	struct link_stats up, down;
	if (testbed_link_stats(tb, &up, &down) < 0)
		return 0;
	return up.pkts + down.pkts;
}

static int bench_overhead(struct bench *b, const struct link_backend_ops *ops)
{
	const int reps = b->o->reps;
	struct link_params lp;
	struct testbed *bare = NULL, *emu = NULL;
	double rtt_bare[reps], rtt_emu[reps], tput[reps], tput_bare[reps], cpu_pkt[reps],
		cpu_core[reps];
	int nr = 0, nt = 0, nb = 0, nc = 0, rc;

	params(&lp, 0, 0, 0);
	if ((rc = bed_up(b, NULL, &lp, NULL, &bare)) == 0)
		rc = bed_up(b, ops, &lp, NULL, &emu);
	if (rc == -EINTR)
		goto end;
	/* Alternate the two testbeds so that noise from other work on the
	 * machine falls on both alike. */
	for (int r = 0; emu && r < reps; r++) {
		struct bench_ping pb, pe;
		progress(b, "%s overhead: ping, repetition %d of %d", ops->name, r + 1, reps);
		if ((rc = ping_run(b, bare, PING_COUNT, PING_INTERVAL, &pb)) == 0)
			rc = ping_run(b, emu, PING_COUNT, PING_INTERVAL, &pe);
		if (rc == -EINTR)
			goto end;
		if (rc < 0) {
			b->failed++;
			continue;
		}
		rtt_bare[nr] = median(pb.reply_ms, pb.nreplies);
		rtt_emu[nr++] = median(pe.reply_ms, pe.nreplies);
	}
	for (int r = 0; emu && r < reps; r++) {
		struct bench_iperf ip;
		progress(b, "%s overhead: throughput, repetition %d of %d", ops->name, r + 1, reps);
		if ((rc = iperf_run(b, bare, 0, b->secs, NULL, NULL, &ip)) == 0)
			tput_bare[nb++] = ip.recv_bps;
		if (rc == -EINTR)
			goto end;
		uint64_t c0 = 0, c1 = 0, p0 = link_pkts(emu), t0 = now_ns();
		int have_cpu = cpu_ns(emu, &c0) == 0;
		rc = iperf_run(b, emu, 0, b->secs, NULL, NULL, &ip);
		if (rc == -EINTR)
			goto end;
		if (rc < 0) {
			b->failed++;
			continue;
		}
		tput[nt++] = ip.recv_bps;
		uint64_t pk = link_pkts(emu) - p0, wall = now_ns() - t0;
		if (have_cpu && cpu_ns(emu, &c1) == 0 && pk > 0) {
			cpu_pkt[nc] = (double)(c1 - c0) / (double)pk;
			cpu_core[nc++] = (double)(c1 - c0) / (double)wall * 100;
		}
	}
	rc = 0;
end:
	testbed_down(emu);
	testbed_down(bare);
	if (rc == -EINTR || b->sig)
		return -EINTR;
	if (!emu)
		b->failed++;
	char meas[48], e[48], extra[128], h[32], hb[32];
	if (nr == 0) {
		row_failed(b, "overhead", "0ms unlimited");
	} else {
		double mb = median(rtt_bare, nr), me = median(rtt_emu, nr), add = (me - mb) * 1000;
		snprintf(meas, sizeof(meas), "added %.0f us", add);
		snprintf(e, sizeof(e), "RTT %.3f ms", me);
		snprintf(extra, sizeof(extra), "bare veth %.3f ms (medians of single pings)", mb);
		row(b, "overhead", "0ms unlimited", meas, e, extra, "added <=80 us", verdict(add <= 80));
	}
	if (nt == 0) {
		row_failed(b, "tput", "0ms unlimited");
	} else {
		double tm = median(tput, nt);
		rate_human(tm, h, sizeof(h));
		snprintf(meas, sizeof(meas), "median %s", h);
		rate_human(median(tput_bare, nb), hb, sizeof(hb));
		snprintf(e, sizeof(e), "bare veth %s", nb ? hb : "-");
		if (nc)
			snprintf(extra, sizeof(extra), "forwarder %.2f us/pkt (up+down), %.0f%% of a core",
				 median(cpu_pkt, nc) / 1000, median(cpu_core, nc));
		else
			snprintf(extra, sizeof(extra), "forwarder CPU: not available for %s", ops->name);
		row(b, "tput", "0ms unlimited", meas, e, extra, ">=2.5 Gbit/s", verdict(tm >= 2.5e9));
	}
	note(b, "overhead: one TCP flow, iperf3 -t %d client -> server, offloads off as in every "
	     "testbed", b->secs);
	note(b, "overhead reference: Mahimahi on this machine: added RTT 120 us; ~2 Gbit/s at 96%% "
	     "of a core, 5.8 us per packet");
	return 0;
}

/* --- queue -------------------------------------------------------------- */

struct queue_ping {
	int fd;
	pid_t pid;
	struct ping_cmd c;
	int secs;
};

/* During the transfer: ping every 100 ms from 0.5 s on, into a memfd. */
static int queue_during(struct bench *b, struct testbed *tb, uint64_t t0, void *arg)
{
	struct queue_ping *q = arg;
	int rc = sleep_until(b, t0 + 500 * MS);
	if (rc < 0)
		return rc;
	ping_cmd(tb, (q->secs - 1) * 10, 0.1, 8, &q->c);
	rc = q->pid = tool_spawn(tb, TESTBED_CLIENT, q->c.argv, q->fd);
	return rc < 0 ? rc : 0;
}

struct queue_rep {
	double delay_s;        /* max ping RTT during the transfer - the idle RTT */
	uint64_t drops;
	uint32_t max_pkts;
};

static int queue_rep(struct bench *b, const struct link_backend_ops *ops, uint64_t rate,
		     uint32_t limit, struct queue_rep *out)
{
	struct link_params lp;
	struct testbed *tb;
	struct bench_ping base, p;
	struct bench_iperf ip;
	struct queue_ping q = { .fd = -1, .pid = -1, .secs = b->o->quick ? 8 : 12 };
	char *text = NULL;

	params(&lp, 10 * MS, rate, limit);
	int rc = bed_up(b, ops, &lp, "reno", &tb);
	if (rc < 0)
		return rc;
	if ((rc = ping_run(b, tb, 10, PING_INTERVAL, &base)) < 0)
		goto end;
	if ((rc = q.fd = tool_outfd()) < 0)
		goto end;
	if ((rc = iperf_run(b, tb, 1, q.secs, queue_during, &q, &ip)) < 0)
		goto end;
	rc = tool_wait(q.pid, "ping", q.c.timeout_ms, &b->sig);
	q.pid = -1;
	if (rc < 0)
		goto end;
	if (!(text = tool_read(q.fd))) {
		rc = -EIO;
		goto end;
	}
	if ((rc = ping_parse_logged(text, q.c.addr, &p)) < 0)
		goto end;
	struct link_stats up, down;
	if ((rc = testbed_link_stats(tb, &up, &down)) < 0)
		goto end;
	out->delay_s = (p.max_ms - base.avg_ms) / 1000;
	out->drops = down.drops_queue;
	out->max_pkts = down.max_queue_pkts;
end:
	if (q.pid > 0)
		proc_stop(q.pid, 500);
	if (q.fd >= 0)
		close(q.fd);
	free(text);
	testbed_down(tb);
	return rc;
}

static int bench_queue(struct bench *b, const struct link_backend_ops *ops)
{
	const uint64_t rate = 4000000;
	const uint32_t limit = 1000;
	const int reps = b->o->reps;
	double delay[reps], drops[reps], maxq[reps];
	int n = 0;
	char conf[48];
	snprintf(conf, sizeof(conf), "4mbit %up", limit);

	for (int r = 0; r < reps; r++) {
		struct queue_rep qr;
		progress(b, "%s queue, repetition %d of %d (%d s transfer)", ops->name, r + 1, reps,
			 b->o->quick ? 8 : 12);
		int rc = queue_rep(b, ops, rate, limit, &qr);
		if (rc == -EINTR || b->sig)
			return -EINTR;
		if (rc < 0) {
			b->failed++;
			continue;
		}
		delay[n] = qr.delay_s;
		drops[n] = (double)qr.drops;
		maxq[n++] = qr.max_pkts;
	}
	if (n == 0) {
		row_failed(b, "queue", conf);
	} else {
		double model = limit * IP_PACKET * 8 / rate, d = median(delay, n);
		double err = (d - model) / model * 100, dr = median(drops, n);
		char meas[48], e[48], extra[96];
		snprintf(meas, sizeof(meas), "delay %.3f s", d);
		snprintf(e, sizeof(e), "error %+.2f%% of %.3f s", err, model);
		snprintf(extra, sizeof(extra), "drops %.0f, max queue %.0f pkts (medians)", dr,
			 median(maxq, n));
		row(b, "queue", conf, meas, e, extra, "|error| <=5%, drops > 0",
		    verdict(fabs(err) <= 5 && dr > 0));
	}
	note(b, "queue: iperf3 -R with cc reno, which, being loss-based, fills the buffer (bbr "
	     "would keep it short); delay = highest ping RTT during the transfer - idle RTT");
	return 0;
}

/* --- setup -------------------------------------------------------------- */

static int bench_setup(struct bench *b, const struct link_backend_ops *ops)
{
	const int n = b->o->reps > 20 ? b->o->reps : 20;
	double up[n], down[n], total[n];
	int k = 0;
	struct link_params lp;

	/* The Table 1 link. */
	params(&lp, 100 * MS, 4000000, 0);
	lp.up.rate_bps = 256000;
	lp.up.limit_pkts = 0;
	link_params_finish(&lp);
	for (int r = 0; r < n; r++) {
		struct testbed *tb;
		progress(b, "%s setup, run %d of %d", ops->name, r + 1, n);
		uint64_t t0 = now_ns();
		int rc = bed_up(b, ops, &lp, NULL, &tb);
		if (rc == -EINTR)
			return rc;
		if (rc < 0) {
			b->failed++;
			continue;
		}
		uint64_t t1 = now_ns();
		rc = testbed_down(tb);
		uint64_t t2 = now_ns();
		if (rc < 0) {
			b->failed++;
			continue;
		}
		up[k] = (double)(t1 - t0) / 1e6;
		down[k] = (double)(t2 - t1) / 1e6;
		total[k++] = (double)(t2 - t0) / 1e6;
	}
	if (k == 0) {
		row_failed(b, "setup", "table 1 link");
		return 0;
	}
	double m = median(total, k), mx = 0;
	for (int i = 0; i < k; i++)
		mx = total[i] > mx ? total[i] : mx;
	char meas[48], e[48], extra[96];
	snprintf(meas, sizeof(meas), "median %.1f ms", m);
	snprintf(e, sizeof(e), "max %.1f ms", mx);
	snprintf(extra, sizeof(extra), "up %.1f ms + down %.1f ms (medians of %d)", median(up, k),
		 median(down, k), k);
	row(b, "setup", "4mbit/256kbit", meas, e, extra, "median <=100 ms", verdict(m <= 100));
	return 0;
}

/* --- the run ------------------------------------------------------------ */

int bench_link_run(const struct bench_link_opts *o, int *sig)
{
	static int (*const fns[])(struct bench *, const struct link_backend_ops *) = {
		bench_rtt, bench_rate, bench_overhead, bench_queue, bench_setup,
	};
	struct bench b = { .o = o, .tty = isatty(2), .secs = o->quick ? 3 : 10 };
	const struct link_backend_ops *ops[2] = { NULL, NULL };
	char why[256] = "";
	struct utsname u;

	uname(&u);
	note(&b, "tfolab bench link: %d repetitions, %d s transfers, kernel %s, %ld CPUs",
	     o->reps, b.secs, u.release, sysconf(_SC_NPROCESSORS_ONLN));
	if (link_userspace_ops.probe(why, sizeof(why)) > 0)
		ops[0] = &link_userspace_ops;
	else
		note(&b, "userspace backend: not measured: %s", why);
	why[0] = 0;
	if (link_netem_ops.probe(why, sizeof(why)) > 0)
		ops[1] = &link_netem_ops;
	else
		note(&b, "netem backend: not measured: %s", why[0] ? why : "probe failed");
	for (int i = 0; i < 2 && !b.sig; i++) {
		if (!ops[i])
			continue;
		note(&b, "backend %s", ops[i]->name);
		printf(ROW_FMT, "figure", "configured", "measured", "error", "details", "target",
		       "verdict");
		for (size_t k = 0; k < sizeof(fns) / sizeof(fns[0]) && !b.sig; k++)
			if (o->parts & parts[k].bit)
				fns[k](&b, ops[i]);
	}
	progress_clear(&b);
	if (b.sig) {
		*sig = b.sig;
		return -EINTR;
	}
	return b.failed || !(ops[0] || ops[1]) ? -EIO : 0;
}
