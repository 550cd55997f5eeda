/*
 * Finding and removing what a run left behind.  A run's resources all carry
 * its prefix "tfl-<pid>-<n>": the namespaces /run/netns/tfl-<pid>-<n>-{c,l,s}
 * (with every process inside them and every interface) and the run directory
 * /run/tfolab/tfl-<pid>-<n>.  A prefix is stale when no tfolab process with
 * that pid is alive.
 */
#ifndef TFOLAB_HARNESS_CLEANUP_H
#define TFOLAB_HARNESS_CLEANUP_H

struct cleanup_report {
	int namespaces;   /* namespaces removed */
	int dirs;         /* run directories removed */
	int errors;
};

/*
 * cleanup_stale - remove the leftovers of every stale prefix (all prefixes,
 * live ones included, when @all).  Never touches our own process's prefix.
 * @verbose prints one line per removal on stdout.  Returns 0 or -EIO when
 * something could not be removed (logged).
 */
int cleanup_stale(int all, int verbose, struct cleanup_report *rep);

/* cleanup_pid_alive - 1 if @pid is a live tfolab process. */
int cleanup_pid_alive(int pid);

#endif
