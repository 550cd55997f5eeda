#include "cli/prologue/prologue.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "os/proc.h"
#include "testbed/cleanup.h"

int cmd_bad_option(const char *cmd, int opt, char **argv)
{
	if (opt == ':')
		fprintf(stderr, "tfolab %s: %s needs a value (see tfolab %s --help)\n", cmd,
			argv[optind - 1], cmd);
	else
		fprintf(stderr, "tfolab %s: unknown option '%s' (see tfolab %s --help)\n", cmd,
			argv[optind - 1], cmd);
	return 2;
}

int cmd_opt_common(const char *cmd, int opt, char **argv, void (*usage)(FILE *f))
{
	switch (opt) {
	case 'v':
		log_verbose++;
		return -1;
	case 'h':
		usage(stdout);
		return 0;
	default:
		return cmd_bad_option(cmd, opt, argv);
	}
}

char *cmd_line_join(int argc, char **argv)
{
	size_t len = 1;
	for (int i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	char *s = calloc(1, len), *p = s;
	if (!s)
		return NULL;
	for (int i = 0; i < argc; i++)
		p += sprintf(p, "%s%s", i ? " " : "", argv[i]);
	return s;
}

int need_root(const char *cmd)
{
	if (proc_has_admin_caps())
		return 0;
	fprintf(stderr, "tfolab %s: needs root (CAP_SYS_ADMIN and CAP_NET_ADMIN) to create network "
		"namespaces; run it as root, e.g. with sudo\n", cmd);
	return -EPERM;
}

int cmd_prologue(const char *cmd, struct linkopts *lo, enum backend_choice backend,
		 const struct link_backend_ops **ops)
{
	int rc = need_root(cmd);
	if (rc < 0)
		return rc;
	if (lo) {
		linkopts_finish(lo);
		backend = lo->backend;
	}
	if (ops) {
		char why[256] = "as asked";
		if ((rc = link_backend_choose(backend, ops, why, sizeof(why))) < 0)
			return rc;
		log_info("link backend %s (%s)", (*ops)->name, why);
	}
	struct cleanup_report cr;
	cleanup_stale(0, 0, &cr);
	if (cr.namespaces || cr.dirs)
		log_info("removed %d namespace(s) and %d dir(s) left by crashed runs", cr.namespaces,
			 cr.dirs);
	proc_signals_block();
	return 0;
}
