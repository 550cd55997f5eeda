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
#include "cli/bench/bench_link.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "cli/bench/bench.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/units.h"
#include "emulator/backend.h"
#include "os/proc.h"
#include "testbed/testbed.h"
#include "testbed/tool.h"

#define PING_COUNT 20
#define PING_INTERVAL 0.05
/* Payload per 1500-byte packet with TCP timestamps: the ideal goodput. */
#define TCP_PAYLOAD 1448.0
#define IP_PACKET 1500.0

/* --- rtt ---------------------------------------------------------------- */

static int bench_rtt(struct bench *b, const struct link_backend_ops *ops)
{
	static const int rtts[] = { 20, 100, 200 };
	const int reps = b->reps;

	for (size_t i = 0; i < sizeof(rtts) / sizeof(rtts[0]); i++) {
		struct link_params lp;
		struct testbed *tb;
		char conf[32];
		snprintf(conf, sizeof(conf), "%dms", rtts[i]);
		bench_link_params(&lp, (uint64_t)rtts[i] * BENCH_MS, 0, 0);
		int rc = bench_testbed_up(b, ops, &lp, NULL, &tb);
		if (rc == -EINTR)
			return rc;
		double *avg = calloc((size_t)reps * (2 + PING_COUNT), sizeof(double));
		double *mdev = avg + reps, *replies = avg + 2 * reps, res = 0;
		int n = 0, nr = 0;
		for (int r = 0; tb && avg && r < reps; r++) {
			struct bench_ping p;
			bench_progress(b, "%s rtt %s, repetition %d of %d", ops->name, conf, r + 1,
				       reps);
			rc = bench_ping(b, tb, PING_COUNT, PING_INTERVAL, &p);
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
			bench_row_failed(b, "rtt", conf);
			free(avg);
			continue;
		}
		double m = bench_median(avg, n), md = bench_median(mdev, n), err = m - rtts[i];
		char meas[48], e[48], extra[96];
		snprintf(meas, sizeof(meas), "median %.3f ms", m);
		snprintf(e, sizeof(e), "error %+.3f ms (%+.2f%%)", err, err / rtts[i] * 100);
		int digits = res >= 1 ? 0 : res >= 0.1 ? 1 : res >= 0.01 ? 2 : 3;
		snprintf(extra, sizeof(extra), "mdev %.3f ms; replies median %.*f ms (%d)", md,
			 digits, bench_median(replies, nr), nr);
		bench_row(b, "rtt", conf, meas, e, extra, "|error| <=0.2 ms, mdev <=0.1 ms",
			  fabs(err) <= 0.2 && md <= 0.1);
		free(avg);
	}
	bench_note(b, "rtt: median over %d repetitions of the average of %d pings %.0f ms apart "
		   "(ping prints it to 1 us; single replies only to 0.1 ms above 10 ms, 1 ms "
		   "above 100 ms)", reps, PING_COUNT, PING_INTERVAL * 1000);
	bench_note(b, "rtt reference: Mahimahi on this machine: error +0.49 to +0.64 ms, "
		   "mdev 0.08-0.31 ms (it keeps whole milliseconds)");
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
	int rc = bench_sleep_until(b, after);
	if (rc < 0 || (rc = testbed_link_stats(tb, &up, &down)) < 0)
		return rc;
	uint64_t pkts = down.pkts, limit = clock_mono_ns() + 2 * BENCH_SEC;
	for (;;) {
		if (bench_interrupted(b))
			return -EINTR;
		if ((rc = testbed_link_stats(tb, &up, &down)) < 0)
			return rc;
		uint64_t now = clock_mono_ns();
		if (down.pkts != pkts) {
			*t = now;
			*bytes = down.bytes;
			return 0;
		}
		if (now > limit) {
			log_err("testbed %s: no packet delivered down the link for 2 s",
				tb->prefix);
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
	int rc = link_edge(b, tb, t0 + BENCH_SEC, &ta, &ba);
	if (rc == 0)
		rc = link_edge(b, tb, t0 + (uint64_t)b->secs * BENCH_SEC - 500 * BENCH_MS, &tz,
			       &bz);
	if (rc < 0)
		return rc;
	w->secs = (double)(tz - ta) / 1e9;
	w->bps = (double)(bz - ba) * 8 / w->secs;
	return 0;
}

/*
 * One repetition at @rate: the link's own rate during a reno transfer,
 * which keeps the queue backlogged, then the goodput of a transfer with no
 * cc set on the routes, so under the namespaces' default congestion
 * control (inherited from the host; recorded in @cc).  The experiments set
 * cc = cubic per route instead (testbed.c cc_record), so this goodput is
 * not measured under their congestion control unless the default is cubic.
 */
static int rate_rep(struct bench *b, const struct link_backend_ops *ops, uint64_t rate,
		    struct rate_window *w, struct bench_iperf *ip, char *cc, int cclen)
{
	struct link_params lp;
	struct testbed *tb;
	struct bench_iperf reno;

	bench_link_params(&lp, 10 * BENCH_MS, rate, 0);
	int rc = bench_testbed_up(b, ops, &lp, "reno", &tb);
	if (rc < 0)
		return rc;
	rc = bench_iperf(b, tb, 1, b->secs, rate_during, w, &reno);
	testbed_down(tb);
	if (rc < 0)
		return rc;
	if ((rc = bench_testbed_up(b, ops, &lp, NULL, &tb)) < 0)
		return rc;
	snprintf(cc, cclen, "%s", tb->cc);
	rc = bench_iperf(b, tb, 1, b->secs, NULL, NULL, ip);
	testbed_down(tb);
	return rc;
}

static int bench_rate(struct bench *b, const struct link_backend_ops *ops)
{
	static const uint64_t rates[] = { 256000, 4000000, 100000000 };
	const int reps = b->reps;
	char cc[16] = "?";

	for (size_t i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
		double link[reps], good[reps], win = 0;
		int64_t retrans[reps];
		int n = 0;
		char conf[32];
		units_format_rate(rates[i], conf, sizeof(conf));
		for (int r = 0; r < reps; r++) {
			struct rate_window w;
			struct bench_iperf ip;
			bench_progress(b, "%s rate %s, repetition %d of %d (2 transfers of %d s)",
				       ops->name, conf, r + 1, reps, b->secs);
			int rc = rate_rep(b, ops, rates[i], &w, &ip, cc, sizeof(cc));
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
			bench_row_failed(b, "rate", conf);
			bench_row_failed(b, "goodput", conf);
			continue;
		}
		double lm = bench_median(link, n), gm = bench_median(good, n);
		double lerr = (lm - rates[i]) / rates[i] * 100;
		double ideal = rates[i] * TCP_PAYLOAD / IP_PACKET;
		int64_t rmax = 0;
		for (int k = 0; k < n; k++)
			rmax = retrans[k] > rmax ? retrans[k] : rmax;
		char meas[48], e[48], extra[96], h[32];
		bench_rate_human(lm, h, sizeof(h));
		snprintf(meas, sizeof(meas), "median %s", h);
		snprintf(e, sizeof(e), "error %+.3f%%", lerr);
		snprintf(extra, sizeof(extra), "link counters over %.1f s of reno bulk TCP", win);
		bench_row(b, "rate", conf, meas, e, extra, "|error| <=0.5%", fabs(lerr) <= 0.5);
		bench_rate_human(gm, h, sizeof(h));
		snprintf(meas, sizeof(meas), "median %s", h);
		snprintf(e, sizeof(e), "%.2f%% of ideal", gm / ideal * 100);
		bench_rate_human(ideal, h, sizeof(h));
		snprintf(extra, sizeof(extra), "iperf3 -R -t %d, %s; ideal %s; retrans <=%lld",
			 b->secs, cc, h, (long long)rmax);
		bench_row(b, "goodput", conf, meas, e, extra, ">=97% of ideal", gm >= 0.97 * ideal);
	}
	bench_note(b, "rate: 10 ms RTT, default queue (max(1000p, 4 BDP)); the link's rate is "
		   "measured under reno, which keeps that queue backlogged (%s's pacing may idle "
		   "the link), the goodput under %s, the namespaces' default (the experiments set "
		   "cc per route, cubic in experiments/*.conf)", cc, cc);
	bench_note(b, "rate: ideal goodput = rate * 1448/1500; Mahimahi on this machine: "
		   "97.7-99.8%% of ideal");
	return 0;
}

/* --- overhead ------------------------------------------------------------ */

/* The CPU time of the backend's own process (the userspace forwarder). */
static int cpu_ns(struct testbed *tb, uint64_t *ns)
{
	if (!tb->ops || !tb->ops->cpu_ns)
		return -EOPNOTSUPP;
	return tb->ops->cpu_ns(tb->link, ns);
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
	const int reps = b->reps;
	struct link_params lp;
	struct testbed *bare = NULL, *emu = NULL;
	double rtt_bare[reps], rtt_emu[reps], tput[reps], tput_bare[reps], cpu_pkt[reps],
		cpu_core[reps];
	int nr = 0, nt = 0, nb = 0, nc = 0, rc;

	bench_link_params(&lp, 0, 0, 0);
	if ((rc = bench_testbed_up(b, NULL, &lp, NULL, &bare)) == 0)
		rc = bench_testbed_up(b, ops, &lp, NULL, &emu);
	if (rc == -EINTR)
		goto end;
	/* Alternate the two testbeds so that noise from other work on the
	 * machine falls on both alike. */
	for (int r = 0; emu && r < reps; r++) {
		struct bench_ping pb, pe;
		bench_progress(b, "%s overhead: ping, repetition %d of %d", ops->name, r + 1, reps);
		if ((rc = bench_ping(b, bare, PING_COUNT, PING_INTERVAL, &pb)) == 0)
			rc = bench_ping(b, emu, PING_COUNT, PING_INTERVAL, &pe);
		if (rc == -EINTR)
			goto end;
		if (rc < 0) {
			b->failed++;
			continue;
		}
		rtt_bare[nr] = bench_median(pb.reply_ms, pb.nreplies);
		rtt_emu[nr++] = bench_median(pe.reply_ms, pe.nreplies);
	}
	for (int r = 0; emu && r < reps; r++) {
		struct bench_iperf ip;
		bench_progress(b, "%s overhead: throughput, repetition %d of %d", ops->name, r + 1,
			       reps);
		rc = bench_iperf(b, bare, 0, b->secs, NULL, NULL, &ip);
		if (rc == -EINTR)
			goto end;
		if (rc == 0)
			tput_bare[nb++] = ip.recv_bps;
		else
			b->failed++;
		uint64_t c0 = 0, c1 = 0, p0 = link_pkts(emu), t0 = clock_mono_ns();
		int have_cpu = cpu_ns(emu, &c0) == 0;
		rc = bench_iperf(b, emu, 0, b->secs, NULL, NULL, &ip);
		if (rc == -EINTR)
			goto end;
		if (rc < 0) {
			b->failed++;
			continue;
		}
		tput[nt++] = ip.recv_bps;
		uint64_t pk = link_pkts(emu) - p0, wall = clock_mono_ns() - t0;
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
		bench_row_failed(b, "overhead", "0ms unlimited");
	} else {
		double mb = bench_median(rtt_bare, nr), me = bench_median(rtt_emu, nr);
		double add = (me - mb) * 1000;
		snprintf(meas, sizeof(meas), "added %.0f us", add);
		snprintf(e, sizeof(e), "RTT %.3f ms", me);
		snprintf(extra, sizeof(extra), "bare veth %.3f ms (medians of single pings)", mb);
		bench_row(b, "overhead", "0ms unlimited", meas, e, extra, "added <=80 us", add <= 80);
	}
	if (nt == 0) {
		bench_row_failed(b, "tput", "0ms unlimited");
	} else {
		double tm = bench_median(tput, nt);
		bench_rate_human(tm, h, sizeof(h));
		snprintf(meas, sizeof(meas), "median %s", h);
		bench_rate_human(bench_median(tput_bare, nb), hb, sizeof(hb));
		snprintf(e, sizeof(e), "bare veth %s", nb ? hb : "-");
		if (nc)
			snprintf(extra, sizeof(extra),
				 "forwarder %.2f us/pkt (up+down), %.0f%% of a core",
				 bench_median(cpu_pkt, nc) / 1000, bench_median(cpu_core, nc));
		else
			snprintf(extra, sizeof(extra), "forwarder CPU: not available for %s",
				 ops->name);
		bench_row(b, "tput", "0ms unlimited", meas, e, extra, ">=2.5 Gbit/s", tm >= 2.5e9);
	}
	bench_note(b, "overhead: one TCP flow, iperf3 -t %d client -> server, offloads off as in "
		   "every testbed", b->secs);
	bench_note(b, "overhead reference: Mahimahi on this machine: added RTT 120 us; ~2 Gbit/s "
		   "at 96%% of a core, 5.8 us per packet");
	return 0;
}

/* --- queue -------------------------------------------------------------- */

struct queue_ping {
	int fd;
	pid_t pid;
	struct bench_ping_cmd c;
	int secs;
};

/* During the transfer: ping every 100 ms from 0.5 s on, into a memfd. */
static int queue_during(struct bench *b, struct testbed *tb, uint64_t t0, void *arg)
{
	struct queue_ping *q = arg;
	int rc = bench_sleep_until(b, t0 + 500 * BENCH_MS);
	if (rc < 0)
		return rc;
	bench_ping_cmd(tb, (q->secs - 1) * 10, 0.1, 8, &q->c);
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
	struct queue_ping q = { .fd = -1, .pid = -1, .secs = b->quick ? 8 : 12 };
	char *text = NULL;

	bench_link_params(&lp, 10 * BENCH_MS, rate, limit);
	int rc = bench_testbed_up(b, ops, &lp, "reno", &tb);
	if (rc < 0)
		return rc;
	if ((rc = bench_ping(b, tb, 10, PING_INTERVAL, &base)) < 0)
		goto end;
	if ((rc = q.fd = tool_outfd()) < 0)
		goto end;
	if ((rc = bench_iperf(b, tb, 1, q.secs, queue_during, &q, &ip)) < 0)
		goto end;
	rc = tool_wait(q.pid, "ping", q.c.timeout_ms, &b->sig);
	q.pid = -1;
	if (rc < 0)
		goto end;
	if (!(text = tool_read(q.fd))) {
		rc = -EIO;
		goto end;
	}
	if ((rc = bench_ping_parse_logged(text, q.c.addr, &p)) < 0)
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
	const int reps = b->reps;
	double delay[reps], drops[reps], maxq[reps];
	int n = 0;
	char conf[48];
	snprintf(conf, sizeof(conf), "4mbit %up", limit);

	for (int r = 0; r < reps; r++) {
		struct queue_rep qr;
		bench_progress(b, "%s queue, repetition %d of %d (%d s transfer)", ops->name, r + 1,
			       reps, b->quick ? 8 : 12);
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
		bench_row_failed(b, "queue", conf);
	} else {
		double model = limit * IP_PACKET * 8 / rate, d = bench_median(delay, n);
		double err = (d - model) / model * 100, dr = bench_median(drops, n);
		char meas[48], e[48], extra[96];
		snprintf(meas, sizeof(meas), "delay %.3f s", d);
		snprintf(e, sizeof(e), "error %+.2f%% of %.3f s", err, model);
		snprintf(extra, sizeof(extra), "drops %.0f, max queue %.0f pkts (medians)", dr,
			 bench_median(maxq, n));
		bench_row(b, "queue", conf, meas, e, extra, "|error| <=5%, drops > 0",
			  fabs(err) <= 5 && dr > 0);
	}
	bench_note(b, "queue: iperf3 -R with cc reno, which, being loss-based, fills the buffer "
		   "(bbr would keep it short); delay = highest ping RTT during the transfer - "
		   "idle RTT");
	return 0;
}

/* --- setup -------------------------------------------------------------- */

static int bench_setup(struct bench *b, const struct link_backend_ops *ops)
{
	const int n = b->reps > 20 ? b->reps : 20;
	double up[n], down[n], total[n];
	int k = 0;
	struct link_params lp;

	/* The Table 1 link. */
	bench_link_params(&lp, 100 * BENCH_MS, 4000000, 0);
	lp.up.rate_bps = 256000;
	lp.up.limit_pkts = 0;
	link_params_finish(&lp);
	for (int r = 0; r < n; r++) {
		struct testbed *tb;
		bench_progress(b, "%s setup, run %d of %d", ops->name, r + 1, n);
		uint64_t t0 = clock_mono_ns();
		int rc = bench_testbed_up(b, ops, &lp, NULL, &tb);
		if (rc == -EINTR)
			return rc;
		if (rc < 0) {
			b->failed++;
			continue;
		}
		uint64_t t1 = clock_mono_ns();
		rc = testbed_down(tb);
		uint64_t t2 = clock_mono_ns();
		if (rc < 0) {
			b->failed++;
			continue;
		}
		up[k] = (double)(t1 - t0) / 1e6;
		down[k] = (double)(t2 - t1) / 1e6;
		total[k++] = (double)(t2 - t0) / 1e6;
	}
	if (k == 0) {
		bench_row_failed(b, "setup", "table 1 link");
		return 0;
	}
	double m = bench_median(total, k), mx = 0;
	for (int i = 0; i < k; i++)
		mx = total[i] > mx ? total[i] : mx;
	char meas[48], e[48], extra[96];
	snprintf(meas, sizeof(meas), "median %.1f ms", m);
	snprintf(e, sizeof(e), "max %.1f ms", mx);
	snprintf(extra, sizeof(extra), "up %.1f ms + down %.1f ms (medians of %d)",
		 bench_median(up, k), bench_median(down, k), k);
	bench_row(b, "setup", "4mbit/256kbit", meas, e, extra, "median <=100 ms", m <= 100);
	return 0;
}

/* --- the run ------------------------------------------------------------ */

/* The figures, in the order they are measured: --only names them. */
static const struct {
	const char *name;
	unsigned bit;
	int (*measure)(struct bench *b, const struct link_backend_ops *ops);
} figures[] = {
	{ "rtt", BENCH_RTT, bench_rtt },
	{ "rate", BENCH_RATE, bench_rate },
	{ "overhead", BENCH_OVERHEAD, bench_overhead },
	{ "queue", BENCH_QUEUE, bench_queue },
	{ "setup", BENCH_SETUP, bench_setup },
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
		for (size_t i = 0; i < sizeof(figures) / sizeof(figures[0]); i++)
			if (strlen(figures[i].name) == len && !strncmp(p, figures[i].name, len))
				bit = figures[i].bit;
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

int bench_link_run(const struct bench_link_opts *o, int *sig)
{
	struct bench b = {
		.reps = o->reps, .quick = o->quick, .secs = o->quick ? 3 : 10, .tty = isatty(2),
	};
	const struct link_backend_ops *ops[2] = { NULL, NULL };
	char why[256] = "";
	struct utsname u;

	uname(&u);
	bench_note(&b, "tfolab bench link: %d repetitions, %d s transfers, kernel %s, %ld CPUs",
		   o->reps, b.secs, u.release, sysconf(_SC_NPROCESSORS_ONLN));
	if (link_userspace_ops.probe(why, sizeof(why)) > 0)
		ops[0] = &link_userspace_ops;
	else
		bench_note(&b, "userspace backend: not measured: %s", why);
	why[0] = 0;
	if (link_netem_ops.probe(why, sizeof(why)) > 0)
		ops[1] = &link_netem_ops;
	else
		bench_note(&b, "netem backend: not measured: %s", why[0] ? why : "probe failed");
	for (int i = 0; i < 2 && !b.sig; i++) {
		if (!ops[i])
			continue;
		bench_note(&b, "backend %s", ops[i]->name);
		bench_header(&b);
		for (size_t k = 0; k < sizeof(figures) / sizeof(figures[0]) && !b.sig; k++)
			if (o->parts & figures[k].bit)
				figures[k].measure(&b, ops[i]);
	}
	bench_progress(&b, NULL);
	if (b.sig) {
		*sig = b.sig;
		return -EINTR;
	}
	return b.failed || !(ops[0] || ops[1]) ? -EIO : 0;
}
