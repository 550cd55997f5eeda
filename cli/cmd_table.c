/*
 * tfolab table - print Table 1 (PLT with and without TFO) of a stored run.
 */
#include "cli/cmd_table.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/prologue/prologue.h"
#include "common/log.h"
#include "results/store.h"
#include "common/units.h"

static void usage(const struct results_cmd *cmd, FILE *f)
{
	if (cmd->rows) {
		fprintf(f,
			"usage: tfolab %s [--db PATH] [--run ID] [--format csv|json]\n"
			"%s\n\n"
			"  --db PATH       the result database (default %s)\n"
			"  --run ID        the run to export (default: the latest)\n"
			"  --format FMT    csv (default) or json\n"
			"  -h, --help      this text\n",
			cmd->name, cmd->summary, STORE_DEFAULT_PATH);
		return;
	}
	fprintf(f,
		"usage: tfolab %s [--db PATH] [--run ID] [--format md|csv|json] [--seed N]%s\n"
		"%s\n\n"
		"  --db PATH       the result database (default %s)\n"
		"  --run ID        the run to show (default: the latest)\n"
		"  --format FMT    md (default), csv or json\n"
		"  --seed N        seed of the bootstrap confidence intervals (default %d)\n",
		cmd->name, cmd->pivots ? " [--by KEY]" : "", cmd->summary, STORE_DEFAULT_PATH,
		TABLE_DEFAULT_SEED);
	if (cmd->pivots)
		fprintf(f,
			"  --by KEY        a column per value of KEY: per_conn (requests per\n"
			"                  connection), tls (the gain over HTTP beside the gain over\n"
			"                  each TLS mode) or fetcher (the builtin fetcher's PLTs and\n"
			"                  gain beside Chromium's, their difference marked where it\n"
			"                  exceeds 5%%); default: the first of them the run varies\n");
	fprintf(f, "  -h, --help      this text\n");
}

int results_cmd_run(const struct results_cmd *cmd, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "run", required_argument, NULL, 'r' },
		{ "format", required_argument, NULL, 'f' },
		{ "seed", required_argument, NULL, 's' },
		{ "by", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *db = STORE_DEFAULT_PATH;
	uint64_t v;
	int64_t run_id = 0;
	struct table_opts o;
	int opt;

	table_opts_default(&o);
	if (cmd->rows)
		o.format = TABLE_CSV;
	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'd':
			db = optarg;
			break;
		case 'r':
			if (units_parse_count(optarg, 1, INT64_MAX, &v) < 0) {
				fprintf(stderr, "tfolab %s: --run: \"%s\" is not a run id (use a "
					"positive integer)\n", cmd->name, optarg);
				return 2;
			}
			run_id = (int64_t)v;
			break;
		case 'f':
			if (table_format_parse(optarg, &o.format) < 0 ||
			    (cmd->rows && o.format == TABLE_MD)) {
				fprintf(stderr, "tfolab %s: --format: \"%s\" is not a format (use %s)\n",
					cmd->name, optarg, cmd->rows ? "csv or json" : TABLE_FORMAT_FORM);
				return 2;
			}
			break;
		case 's':
			if (cmd->rows) {
				fprintf(stderr, "tfolab %s: unknown option '--seed' (see tfolab %s --help)\n",
					cmd->name, cmd->name);
				return 2;
			}
			if (units_parse_count(optarg, 0, UINT64_MAX, &v) < 0) {
				fprintf(stderr, "tfolab %s: --seed: \"%s\" is not a seed (use a "
					"non-negative integer)\n", cmd->name, optarg);
				return 2;
			}
			o.seed = v;
			break;
		case 'b':
			if (!cmd->pivots) {
				fprintf(stderr, "tfolab %s: unknown option '--by' (see tfolab %s --help)\n",
					cmd->name, cmd->name);
				return 2;
			}
			if (table_pivot_parse(optarg, &o.pivot) < 0) {
				fprintf(stderr, "tfolab %s: --by: \"%s\" is not a key to compare by (use "
					TABLE_PIVOT_FORM ")\n", cmd->name, optarg);
				return 2;
			}
			break;
		case 'h':
			usage(cmd, stdout);
			return 0;
		default:
			return cmd_bad_option(cmd->name, opt, argv);
		}
	}
	if (optind < argc) {
		fprintf(stderr, "tfolab %s: unexpected argument \"%s\" (see tfolab %s --help)\n",
			cmd->name, argv[optind], cmd->name);
		return 2;
	}

	/* Opening would create an empty database; say plainly that there is none. */
	if (access(db, F_OK) < 0) {
		log_err("%s: no result database at %s (run an experiment first, or pass --db PATH)",
			cmd->name, db);
		return 1;
	}
	struct store *st;
	if (store_open(db, &st) < 0)
		return 1;
	int rc = 0;
	if (run_id == 0) {
		rc = store_run_latest(st, &run_id);
		if (rc == -ENOENT)
			log_err("%s: the database %s holds no runs", cmd->name, db);
	}
	if (rc == 0)
		rc = cmd->render(st, run_id, &o, stdout);
	store_close(st);
	return rc < 0 ? 1 : 0;
}

int cmd_table(int argc, char **argv)
{
	static const struct results_cmd cmd = {
		.name = "table",
		.summary = "Print Table 1 of the TFO paper for a stored run: PLT without and with "
			   "TFO per page and RTT,\nthe improvement with its 95% CI and significance, "
			   "and how each cell compares with\nthe paper (4-41%, growing with RTT).",
		.render = table_render,
	};
	return results_cmd_run(&cmd, argc, argv);
}
