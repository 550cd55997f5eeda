/*
 * What the commands share: how they refuse a bad option, and what every
 * command that builds a testbed (link, load, run, bench) does
 * once its arguments are parsed and before its first setup step, in this
 * order: refuse to go on without root; finish the link options; choose the
 * link backend ("auto" probes for netem in a throwaway namespace); remove
 * what crashed runs left behind; and block the run's signals (os/proc.h),
 * so that an interrupt can never land between a setup step and the record
 * of its undo.
 */
#ifndef TFOLAB_CLI_PROLOGUE_H
#define TFOLAB_CLI_PROLOGUE_H

#include <stdio.h>

#include "cli/prologue/linkopts.h"
#include "emulator/backend.h"

/*
 * cmd_bad_option - one line on stderr about the option that getopt_long
 * just refused in @argv: @opt ':' (with a leading ':' in the optstring)
 * when its value is missing, else it is unknown.  Returns 2, the exit
 * status of a usage error.
 */
int cmd_bad_option(const char *cmd, int opt, char **argv);

/*
 * cmd_opt_common - what a command does with an option its own switch does
 * not take: -v raises log_verbose (returns -1: go on), -h prints @usage on
 * stdout (returns 0, the exit status), anything else is cmd_bad_option
 * (returns 2).
 */
int cmd_opt_common(const char *cmd, int opt, char **argv, void (*usage)(FILE *f));

/*
 * cmd_line_join - @argv[0..@argc) joined by blanks, the command line a
 * stored run records.  A malloc'd string, or NULL without memory.
 */
char *cmd_line_join(int argc, char **argv);

/* need_root - 0 if we may create namespaces, else one line on stderr and -EPERM. */
int need_root(const char *cmd);

/*
 * cmd_prologue - the steps above for command @cmd (named in messages).
 * @lo (may be NULL) is finished.  @ops NULL: the command needs no link
 * backend; else *@ops gets the one @lo names or, without @lo, @backend.
 * Returns 0, or a negative errno after one line on stderr, with the
 * signals not blocked.
 */
int cmd_prologue(const char *cmd, struct linkopts *lo, enum backend_choice backend,
		 const struct link_backend_ops **ops);

#endif
