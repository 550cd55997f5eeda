/*
 * The argument handling shared by `tfolab table`, `compare` and `trials`:
 * each reads one run from the result database and prints it.
 */
#ifndef TFOLAB_CLI_CMD_TABLE_H
#define TFOLAB_CLI_CMD_TABLE_H

#include <stdio.h>

#include "results/table.h"

struct results_cmd {
	const char *name;        /* "table" */
	const char *summary;     /* the line under the usage line in --help */
	int (*render)(struct store *st, int64_t run_id, const struct table_opts *o, FILE *out);
	int rows;                /* rows, not a table: csv (default) or json, no --seed */
	int pivots;              /* takes --by KEY (struct table_opts.pivot) */
};

/* Parses argv (argv[0] = the command), renders to stdout and returns the
 * exit status: 0, 1 on an error (logged), 2 on a usage error. */
int results_cmd_run(const struct results_cmd *cmd, int argc, char **argv);

#endif
