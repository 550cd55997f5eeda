/*
 * tfolab cleanup [--all] - remove what crashed runs left behind: their
 * namespaces (with every process and interface inside) and run directories.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/prologue/prologue.h"
#include "testbed/cleanup.h"

int cmd_cleanup(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int all = 0, opt;

	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "ah", longopts, NULL)) != -1) {
		switch (opt) {
		case 'a':
			all = 1;
			break;
		case 'h':
			printf("usage: tfolab cleanup [--all]\n"
			       "Remove the namespaces (with the processes and interfaces inside them)\n"
			       "and run directories that crashed tfolab runs left behind.  A run is\n"
			       "crashed when its process is gone.  --all removes those of live runs too.\n");
			return 0;
		default:
			return cmd_bad_option("cleanup", opt, argv);
		}
	}
	if (optind < argc) {
		fprintf(stderr, "tfolab cleanup: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (need_root("cleanup") < 0)
		return 1;
	struct cleanup_report r;
	int rc = cleanup_stale(all, 1, &r);
	printf("cleanup: %d namespace(s), %d directory(ies) removed%s\n", r.namespaces, r.dirs,
	       r.errors ? ", some could not be removed (see above)" : "");
	return rc < 0 ? 1 : 0;
}
