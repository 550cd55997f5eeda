/*
 * Running measurement tools (ping, iperf3) inside a testbed's namespaces
 * and collecting what they print.  A tool's stdout goes to a memfd, which
 * is read back once the tool has exited; its stderr is ours, so that its
 * complaints reach the user unchanged.  The caller must have blocked the
 * run's signals (proc_signals_block): every wait here returns early, with
 * the tool stopped and reaped, when SIGINT, SIGTERM or SIGHUP arrives.
 */
#ifndef TFOLAB_TESTBED_TOOL_H
#define TFOLAB_TESTBED_TOOL_H

#include <sys/types.h>

#include "testbed/testbed.h"

#define TOOL_IPERF_PORT 5201

/* tool_outfd - a new, empty memfd for a tool's stdout; a negative errno (logged). */
int tool_outfd(void);

/*
 * tool_spawn - start @argv in namespace @side of @tb with its stdout on
 * @out_fd (not taken over; -1 = /dev/null).  Returns the pid, or a negative
 * errno (logged).
 */
pid_t tool_spawn(struct testbed *tb, enum testbed_side side, char *const argv[], int out_fd);

/*
 * tool_wait - wait at most @timeout_ms (< 0 = forever) for @pid, named
 * @name in messages, to exit.  Returns its exit code (0..255, 128+signal);
 * -ETIMEDOUT (logged) or -EINTR (*@sig = the signal) after stopping and
 * reaping it; another negative errno if it cannot be waited for.
 */
int tool_wait(pid_t pid, const char *name, int timeout_ms, int *sig);

/* tool_read - all of @fd from offset 0, NUL-terminated, malloc'd; NULL (logged). */
char *tool_read(int fd);

/*
 * tool_run - tool_spawn + tool_wait + tool_read: runs @argv in @side and
 * returns its exit code with its stdout in *@out (the caller frees it, also
 * when the code is not 0), or a negative errno as tool_wait, *@out NULL.
 */
int tool_run(struct testbed *tb, enum testbed_side side, char *const argv[], int timeout_ms,
	     int *sig, char **out);

/*
 * tool_listening - 1 if some TCP socket of @side listens on @port, else 0.
 * Port 0: any TCP listener or bound UDP socket (a server of any kind is up).
 */
int tool_listening(struct testbed *tb, enum testbed_side side, int port);

/*
 * tool_iperf_server - `iperf3 -s -1` (one test, then exit) in the server
 * namespace, waited for until it listens on TOOL_IPERF_PORT (5 s at most).
 * Returns its pid; the caller reaps it with tool_wait.  A negative errno
 * (logged) or -EINTR (*@sig set) with nothing left running.
 */
pid_t tool_iperf_server(struct testbed *tb, int *sig);

#endif
