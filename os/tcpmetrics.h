/*
 * The kernel's per-destination TCP metrics cache (cwnd, ssthresh, RTT and
 * TFO cookies), which a trial must not inherit from the one before it.
 */
#ifndef TFOLAB_OS_TCPMETRICS_H
#define TFOLAB_OS_TCPMETRICS_H

/*
 * tcpmetrics_flush - empty the cache of the calling thread's network
 * namespace (what `ip tcp_metrics flush all` does), through generic netlink.
 * Returns 0 or a negative errno (logged).
 */
int tcpmetrics_flush(void);

#endif
