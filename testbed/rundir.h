/*
 * Run directories: /run/tfolab/<prefix>, one per testbed, holding what a run
 * writes at run time (the origin's docroot and nginx files, event logs).
 * Mode 0711: private (not listable), but an unprivileged nginx worker can
 * reach its own 0700 subdirectory.
 */
#ifndef TFOLAB_TESTBED_RUNDIR_H
#define TFOLAB_TESTBED_RUNDIR_H

#include <stddef.h>

#define RUNDIR_BASE "/run/tfolab"

/* rundir_create - mkdir RUNDIR_BASE/@prefix; its path in @out. */
int rundir_create(const char *prefix, char *out, size_t len);

/* rundir_remove - remove @path and everything below it (no symlinks followed). */
int rundir_remove(const char *path);

/*
 * rundir_lock - take the run's lock: an exclusive flock on @path/.lock, held
 * for as long as the returned fd (O_CLOEXEC) stays open, and released by the
 * kernel when the process dies, however it dies.  `tfolab cleanup` takes a
 * prefix for stale exactly when it can take this lock itself.  Returns the
 * fd or a negative errno (logged).
 */
int rundir_lock(const char *path);

/*
 * rundir_live - 1 if the run directory @path is locked by a live run, 0 if
 * its lock could be taken, -ENOENT if it has no lock file; never blocks.
 */
int rundir_live(const char *path);

#endif
