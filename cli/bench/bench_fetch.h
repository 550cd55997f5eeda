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

int bench_fetch(int argc, char **argv);

#endif
