/*
 * `tfolab bench link`: how faithful and how cheap the emulated link is on
 * this machine, figure by figure, against the targets of the issue:
 *
 *   rtt       ping at RTT 20/100/200 ms: median error <= 0.2 ms, mdev <= 0.1 ms
 *   rate      256 kbit/s, 4 and 100 Mbit/s down: the link's delivered bytes
 *             within 0.5% of the rate (under reno, which keeps the queue
 *             backlogged); a bulk TCP transfer with the default congestion
 *             control >= 97% of the ideal goodput rate * 1448/1500
 *   overhead  zero delay, no rate limit: RTT added over a bare veth pair
 *             <= 80 us; one TCP flow >= 2.5 Gbit/s; the forwarder's CPU time
 *             per packet
 *   queue     bulk TCP (reno) into 4 Mbit/s with 1000 packets of buffer: the
 *             queueing delay when full within 5% of 1000*1500*8/4e6 = 3 s,
 *             with drops counted
 *   setup     testbed_up + testbed_down median <= 100 ms
 *
 * Each figure is the median over repetitions, printed with the configured
 * value, the error and the verdict (meets / misses) as one row on stdout.
 * A benchmark reports; it does not fail on a missed target.
 */
#ifndef TFOLAB_CLI_BENCH_BENCH_LINK_H
#define TFOLAB_CLI_BENCH_BENCH_LINK_H

#define BENCH_RTT 0x01u
#define BENCH_RATE 0x02u
#define BENCH_OVERHEAD 0x04u
#define BENCH_QUEUE 0x08u
#define BENCH_SETUP 0x10u
#define BENCH_ALL 0x1fu

#define BENCH_PARTS_FORM "a comma list of rtt, rate, overhead, queue, setup"

struct bench_link_opts {
	int reps;          /* repetitions of each figure, >= 1 (setup: at least 20) */
	int quick;         /* 3 s transfers instead of 10 s */
	unsigned parts;    /* BENCH_* */
};

/*
 * bench_link_parts - "rtt,setup" -> BENCH_RTT | BENCH_SETUP.  Returns 0, or
 * -EINVAL for an empty list, an empty item or an unknown name (nothing
 * printed; @mask untouched).
 */
int bench_link_parts(const char *list, unsigned *mask);

/*
 * bench_link_run - measure and print.  Needs root and the signals blocked
 * (proc_signals_block).  Returns 0 when every figure was measured; -EIO
 * when some measurement could not be made (logged, its row says so);
 * -EINTR when SIGINT/SIGTERM/SIGHUP came (*@sig = its number), after
 * tearing down what was up.
 */
int bench_link_run(const struct bench_link_opts *o, int *sig);

#endif
