/*
 * Named network namespaces, as iproute2 keeps them: a bind mount of the
 * namespace at /run/netns/NAME, so that `ip netns list` shows ours too and a
 * crashed run's namespaces can be found and removed by name.
 *
 * The calling thread is moved between namespaces with netns_enter() and
 * netns_leave(); sockets keep the namespace they were created in, and
 * children inherit the namespace of the thread that forked them.
 */
#ifndef TFOLAB_OS_NETNS_H
#define TFOLAB_OS_NETNS_H

#include <stddef.h>
#include <sys/types.h>

#define NETNS_RUN_DIR "/run/netns"

/*
 * netns_add - create namespace NAME (fails with -EEXIST if it exists) and
 * return an open fd of it in *@fd.  The calling thread stays where it was.
 */
int netns_add(const char *name, int *fd);

/* netns_open - an fd of existing namespace NAME, or a negative errno. */
int netns_open(const char *name);

/*
 * netns_del - kill every process inside NAME (bounded wait), then unmount
 * and unlink it; the kernel frees the namespace and its interfaces once no
 * fd refers to it.  -ENOENT if it does not exist.
 */
int netns_del(const char *name);

/*
 * netns_enter - move the calling thread into namespace @fd; *@saved gets an
 * fd of the namespace it was in, for netns_leave(), which closes it.
 */
int netns_enter(int fd, int *saved);
int netns_leave(int saved);

/*
 * netns_kill_all - SIGKILL every process whose network namespace is NAME's,
 * and wait (at most @wait_ms) for them to go.  Returns how many were found.
 */
int netns_kill_all(const char *name, int wait_ms);

/*
 * netns_sysctl_write/read - a /proc/sys/net path (e.g. "net/ipv4/tcp_fastopen")
 * inside namespace @fd.  The host's values are never touched: the file is
 * opened by a thread inside @fd.
 */
int netns_sysctl_write(int fd, const char *key, const char *value);
int netns_sysctl_read(int fd, const char *key, char *buf, size_t len);

/*
 * netns_spawn - fork and exec @argv inside namespace @fd (NULL argv[0] is an
 * error), with @env_extra (NULL-terminated "K=V" list, may be NULL) added to
 * the environment.  The child gets PR_SET_PDEATHSIG(SIGKILL) so it never
 * outlives tfolab.  Returns the pid, or a negative errno.
 */
pid_t netns_spawn(int fd, char *const argv[], char *const env_extra[]);


/*
 * netns_throwaway_run - run @fn(@arg) in a forked child inside a new,
 * unnamed network namespace that vanishes when the child exits.  Returns
 * fn's return value (0..125; a negative one becomes 125), or a negative
 * errno: -EPERM when the namespace could not be made, -ECHILD when the
 * child died of a signal, else fork's or waitpid's.  For probing what the
 * kernel allows without touching the host.
 */
int netns_throwaway_run(int (*fn)(void *arg), void *arg);
#endif
