/*
 * The subcommands of tfolab.  Each one lives in its own file, parses its own
 * arguments (exit status 2 on a usage error, before anything is created),
 * answers --help, and returns the process exit status.
 */
#ifndef TFOLAB_CLI_COMMANDS_H
#define TFOLAB_CLI_COMMANDS_H

struct command {
	const char *name;
	int (*run)(int argc, char **argv);  /* argv[0] is the command name */
	const char *summary;
};

int cmd_link(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_cleanup(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_import(int argc, char **argv);   /* cli/cmd_import.c */
int cmd_pages(int argc, char **argv);    /* cli/cmd_pages.c */
int cmd_table(int argc, char **argv);    /* cli/cmd_table.c */
int cmd_compare(int argc, char **argv);  /* cli/cmd_compare.c */
int cmd_trials(int argc, char **argv);   /* cli/cmd_trials.c */
int cmd_load(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_plot(int argc, char **argv);
int cmd_har(int argc, char **argv);      /* cli/cmd_har.c */
int cmd_shards(int argc, char **argv);   /* cli/cmd_shards.c */
int cmd_merge(int argc, char **argv);    /* cli/cmd_merge.c */

#endif
