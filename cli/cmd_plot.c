/*
 * tfolab plot - draw the figures of a stored run with gnuplot (plots/plot.h).
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/prologue/prologue.h"
#include "common/log.h"
#include "plots/plot.h"
#include "plots/plot_gp.h"
#include "results/store.h"
#include "results/table.h"
#include "common/units.h"
#include "common/vocab.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: tfolab plot [--db PATH] [--run ID] --out DIR [--format png,svg] [--page NAME]\n"
		"                   [--tls MODE] [--fetcher NAME] [--seed N]\n"
		"Draw the figures of a stored run with gnuplot into DIR: plt (PLT per page and RTT,\n"
		"mean +- sd), improvement (against RTT, 95%% CI, the paper's 4-41%%), waterfall (the\n"
		"median loads of one cell at the largest RTT), persistence (against requests per\n"
		"connection, when the run varies it) and cdf; each with its data file (.dat) and\n"
		"gnuplot script (.gp) to re-plot from.  Prints the files written.\n\n"
		"  --db PATH       the result database (default %s)\n"
		"  --run ID        the run to plot (default: the latest)\n"
		"  --out DIR       where to write (created if missing)\n"
		"  --format LIST   png, svg or png,svg (default png,svg)\n"
		"  --page NAME     the page of the waterfall (default: the first measured)\n"
		"  --tls MODE      the waterfall's TLS mode: " TLS_MODE_FORM "\n"
		"  --fetcher NAME  the waterfall's fetcher: " FETCHER_FORM "\n"
		"                  (default: the first measured)\n"
		"  --seed N        seed of the bootstrap confidence intervals (default %d)\n"
		"  -h, --help      this text\n\n"
		"Needs gnuplot (Debian package %s); $TFOLAB_PLOTS_DIR overrides where the\n"
		"templates (*.gp) are, $TFOLAB_GNUPLOT which gnuplot runs.\n",
		STORE_DEFAULT_PATH, TABLE_DEFAULT_SEED, PLOT_GP_PACKAGE);
}

/* "png", "svg", "png,svg" or "svg,png"; -EINVAL otherwise. */
static int parse_formats(const char *s, int *png, int *svg)
{
	*png = *svg = 0;
	while (*s) {
		size_t n = strcspn(s, ",");
		if (n == 3 && !strncmp(s, "png", 3))
			*png = 1;
		else if (n == 3 && !strncmp(s, "svg", 3))
			*svg = 1;
		else
			return -EINVAL;
		s += n;
		if (*s == ',' && !*++s)
			return -EINVAL;
	}
	return *png || *svg ? 0 : -EINVAL;
}

int cmd_plot(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "run", required_argument, NULL, 'r' },
		{ "out", required_argument, NULL, 'o' },
		{ "format", required_argument, NULL, 'f' },
		{ "seed", required_argument, NULL, 's' },
		{ "page", required_argument, NULL, 'p' },
		{ "tls", required_argument, NULL, 't' },
		{ "fetcher", required_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct table_opts t;
	table_opts_default(&t);
	struct plot_opts o = {
		.db_path = STORE_DEFAULT_PATH, .png = 1, .svg = 1, .waterfall_tls = -1, .waterfall_fetcher = -1,
		.cells = { .seed = t.seed, .resamples = t.resamples, .level = t.level },
	};
	uint64_t v;
	int64_t run_id = 0;
	int opt, rc;

	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'd':
			o.db_path = optarg;
			break;
		case 'r':
			if (units_parse_count(optarg, 1, INT64_MAX, &v) < 0) {
				fprintf(stderr, "tfolab plot: --run: \"%s\" is not a run id (use a "
					"positive integer)\n", optarg);
				return 2;
			}
			run_id = (int64_t)v;
			break;
		case 'o':
			if (!*optarg) {
				fprintf(stderr, "tfolab plot: --out: empty (use a directory)\n");
				return 2;
			}
			o.out_dir = optarg;
			break;
		case 'f':
			if (parse_formats(optarg, &o.png, &o.svg) < 0) {
				fprintf(stderr, "tfolab plot: --format: \"%s\" is not a format list "
					"(use png, svg or png,svg)\n", optarg);
				return 2;
			}
			break;
		case 's':
			if (units_parse_count(optarg, 0, UINT64_MAX, &v) < 0) {
				fprintf(stderr, "tfolab plot: --seed: \"%s\" is not a seed (use a "
					"non-negative integer)\n", optarg);
				return 2;
			}
			o.cells.seed = v;
			break;
		case 'p':
			o.waterfall_page = optarg;
			break;
		case 't':
			if ((o.waterfall_tls = tls_mode_parse(optarg)) < 0) {
				fprintf(stderr, "tfolab plot: --tls: \"%s\" is not a TLS mode (use "
					TLS_MODE_FORM ")\n", optarg);
				return 2;
			}
			break;
		case 'F':
			if ((o.waterfall_fetcher = fetcher_parse(optarg)) < 0) {
				fprintf(stderr, "tfolab plot: --fetcher: \"%s\" is not a fetcher (use "
					FETCHER_FORM ")\n", optarg);
				return 2;
			}
			break;
		default:
			if ((rc = cmd_opt_common("plot", opt, argv, usage)) >= 0)
				return rc;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "tfolab plot: unexpected argument \"%s\" (see tfolab plot --help)\n",
			argv[optind]);
		return 2;
	}
	if (!o.out_dir) {
		fprintf(stderr, "tfolab plot: --out is required (use --out DIR)\n");
		return 2;
	}

	/* Opening would create an empty database; say plainly that there is none. */
	if (access(o.db_path, F_OK) < 0) {
		log_err("plot: no result database at %s (run an experiment first, or pass --db PATH)",
			o.db_path);
		return 1;
	}
	char gnuplot[4096];
	if (plot_gp_find(gnuplot, sizeof(gnuplot)) < 0) {
		const char *env = getenv("TFOLAB_GNUPLOT");
		if (env && *env)
			log_err("plot: TFOLAB_GNUPLOT=%s is not an executable", env);
		else
			log_err("plot: gnuplot not found in PATH (install the Debian package %s: "
				"apt-get install %s)", PLOT_GP_PACKAGE, PLOT_GP_PACKAGE);
		return 1;
	}
	o.gnuplot = gnuplot;

	struct store *st;
	if (store_open(o.db_path, &st) < 0)
		return 1;
	rc = 0;
	if (run_id == 0) {
		rc = store_run_latest(st, &run_id);
		if (rc == -ENOENT)
			log_err("plot: the database %s holds no runs", o.db_path);
	}
	if (rc == 0)
		rc = plot_run(st, run_id, &o, stdout);
	store_close(st);
	return rc < 0 ? 1 : 0;
}
