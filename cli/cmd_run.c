/*
 * tfolab run FILE [--set key=value]... [--db PATH] [--resume] [--jobs N] [--quiet]
 *
 * Runs an experiment: its matrix of conditions, each group of conditions
 * that differ only in TFO in its own testbed, every trial verified and
 * stored in SQLite as it ends.  SIGINT/SIGTERM finish the current trial,
 * tear the testbed down and mark the run interrupted; --resume continues it.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/prologue/prologue.h"
#include "common/log.h"
#include "run/experiment.h"
#include "run/runner.h"
#include "common/units.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: tfolab run FILE [OPTIONS]\n"
		"Run the experiment FILE (see experiments/README.md) and store every trial.\n\n"
		"  --set KEY=VALUE   override a key of FILE, e.g. --set trials=3 --set rtt=20ms,200ms\n"
		"  --db PATH         SQLite database (default " STORE_DEFAULT_PATH ")\n"
		"  --resume          continue the latest run of FILE that did not finish\n"
		"  --jobs N          run N condition groups at once, each in its own testbed\n"
		"  -q, --quiet       no progress lines when stderr is not a terminal (by\n"
		"                    default one per finished condition, or every 30 s:\n"
		"                    done/total trials, stalls, elapsed time and ETA)\n"
		"  -v, --verbose\n"
		"Then: tfolab table, tfolab compare, tfolab plot --out DIR.\n");
}

static char *join_args(int argc, char **argv)
{
	size_t len = 1;
	for (int i = 0; i < argc; i++)
		len += strlen(argv[i]) + 3;
	char *s = calloc(1, len), *p = s;
	if (!s)
		return NULL;
	for (int i = 0; i < argc; i++)
		p += sprintf(p, "%s%s", i ? " " : "", argv[i]);
	return s;
}

struct run_args {
	const char *file, *db;
	const char *sets[64];
	int nsets, resume, jobs, quiet;
};

/*
 * run_parse - @argv into @a.  Returns -1 when the command is to run, else
 * the exit status to return at once: 0 after --help, 2 after a usage error
 * (said on stderr).
 */
static int run_parse(int argc, char **argv, struct run_args *a)
{
	static const struct option longopts[] = {
		{ "set", required_argument, NULL, 's' },
		{ "db", required_argument, NULL, 'd' },
		{ "resume", no_argument, NULL, 'r' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int opt, rc;
	uint64_t n;

	*a = (struct run_args){ .db = STORE_DEFAULT_PATH, .jobs = 1 };
	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "vqhj:", longopts, NULL)) != -1) {
		switch (opt) {
		case 's':
			if (a->nsets == 64) {
				fprintf(stderr, "tfolab run: --set: at most 64 overrides\n");
				return 2;
			}
			a->sets[a->nsets++] = optarg;
			break;
		case 'd':
			a->db = optarg;
			break;
		case 'r':
			a->resume = 1;
			break;
		case 'q':
			a->quiet = 1;
			break;
		case 'j':
			if (units_parse_count(optarg, 1, 64, &n) < 0) {
				fprintf(stderr, "tfolab run: --jobs: \"%s\" is not a job count (use 1 to 64)\n", optarg);
				return 2;
			}
			a->jobs = (int)n;
			break;
		default:
			if ((rc = cmd_opt_common("run", opt, argv, usage)) >= 0)
				return rc;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "tfolab run: give exactly one experiment FILE, e.g. experiments/table1.conf\n");
		return 2;
	}
	a->file = argv[optind];
	return -1;
}

/* The experiment of @a: its file with every --set applied.  0, or -EINVAL (said). */
static int run_experiment(const struct run_args *a, struct experiment **out)
{
	struct experiment *e;
	if (experiment_parse(a->file, &e) < 0)
		return -EINVAL;
	for (int i = 0; i < a->nsets; i++)
		if (experiment_set(e, a->sets[i]) < 0) {
			experiment_free(e);
			return -EINVAL;
		}
	*out = e;
	return 0;
}

int cmd_run(int argc, char **argv)
{
	struct run_args a;
	struct experiment *e;
	struct condition_spec *cells;
	size_t n;
	int rc = run_parse(argc, argv, &a);

	if (rc >= 0)
		return rc;
	if (run_experiment(&a, &e) < 0)
		return 2;
	if (experiment_matrix(e, &cells, &n) < 0) {
		experiment_free(e);
		return 2;
	}
	int exit_code = 1;
	struct store *st = NULL;
	char *cmdline = NULL;
	struct runner r = { 0 };
	struct runner_start how = { .e = e, .cells = cells, .n = n, .resume = a.resume,
				   .quiet = a.quiet };
	if (cmd_prologue("run", NULL, cells[0].backend, &how.ops) < 0 || store_open(a.db, &st) < 0)
		goto end;
	how.cmdline = cmdline = join_args(argc + 1, argv - 1);
	if (runner_open(&r, st, a.db, &how) < 0) {
		runner_close(&r, -1);
		goto end;
	}
	rc = runner_run(&r, a.jobs);
	runner_close(&r, rc);
	if (rc == -EINTR)
		fprintf(stderr, "tfolab: continue it with: tfolab run %s --resume%s\n", a.file,
			a.nsets ? " (with the same --set options)" : "");
	exit_code = rc == 0 ? 0 : rc == -EINTR ? 130 : 1;
end:
	free(cmdline);
	store_close(st);
	free(cells);
	experiment_free(e);
	return exit_code;
}
