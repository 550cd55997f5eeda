/*
 * tfolab - how much faster do web pages load with TCP Fast Open?
 *
 * The entry point only dispatches to a subcommand from the table below.
 */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/prologue/linkopts.h"
#include "common/version.h"

/* The release and the tree it was built from; the binary's own business. */
static int cmd_version(int argc, char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: tfolab version   (or tfolab --version)\n\n"
		       "Prints the release and `git describe` of the tree tfolab was built from.\n");
		return 0;
	}
	if (argc > 1) {
		fprintf(stderr, "tfolab version: takes no arguments\n");
		return 2;
	}
	printf("tfolab %s (git %s)\n", TFOLAB_VERSION, TFOLAB_GIT_DESCRIBE);
	return 0;
}

static const struct command commands[] = {
	{ "link", cmd_link, "run a command behind the emulated link" },
	{ "load", cmd_load, "load one page over the link, with or without TFO" },
	{ "run", cmd_run, "run an experiment and store every trial" },
	{ "shards", cmd_shards, "print how run --shard K/N splits an experiment" },
	{ "merge", cmd_merge, "merge the databases of a sharded run into one" },
	{ "table", cmd_table, "print Table 1 from the stored trials" },
	{ "compare", cmd_compare, "print the persistence comparison" },
	{ "trials", cmd_trials, "export every trial of a run with its condition (csv, json)" },
	{ "plot", cmd_plot, "draw the figures of a stored run with gnuplot" },
	{ "har", cmd_har, "write a stored trial as a HAR file" },
	{ "pages", cmd_pages, "list the page specs" },
	{ "import", cmd_import, "make a page spec from a HAR file or a capture" },
	{ "bench", cmd_bench, "measure the emulated link and the fetcher" },
	{ "presets", cmd_presets, "list the named link presets (--preset NAME)" },
	{ "check", cmd_check, "report what this machine supports" },
	{ "cleanup", cmd_cleanup, "remove what crashed runs left behind" },
	{ "version", cmd_version, "print the release and git describe (also --version)" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: tfolab COMMAND [ARGS...]   (tfolab COMMAND --help for each)\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V"))
		return cmd_version(argc - 1, argv + 1);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "tfolab: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
