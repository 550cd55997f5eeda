/*
 * Child processes and the signals that end a run.  A command that builds a
 * testbed blocks SIGINT/SIGTERM/SIGHUP/SIGCHLD first (proc_signals_block), so
 * that an interrupt can never land between a setup step and the record of
 * its undo; it then waits for them synchronously (proc_wait_any) and tears
 * everything down before it exits.  Children unblock them (proc_spawn,
 * netns_spawn).
 */
#ifndef TFOLAB_OS_PROC_H
#define TFOLAB_OS_PROC_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

void proc_signals_block(void);

#define PROC_SPAWN_MAX_FDS 8

/* A descriptor of ours (@src) that the child gets as @dst (>= 3). */
struct proc_fd_map {
	int src;
	int dst;
};

struct proc_spawn_opts {
	const char *path;        /* the program, run as is (no PATH search) */
	char *const *argv;       /* its arguments, argv[0] included, NULL-terminated */
	char *const *envp;       /* its environment; NULL: ours */
	char *const *env_set;    /* "K=V" entries that replace or add to it; may be NULL */
	int log_fd;              /* its stderr and stdout; -1: /dev/null (0 is stdin!) */
	bool stdout_null;        /* stdout to /dev/null all the same */
	const struct proc_fd_map *fds;   /* more descriptors, at most PROC_SPAWN_MAX_FDS */
	size_t nfds;
	bool new_group;          /* its own process group, pgid = pid */
};

/*
 * proc_spawn - fork and exec @o->path as @o's fields say.  The child has
 * stdin on /dev/null, stdout and stderr as @o->log_fd says, the @o->fds
 * and no other descriptor; every signal at its default disposition and
 * unblocked; PR_SET_PDEATHSIG(SIGKILL), so it never outlives tfolab; our
 * cwd and network namespace.  Everything is built before fork: the child
 * allocates nothing.
 *
 * Returns the pid only once the exec succeeded.  When it failed (a missing
 * program, say), or a step before it, the child tells us over a
 * close-on-exec pipe and exits 127; we reap it, log "spawn PATH: STEP:
 * ERROR" once and return the negative errno.  Other errors: a negative
 * errno, logged (-EINVAL for bad @o).  The caller reaps a returned child.
 */
pid_t proc_spawn(const struct proc_spawn_opts *o);

/*
 * proc_interrupted - non-blocking: the pending SIGINT/SIGTERM/SIGHUP number
 * (consumed), or 0.  Long loops poll it between steps.
 */
int proc_interrupted(void);

/*
 * proc_wait_child - wait until @pid exits (status in *@status, as waitpid
 * gives it), a terminating signal arrives (returns its number, the child is
 * left running), or @timeout_ms passes (-ETIMEDOUT; < 0 = no timeout).
 * Returns 0 when the child exited.
 */
int proc_wait_child(pid_t pid, int *status, int timeout_ms);

/* proc_stop - SIGTERM @pid, SIGKILL after @grace_ms, reap it.  Returns its status. */
int proc_stop(pid_t pid, int grace_ms);

/* proc_exit_code - the shell's view of a wait status: code, or 128+signal. */
int proc_exit_code(int status);

/* proc_has_admin_caps - 1 if we hold CAP_SYS_ADMIN and CAP_NET_ADMIN (namespaces). */
int proc_has_admin_caps(void);

/*
 * proc_cpu_ns - the time on CPU, in ns, of process @pid's main thread and
 * of its children's main threads so far (/proc/PID/task/PID/schedstat,
 * exact to the ns, and .../children): for nginx, the master and its
 * single-threaded workers.  Returns it (>= 0), or a negative errno when
 * @pid is gone or the kernel lacks schedstat or the children list (not
 * logged: the caller records "unknown").
 */
int64_t proc_cpu_ns(pid_t pid);

/*
 * proc_group_signal - send @sig (0: only count) to every live (non-zombie)
 * process of process group @pgid, only to those whose command name is
 * @comm when @comm is not NULL, and return how many there were.  Through
 * /proc, because a group's members outlive its leader (then nobody's
 * children).
 */
int proc_group_signal(pid_t pgid, int sig, const char *comm);

/*
 * proc_group_kill - SIGKILL process group @pgid (members named @comm, or
 * all) until none is left or @timeout_ms passed.  Returns how many were
 * left (0 = gone).
 */
int proc_group_kill(pid_t pgid, const char *comm, int timeout_ms);

/*
 * proc_cmdline_signal - send @sig (0: only count) to every live process
 * whose command line holds @needle (a run's own directory, say: helpers
 * that left the process group, as Chromium's crash handler does, still
 * name it).  Returns how many there were.
 */
int proc_cmdline_signal(const char *needle, int sig);

/*
 * proc_dirs_cleanup - the undo of a crashed run's process directories:
 * for every entry of @dir named @prefix...-@kind-... (so prefix "tfl-"
 * matches every run), SIGKILL the process group whose id its file
 * @pidfile holds (only members named @comm: a recycled id must not cost a
 * stranger its life), call @each (may be NULL) with the entry's path, and
 * remove the entry.  Returns the number removed, or a negative errno.
 */
int proc_dirs_cleanup(const char *dir, const char *prefix, const char *kind,
		      const char *pidfile, const char *comm, void (*each)(const char *path));

/* proc_sleep_ms - sleep @ms milliseconds (interrupted sleeps resume). */
void proc_sleep_ms(int ms);

#endif
