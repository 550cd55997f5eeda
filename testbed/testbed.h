/*
 * The testbed: a client and a server network namespace joined through a
 * third, the link namespace, where a link backend emulates the link.
 *
 *   client ns                 link ns                   server ns
 *   tflc0 198.18.X.1/32 <-> tfll0 [backend] tfll1 <-> tfls0 198.18.X.2.../32
 *
 * Nothing is ever created in, or changed in, the host's namespace: each
 * veth pair is created from inside the link namespace with its peer placed
 * directly in its own namespace.  Every namespace carries the run prefix
 * "tfl-<pid>-<n>", so that `tfolab cleanup` can find what a crashed run
 * left.  The server side carries one address per origin host; the client
 * reaches them all through the link.  No default route exists anywhere.
 * A chosen congestion control is a metric of those routes (congctl), not
 * a namespace default, which may only be reno or bbr here.
 */
#ifndef TFOLAB_TESTBED_TESTBED_H
#define TFOLAB_TESTBED_TESTBED_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "emulator/backend.h"
#include "emulator/link.h"

#define TESTBED_PREFIX "tfl-"
#define TESTBED_MAX_SERVERS 250
#define TESTBED_IF_CLIENT "tflc0"
#define TESTBED_IF_LINK_C "tfll0"
#define TESTBED_IF_LINK_S "tfll1"
#define TESTBED_IF_SERVER "tfls0"

enum testbed_side { TESTBED_CLIENT, TESTBED_LINK, TESTBED_SERVER };

struct testbed_opts {
	int nservers;                          /* server addresses, 1..250 */
	const struct link_backend_ops *backend; /* NULL = a bare veth pair, no link namespace */
	struct link_params link;
	const char *event_log;                 /* backend event log path, or NULL */
	int tfo_sysctl;                        /* net.ipv4.tcp_fastopen in client+server; -1 = leave */
	const char *cc;                        /* congestion control of the client's and server's
						  routes (RTAX_CC_ALGO), or NULL = the default */
};

struct testbed {
	char prefix[32];                       /* "tfl-<pid>-<n>" */
	char ns[3][48];                        /* names, by enum testbed_side */
	int fd[3];                             /* open fds, by enum testbed_side; -1 = none */
	struct in_addr client_addr;
	struct in_addr server_addr[TESTBED_MAX_SERVERS];
	int nservers;
	const struct link_backend_ops *ops;
	struct link_backend *link;
	char cc[16];                           /* congestion control in use: opts.cc, or the
						  namespaces' default */
	char run_dir[96];                      /* /run/tfolab/<prefix>, 0711, removed by testbed_down */
	int lock_fd;                           /* the run's lock (rundir_lock), -1 = none */
};

/*
 * testbed_up - create the namespaces, veths, addresses and routes, set the
 * sysctls and start the link backend.  On failure everything done so far is
 * undone, an error has been logged, and a negative errno is returned.
 */
int testbed_up(const struct testbed_opts *o, struct testbed **out);

/*
 * testbed_down - stop the backend, kill every process left in the three
 * namespaces, delete them and the run directory, free @tb.  NULL is a no-op.
 * Returns 0, or the first negative errno met (it still undoes all it can).
 */
int testbed_down(struct testbed *tb);

/* testbed_enter - move the calling thread to a side; see netns_enter/netns_leave. */
int testbed_enter(struct testbed *tb, enum testbed_side side, int *saved);

/*
 * testbed_link_mark - start a new window of the link's late_max_ns.  false
 * (and nothing done) where the backend cannot see lateness (netem).
 */
bool testbed_link_mark(struct testbed *tb);

/* testbed_link_stats - the backend's counters (zeros with no backend). */
int testbed_link_stats(struct testbed *tb, struct link_stats *up, struct link_stats *down);

/* testbed_set_tfo - net.ipv4.tcp_fastopen in the client and server namespaces. */
int testbed_set_tfo(struct testbed *tb, int value);

#endif
