/*
 * The commands of a sweep over several machines (run/shard.h):
 *
 * tfolab shards FILE N [--set key=value]...
 *   prints how `tfolab run FILE --shard K/N` splits the matrix: the groups
 *   and conditions of each shard and its share of the expected work.
 *   Reads the experiment and its pages; runs nothing.
 *
 * tfolab merge OUT.db IN.db... [--into] [--force]
 *   merges the shards' databases into one run (results/store_merge.h).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/prologue/prologue.h"
#include "common/units.h"
#include "results/store_merge.h"
#include "run/experiment.h"
#include "run/shard.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: tfolab shards FILE N [OPTIONS]\n"
		"Print how tfolab run FILE --shard K/N splits the experiment FILE over N shards\n"
		"(1 to %d): the conditions of each shard and its share of the expected work,\n"
		"page bytes x RTT x loads.  A group (the conditions that differ only in TFO)\n"
		"is never split.  The plan depends only on FILE, the --set values and N.\n\n"
		"  --set KEY=VALUE   override a key of FILE, as tfolab run does\n"
		"  -v, --verbose\n"
		"Then: tfolab run FILE --shard K/N on each machine, tfolab merge OUT.db IN.db...\n",
		SHARD_MAX);
}

struct shards_args {
	const char *file;
	const char *sets[64];
	int nsets;
	size_t n;
};

/* @argv into @a: -1 to go on, else the exit status (0 after --help, 2). */
static int shards_parse(int argc, char **argv, struct shards_args *a)
{
	static const struct option longopts[] = {
		{ "set", required_argument, NULL, 's' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int opt, rc;
	*a = (struct shards_args){ 0 };
	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		if (opt == 's') {
			if (a->nsets == 64) {
				fprintf(stderr, "tfolab shards: --set: at most 64 overrides\n");
				return 2;
			}
			a->sets[a->nsets++] = optarg;
		} else if ((rc = cmd_opt_common("shards", opt, argv, usage)) >= 0) {
			return rc;
		}
	}
	if (optind != argc - 2) {
		fprintf(stderr, "tfolab shards: give an experiment FILE and a shard count N, "
			"e.g. tfolab shards experiments/table1.conf 4\n");
		return 2;
	}
	a->file = argv[optind];
	uint64_t n;
	if (units_parse_count(argv[optind + 1], 1, SHARD_MAX, &n) < 0) {
		fprintf(stderr, "tfolab shards: N: \"%s\" is not a shard count (use 1 to %d)\n",
			argv[optind + 1], SHARD_MAX);
		return 2;
	}
	a->n = (size_t)n;
	return -1;
}

static void print_plan(const struct shards_args *a, const struct experiment *e,
		       const struct condition_spec *cells, size_t n, const struct shard_matrix *m)
{
	printf("Shard plan of %s (%s) over %zu shards: %zu conditions in %zu groups;\n"
	       "expected work = page bytes x RTT x loads.\n", e->name, a->file, a->n, n, m->ngroups);
	for (size_t s = 0; s < a->n; s++) {
		size_t conds = 0;
		for (size_t g = 0; g < m->ngroups; g++)
			if (m->plan.of[g] == s)
				conds += shard_group_size(m, n, g);
		printf("\nshard %zu/%zu: %.1f%% of the expected work, %zu group(s), %zu conditions\n",
		       s + 1, a->n, 100 * shard_share(&m->plan, s), shard_groups(&m->plan, s), conds);
		for (size_t g = 0; g < m->ngroups; g++) {
			if (m->plan.of[g] != s)
				continue;
			for (size_t i = m->starts[g]; i < m->starts[g] + shard_group_size(m, n, g); i++) {
				char line[512];
				condition_format(&cells[i], line, sizeof(line));
				printf("  %4zu  %s\n", cells[i].index, line);
			}
		}
	}
	size_t empty = 0;
	for (size_t s = 0; s < a->n; s++)
		empty += shard_groups(&m->plan, s) == 0;
	if (empty)
		fprintf(stderr, "tfolab shards: %zu of the %zu shards are empty: %s has %zu groups; "
			"use at most %zu shards\n", empty, a->n, a->file, m->ngroups, m->ngroups);
}

int cmd_shards(int argc, char **argv)
{
	struct shards_args a;
	struct experiment *e;
	struct condition_spec *cells;
	size_t n;
	int rc = shards_parse(argc, argv, &a);
	if (rc >= 0)
		return rc;
	if (experiment_load_matrix(a.file, a.sets, (size_t)a.nsets, &e, &cells, &n) < 0)
		return 2;
	struct shard_matrix m;
	rc = shard_matrix_plan(cells, n, a.n, &m);
	if (rc == 0)
		print_plan(&a, e, cells, n, &m);
	shard_matrix_release(&m);
	free(cells);
	experiment_free(e);
	return rc == 0 ? 0 : rc == -ENOMEM ? 1 : 2;
}

static void merge_usage(FILE *f)
{
	fprintf(f,
		"usage: tfolab merge OUT.db IN.db... [OPTIONS]\n"
		"Merge the databases of the shards of one sweep (each made by tfolab run with\n"
		"its part K/N of the matrix) into OUT.db, as one run that table, compare,\n"
		"trials, plot and har read as any other; each shard's host, kernel, backend,\n"
		"git describe, start and end are kept.  Refused, with the reason: inputs of\n"
		"different experiment texts or --set values, of different tfolab versions, of\n"
		"a shard twice from different runs, or missing shards (listed); a shard that\n"
		"did not finish.\n"
		"Merging a shard again adds only the trials OUT lacks.\n\n"
		"  --into      add to the merged run that OUT.db holds already (else an\n"
		"              existing OUT.db with results is refused)\n"
		"  --force     accept shards run by different tfolab versions\n"
		"  -v, --verbose\n"
		"Then: tfolab table, with OUT.db as its database\n");
}

int cmd_merge(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "into", no_argument, NULL, 'i' },
		{ "force", no_argument, NULL, 'f' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct store_merge_opts o = { 0 };
	int opt, rc;
	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		if (opt == 'i')
			o.into = true;
		else if (opt == 'f')
			o.force = true;
		else if ((rc = cmd_opt_common("merge", opt, argv, merge_usage)) >= 0)
			return rc;
	}
	if (argc - optind < 2) {
		fprintf(stderr, "tfolab merge: give the output OUT.db and at least one shard "
			"database, e.g. tfolab merge results/merged.db results/shard-*.db\n");
		return 2;
	}
	/* The command line, recorded with the merged run. */
	char *cmdline = cmd_line_join(argc + 1, argv - 1);
	if (!cmdline)
		return 1;
	o.command_line = cmdline;
	struct store_merge_result res;
	const char *out = argv[optind];
	rc = store_merge(out, (const char *const *)argv + optind + 1, (size_t)(argc - optind - 1),
			 &o, &res);
	free(cmdline);
	if (rc == -EINVAL || rc == -EPROTO)
		return 2;
	if (rc < 0)
		return 1;
	fprintf(stderr, "tfolab: %s: run %lld merged from %d shards on %d host%s; %lld trials "
		"added%s\n", out, (long long)res.run_id, res.shards, res.hosts,
		res.hosts == 1 ? "" : "s", (long long)res.trials_added,
		res.trials_added ? "" : " (nothing new)");
	return 0;
}
