#include "testbed/cleanup.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "browser/chromium.h"
#include "common/log.h"
#include "os/netns.h"
#include "testbed/rundir.h"
#include "testbed/testbed.h"

/* The pid in "tfl-<pid>-...", or -1 if @name is not one of ours. */
static int prefix_pid(const char *name)
{
	size_t n = strlen(TESTBED_PREFIX);
	char *end;
	if (strncmp(name, TESTBED_PREFIX, n))
		return -1;
	long pid = strtol(name + n, &end, 10);
	if (end == name + n || *end != '-' || pid <= 0 || pid > INT_MAX)
		return -1;
	return (int)pid;
}

/*
 * Whether the resource @name (a namespace "tfl-P-N-x" or a run directory
 * "tfl-P-N") belongs to a crashed run.  The run's lock says so, whatever the
 * binary is called; without a lock file (a run between creating its
 * directory and locking it, or one whose directory is gone) the pid does.
 */
static int wanted(const char *name, int all)
{
	char prefix[64], dir[PATH_MAX];
	int pid = prefix_pid(name);
	if (pid < 0 || pid == getpid())
		return 0;
	if (all)
		return 1;
	/* The prefix is "tfl-P-N": cut a namespace's "-x" side suffix. */
	snprintf(prefix, sizeof(prefix), "%s", name);
	char *dash = strchr(prefix + strlen(TESTBED_PREFIX), '-');
	if (dash && (dash = strchr(dash + 1, '-')))
		*dash = 0;
	snprintf(dir, sizeof(dir), "%s/%s", RUNDIR_BASE, prefix);
	int live = rundir_live(dir);
	if (live >= 0)
		return !live;
	return kill(pid, 0) < 0 && errno == ESRCH;
}

int cleanup_stale(int all, int verbose, struct cleanup_report *rep)
{
	struct dirent *de;
	DIR *d;

	memset(rep, 0, sizeof(*rep));
	if ((d = opendir(NETNS_RUN_DIR))) {
		while ((de = readdir(d))) {
			if (!wanted(de->d_name, all))
				continue;
			if (netns_del(de->d_name) == 0) {
				rep->namespaces++;
				if (verbose)
					printf("removed namespace %s\n", de->d_name);
			} else {
				rep->errors++;
			}
		}
		closedir(d);
	}
	if ((d = opendir(RUNDIR_BASE))) {
		while ((de = readdir(d))) {
			char path[PATH_MAX];
			if (!wanted(de->d_name, all))
				continue;
			snprintf(path, sizeof(path), "%s/%s", RUNDIR_BASE, de->d_name);
			/* A browser of the crashed run may outlive it: its helper
			 * processes are not the run's children. */
			chromium_cleanup(path, "");
			if (rundir_remove(path) == 0) {
				rep->dirs++;
				if (verbose)
					printf("removed directory %s\n", path);
			} else {
				rep->errors++;
			}
		}
		closedir(d);
	}
	return rep->errors ? -EIO : 0;
}
