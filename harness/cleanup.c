#include "harness/cleanup.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/log.h"
#include "harness/netns.h"
#include "harness/rundir.h"
#include "harness/testbed.h"

int cleanup_pid_alive(int pid)
{
	char path[64], comm[64] = "";
	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	if (!fgets(comm, sizeof(comm), f))
		comm[0] = 0;
	fclose(f);
	comm[strcspn(comm, "\n")] = 0;
	return strcmp(comm, "tfolab") == 0;
}

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

static int wanted(const char *name, int all)
{
	int pid = prefix_pid(name);
	if (pid < 0 || pid == getpid())
		return 0;
	return all || !cleanup_pid_alive(pid);
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
