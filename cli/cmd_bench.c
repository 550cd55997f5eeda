/*
 * tfolab bench KIND [OPTIONS]
 *
 * Benchmarks print figures on stdout; they are not tests: the exit status
 * is 0 when every figure could be measured, whatever the verdicts, 1 when
 * a measurement could not be made, 2 on a usage error.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/bench/bench_fetch.h"
#include "cli/bench/bench_link.h"
#include "cli/commands.h"
#include "cli/prologue/prologue.h"
#include "common/log.h"
#include "common/units.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: tfolab bench link [--reps N] [--quick] [--only LIST]\n"
		"Measure the emulated link on this machine (the userspace backend, and netem\n"
		"where the kernel has it) and print, for each figure, the configured value,\n"
		"the median over the repetitions, the error and the target with a verdict.\n\n"
		"  --reps N       repetitions of each figure (default 5; setup runs at least 20)\n"
		"  --quick        3 s transfers (8 s to fill the queue), 3 repetitions unless\n"
		"                 --reps is given\n"
		"  --only LIST    %s (default all)\n"
		"  -v, --verbose  say what is being done\n"
		"  -h, --help     this text\n\n"
		"figures: rtt (20/100/200 ms), rate (256kbit, 4mbit, 100mbit: link counters and\n"
		"TCP goodput), overhead (RTT added over a bare veth pair, one TCP flow's\n"
		"throughput, forwarder CPU per packet), queue (delay of a full 1000-packet\n"
		"queue at 4mbit), setup (testbed up + down).  The full run takes about 8 minutes.\n",
		BENCH_PARTS_FORM);
}

static int bench_link(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "reps", required_argument, NULL, 'r' },
		{ "quick", no_argument, NULL, 'q' },
		{ "only", required_argument, NULL, 'o' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct bench_link_opts o = { .reps = 0, .quick = 0, .parts = BENCH_ALL };
	int opt, rc;

	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, ":vh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'r': {
			uint64_t n;
			if (units_parse_count(optarg, 1, 1000, &n) < 0) {
				fprintf(stderr, "tfolab bench link: --reps: \"%s\" is not a count "
					"(use 1 to 1000)\n", optarg);
				return 2;
			}
			o.reps = (int)n;
			break;
		}
		case 'q':
			o.quick = 1;
			break;
		case 'o':
			if (bench_link_parts(optarg, &o.parts) < 0) {
				fprintf(stderr, "tfolab bench link: --only: \"%s\" is not %s\n", optarg,
					BENCH_PARTS_FORM);
				return 2;
			}
			break;
		default:
			if ((rc = cmd_opt_common("bench link", opt, argv, usage)) >= 0)
				return rc;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "tfolab bench link: unexpected argument '%s' (see tfolab bench link --help)\n",
			argv[optind]);
		return 2;
	}
	if (!o.reps)
		o.reps = o.quick ? 3 : 5;
	if (cmd_prologue("bench", NULL, BACKEND_AUTO, NULL) < 0)
		return 1;
	int sig = 0;
	rc = bench_link_run(&o, &sig);
	if (rc == -EINTR) {
		log_info("interrupted by signal %d; cleaned up", sig);
		return 128 + sig;
	}
	return rc < 0 ? 1 : 0;
}

static int bench_fetch(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "resources", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	uint64_t max = 1000;
	int opt;

	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'n':
			if (units_parse_count(optarg, 10, 100000, &max) < 0) {
				fprintf(stderr, "tfolab bench fetch: --resources: \"%s\" is not a count (use 10 to 100000)\n",
					optarg);
				return 2;
			}
			break;
		case 'h':
			printf("usage: tfolab bench fetch [--resources N]\n"
			       "Load synthetic pages of 10, 100, ... N resources (default 1000; 10 hosts,\n"
			       "10 kB each) at 20 ms RTT with TFO on, and print the fetcher's PLT,\n"
			       "connections, peak memory and peak open file descriptors.\n");
			return 0;
		default:
			return cmd_bad_option("bench fetch", opt, argv);
		}
	}
	if (cmd_prologue("bench fetch", NULL, BACKEND_AUTO, NULL) < 0)
		return 1;
	return bench_fetch_run(max);
}

/* The kinds of benchmark; each parses its own options (argv[0] = its name). */
static const struct command kinds[] = {
	{ "link", bench_link, "the emulated link's accuracy and cost" },
	{ "fetch", bench_fetch, "the fetcher's resource use as pages grow" },
};

static void kinds_list(FILE *f)
{
	fprintf(f, "usage: tfolab bench KIND [OPTIONS]   (tfolab bench KIND --help for each)\n\n"
		   "kinds:\n");
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		fprintf(f, "  %-8s %s\n", kinds[i].name, kinds[i].summary);
}

int cmd_bench(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "tfolab bench: no benchmark given (use: tfolab bench link|fetch ...)\n");
		return 2;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		kinds_list(stdout);
		return 0;
	}
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!strcmp(argv[1], kinds[i].name))
			return kinds[i].run(argc - 1, argv + 1);
	fprintf(stderr, "tfolab bench: unknown benchmark '%s' (use link or fetch)\n", argv[1]);
	return 2;
}
