/*
 * tfolab bench fetch: the fetcher's resource use as pages grow.  Loads
 * synthetic pages of 10, 100 and 1,000 resources (or --resources N) over the
 * emulated link and prints the PLT, the connections, and the loading
 * process's peak memory (VmHWM) and peak open file descriptors, sampled
 * every millisecond: both must stay bounded (6 connections per host), not
 * grow with the page.
 */
#ifndef TFOLAB_CLI_BENCH_BENCH_FETCH_H
#define TFOLAB_CLI_BENCH_BENCH_FETCH_H

#include <stddef.h>

/*
 * bench_fetch_run - measure pages of 10, 100, ... @max resources and print
 * a row for each.  Needs root and the signals blocked (proc_signals_block).
 * Returns 0, or 1 after logging when a load or its testbed failed.
 */
int bench_fetch_run(size_t max);

#endif
