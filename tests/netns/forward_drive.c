/*
 * forward_drive - run the userspace link alone between two interfaces of
 * the current namespace, for tests/netns/forward.sh and for measurements.
 *
 *   forward_drive IF_CLIENT IF_SERVER [--up-delay T] [--down-delay T]
 *                 [--up-rate R] [--down-rate R] [--spin T] [--linger T] [--rt PRIO] [--log PATH]
 *
 * Prints "ready" on stdout once the link forwards, then waits for SIGTERM
 * or SIGINT and prints the counters of each direction and the forwarder's
 * CPU time.  Exits 1 if the link fails to start, 2 on a usage error.
 */
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/units.h"
#include "emulator/forward.h"

static void usage_exit(const char *msg)
{
	fprintf(stderr, "forward_drive: %s\n", msg);
	exit(2);
}

static void print_dir(const char *name, const struct link_stats *s,
		      const struct forward_dir_stats *f)
{
	printf("%s pkts=%" PRIu64 " bytes=%" PRIu64 " drops_queue=%" PRIu64
	       " drops_loss=%" PRIu64 " max_queue_pkts=%" PRIu32 " rx=%" PRIu64
	        " drops_pool=%" PRIu64 " drops_bad=%" PRIu64 " send_errors=%" PRIu64
	       " late_avg_ns=%.0f late_max_ns=%" PRIu64 "\n",
	       name, s->pkts, s->bytes, s->drops_queue, s->drops_loss, s->max_queue_pkts,
	       f->rx, f->drops_pool, f->drops_bad, f->send_errors,
	       s->pkts ? (double)f->late_sum_ns / (double)s->pkts : 0.0, f->late_max_ns);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "up-delay", required_argument, NULL, 'u' },
		{ "down-delay", required_argument, NULL, 'd' },
		{ "up-rate", required_argument, NULL, 'U' },
		{ "down-rate", required_argument, NULL, 'D' },
		{ "spin", required_argument, NULL, 's' },
		{ "linger", required_argument, NULL, 'g' },
		{ "rt", required_argument, NULL, 'r' },
		{ "log", required_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 },
	};
	struct link_params p;
	struct forward_opts fo = FORWARD_OPTS_DEFAULT;
	const char *log_path = NULL;
	link_params_init(&p);
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'u':
			if (units_parse_time(optarg, &p.up.delay_ns))
				usage_exit("--up-delay: expected " UNITS_TIME_FORM);
			break;
		case 'd':
			if (units_parse_time(optarg, &p.down.delay_ns))
				usage_exit("--down-delay: expected " UNITS_TIME_FORM);
			break;
		case 'U':
			if (units_parse_rate(optarg, &p.up.rate_bps))
				usage_exit("--up-rate: expected " UNITS_RATE_FORM);
			break;
		case 'D':
			if (units_parse_rate(optarg, &p.down.rate_bps))
				usage_exit("--down-rate: expected " UNITS_RATE_FORM);
			break;
		case 's':
			if (units_parse_time(optarg, &fo.spin_ns))
				usage_exit("--spin: expected " UNITS_TIME_FORM);
			break;
		case 'g':
			if (units_parse_time(optarg, &fo.linger_ns))
				usage_exit("--linger: expected " UNITS_TIME_FORM);
			break;
		case 'r':
			fo.rt_prio = atoi(optarg);
			break;
		case 'l':
			log_path = optarg;
			break;
		default:
			usage_exit("usage: forward_drive IF_CLIENT IF_SERVER [--up-delay T] "
				   "[--down-delay T] [--up-rate R] [--down-rate R] [--spin T] "
				   "[--linger T] [--rt PRIO] [--log PATH]");
		}
	}
	if (argc - optind != 2)
		usage_exit("expected two interfaces: IF_CLIENT IF_SERVER");
	link_params_finish(&p);

	/* Block the signals before the fork so that the forwarder sees none
	 * of them early; it handles its own through a signalfd. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);

	struct link_backend *b;
	if (userspace_start_opts(&p, &fo, argv[optind], argv[optind + 1], log_path, &b) < 0)
		return 1;
	printf("ready\n");
	fflush(stdout);
	int sig;
	sigwait(&set, &sig);

	struct link_stats up, down;
	struct forward_dir_stats fup, fdown;
	uint64_t cpu = 0;
	int rc = link_userspace_ops.stats(b, &up, &down);
	userspace_fstats(b, &fup, &fdown);
	if (rc == 0)
		rc = link_userspace_ops.cpu_ns(b, &cpu);
	link_userspace_ops.stop(b);
	if (rc < 0)
		return 1;
	print_dir("up", &up, &fup);
	print_dir("down", &down, &fdown);
	uint64_t pkts = up.pkts + down.pkts;
	printf("cpu_ns=%" PRIu64 " cpu_ns_per_pkt=%.0f\n", cpu,
	       pkts ? (double)cpu / (double)pkts : 0.0);
	return 0;
}
