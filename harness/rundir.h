/*
 * Run directories: /run/tfolab/<prefix>, one per testbed, holding what a run
 * writes at run time (the origin's docroot and nginx files, event logs).
 * Mode 0711: private (not listable), but an unprivileged nginx worker can
 * reach its own 0700 subdirectory.
 */
#ifndef TFOLAB_HARNESS_RUNDIR_H
#define TFOLAB_HARNESS_RUNDIR_H

#include <stddef.h>

#define RUNDIR_BASE "/run/tfolab"

/* rundir_create - mkdir RUNDIR_BASE/@prefix; its path in @out. */
int rundir_create(const char *prefix, char *out, size_t len);

/* rundir_remove - remove @path and everything below it (no symlinks followed). */
int rundir_remove(const char *path);

#endif
