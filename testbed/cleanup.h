/*
 * Finding and removing what a run left behind.  A run's resources all carry
 * its prefix "tfl-<pid>-<n>": the namespaces /run/netns/tfl-<pid>-<n>-{c,l,s}
 * (with every process inside them and every interface) and the run directory
 * /run/tfolab/tfl-<pid>-<n>.  A prefix is stale when nobody holds its run
 * lock (/run/tfolab/tfl-<pid>-<n>/.lock, an flock the kernel drops when the
 * run dies), or, before the lock exists, when its pid is gone.
 */
#ifndef TFOLAB_TESTBED_CLEANUP_H
#define TFOLAB_TESTBED_CLEANUP_H

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

#endif
