/*
 * tfolab run FILE [--set key=value]... [--db PATH] [--resume] [--jobs N] [--shard K/N] [--quiet]
 *
 * Runs an experiment: its matrix of conditions, each group of conditions
 * that differ only in TFO in its own testbed, every trial verified and
 * stored in SQLite as it ends.  SIGINT/SIGTERM finish the current trial,
 * tear the testbed down and mark the run interrupted; --resume continues it.
 * --shard K/N runs only the K-th of N parts of the matrix (run/shard.h).
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
#include "run/shard.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: tfolab run FILE [OPTIONS]\n"
		"Run the experiment FILE (see experiments/README.md) and store every trial.\n\n"
		"  --set KEY=VALUE   override a key of FILE, e.g. --set trials=3 --set rtt=20ms,200ms\n"
		"  --tls MODE[,...]  the same as --set tls=MODE[,...]: " TLS_MODE_FORM "\n"
		"  --fetcher NAME[,...]  the same as --set fetcher=NAME[,...]: " FETCHER_FORM "\n"
		"                    (chromium needs tls = off)\n"
		"  --db PATH         SQLite database (default " STORE_DEFAULT_PATH ")\n"
		"  --resume          continue the latest run of FILE that did not finish (with\n"
		"                    --shard: start the shard if --db holds no run yet, and\n"
		"                    exit 0 if it finished; a job array's tasks use it)\n"
		"  --jobs N          run N condition groups at once, each in its own testbed\n"
		"  --shard K/N       run only part K of N of the matrix (1 <= K <= N; see\n"
		"                    tfolab shards FILE N), for a sweep over several machines;\n"
		"                    merge the parts with tfolab merge\n"
		"  -q, --quiet       no progress lines when stderr is not a terminal (by\n"
		"                    default one per finished condition, or every 30 s:\n"
		"                    done/total trials, stalls, elapsed time and ETA)\n"
		"  -v, --verbose\n"
		"Then: tfolab table, tfolab compare, tfolab plot --out DIR.\n");
}

struct run_args {
	const char *file, *db;
	const char *sets[64];
	char tls_set[128];     /* "tls=..." of --tls, one of sets[] */
	char fetcher_set[128]; /* "fetcher=..." of --fetcher, one of sets[] */
	int nsets, resume, jobs, quiet;
	unsigned shard_k, shard_n;  /* 0, 0: the whole matrix */
};

/*
 * key_option - the option --@key VALUE as "--set @key=VALUE", written into
 * @buf (@len bytes) and added to @a's overrides: checked by the same
 * parser as any --set, and the last one wins as the last --set does.
 * Returns 0, or 2 after saying why on stderr.
 */
static int key_option(struct run_args *a, const char *key, const char *form, const char *value,
		      char *buf, size_t len)
{
	if (a->nsets == 64 || snprintf(buf, len, "%s=%s", key, value) >= (int)len) {
		fprintf(stderr, "tfolab run: --%s: \"%.40s\" is too long (use %s)\n", key, value,
			form);
		return 2;
	}
	a->sets[a->nsets++] = buf;
	return 0;
}

/*
 * run_parse - @argv into @a.  Returns -1 when the command is to run, else
 * the exit status to return at once: 0 after --help, 2 after a usage error
 * (said on stderr).
 */
static int run_parse(int argc, char **argv, struct run_args *a)
{
	static const struct option longopts[] = {
		{ "set", required_argument, NULL, 's' },
		{ "tls", required_argument, NULL, 't' },
		{ "fetcher", required_argument, NULL, 'F' },
		{ "db", required_argument, NULL, 'd' },
		{ "resume", no_argument, NULL, 'r' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "shard", required_argument, NULL, 'S' },
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
		case 't':
			if (key_option(a, "tls", TLS_MODE_FORM, optarg, a->tls_set,
				       sizeof(a->tls_set)))
				return 2;
			break;
		case 'F':
			if (key_option(a, "fetcher", FETCHER_FORM, optarg, a->fetcher_set,
				       sizeof(a->fetcher_set)))
				return 2;
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
		case 'S':
			if (shard_parse(optarg, &a->shard_k, &a->shard_n) < 0) {
				fprintf(stderr, "tfolab run: --shard: \"%s\" is not a shard (use "
					SHARD_FORM ", e.g. --shard 2/4)\n", optarg);
				return 2;
			}
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

/* "K/N" of @a, in a static buffer. */
static const char *argv_shard(const struct run_args *a)
{
	static char buf[32];
	snprintf(buf, sizeof(buf), "%u/%u", a->shard_k, a->shard_n);
	return buf;
}

/*
 * run_shard - replace *@cells (n *@n) by the cells of shard @a->shard_k of
 * @a->shard_n.  0, or -EINVAL (said: an empty shard, an unreadable page).
 */
static int run_shard(const struct run_args *a, struct condition_spec **cells, size_t *n)
{
	struct shard_matrix m;
	struct condition_spec *sub = NULL;
	size_t nsub = 0;
	int rc = shard_matrix_plan(*cells, *n, a->shard_n, &m);
	if (rc == 0 && (rc = shard_select(*cells, *n, &m, a->shard_k, &sub, &nsub)) == 0 && !nsub) {
		fprintf(stderr, "tfolab run: --shard %u/%u: %s has %zu condition groups, so shard "
			"%u is empty; use at most %zu shards\n", a->shard_k, a->shard_n, a->file,
			m.ngroups, a->shard_k, m.ngroups);
		free(sub);
		rc = -EINVAL;
	}
	shard_matrix_release(&m);
	if (rc < 0)
		return -EINVAL;
	free(*cells);
	*cells = sub;
	*n = nsub;
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
	if (experiment_load_matrix(a.file, a.sets, (size_t)a.nsets, &e, &cells, &n) < 0)
		return 2;
	if (a.shard_n && run_shard(&a, &cells, &n) < 0) {
		free(cells);
		experiment_free(e);
		return 2;
	}
	int exit_code = 1;
	struct store *st = NULL;
	char *cmdline = NULL;
	struct runner r = { 0 };
	struct runner_start how = { .e = e, .cells = cells, .n = n, .resume = a.resume,
				   .quiet = a.quiet, .shard_k = a.shard_k, .shard_n = a.shard_n };
	if (cmd_prologue("run", NULL, cells[0].backend, &how.ops) < 0 || store_open(a.db, &st) < 0)
		goto end;
	how.cmdline = cmdline = cmd_line_join(argc + 1, argv - 1);
	if ((rc = runner_open(&r, st, a.db, &how)) < 0) {
		runner_close(&r, -1);
		if (rc == -EALREADY && a.shard_n)
			exit_code = 0;  /* a requeued task of a finished shard */
		goto end;
	}
	rc = runner_run(&r, a.jobs);
	runner_close(&r, rc);
	if (rc == -EINTR)
		fprintf(stderr, "tfolab: continue it with: tfolab run %s%s%s --resume%s\n", a.file,
			a.shard_n ? " --shard " : "", a.shard_n ? argv_shard(&a) : "",
			a.nsets ? " (with the same --set options)" : "");
	exit_code = rc == 0 ? 0 : rc == -EINTR ? 130 : 1;
end:
	free(cmdline);
	store_close(st);
	free(cells);
	experiment_free(e);
	return exit_code;
}
