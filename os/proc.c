#include "os/proc.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>

#include "common/clock.h"
#include "common/log.h"
#include "os/fs.h"

static sigset_t run_signals(void)
{
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGINT);
	sigaddset(&s, SIGTERM);
	sigaddset(&s, SIGHUP);
	sigaddset(&s, SIGCHLD);
	return s;
}

void proc_signals_block(void)
{
	sigset_t s = run_signals();
	sigprocmask(SIG_BLOCK, &s, NULL);
}

/* ---- proc_spawn -------------------------------------------------------- */

/* What the child reports when it fails before or at exec. */
enum { STEP_DUP, STEP_DEVNULL, STEP_DUP2, STEP_EXEC };
static const char *const step_names[] = {"fcntl(F_DUPFD)", "open /dev/null", "dup2", "exec"};
struct spawn_err {
	int step;
	int err;
};

static void __attribute__((noreturn)) child_fail(int errfd, int step)
{
	struct spawn_err e = {step, errno};
	(void)!write(errfd, &e, sizeof(e));
	_exit(127);
}

/*
 * In the child: async-signal-safe calls only, then exec.  Every descriptor
 * we keep is first moved above the highest target (@low), so that none is
 * overwritten before it is copied, nor survives dup2 onto itself with its
 * close-on-exec flag; then all but the targets and @errfd are closed.
 */
static void __attribute__((noreturn))
child_exec(const struct proc_spawn_opts *o, char *const *envp, int errfd, pid_t parent)
{
	if (o->new_group)
		setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(127);   /* tfolab died before the line above */
	struct sigaction dfl = {.sa_handler = SIG_DFL};
	for (int sig = 1; sig < NSIG; sig++)
		sigaction(sig, &dfl, NULL);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);

	int low = 3, src[PROC_SPAWN_MAX_FDS];
	for (size_t i = 0; i < o->nfds; i++)
		if (o->fds[i].dst >= low)
			low = o->fds[i].dst + 1;
	int fd = fcntl(errfd, F_DUPFD_CLOEXEC, low);
	if (fd < 0)
		child_fail(errfd, STEP_DUP);
	errfd = fd;
	int out = o->log_fd >= 0 ? fcntl(o->log_fd, F_DUPFD_CLOEXEC, low) : -1;
	if (o->log_fd >= 0 && out < 0)
		child_fail(errfd, STEP_DUP);
	for (size_t i = 0; i < o->nfds; i++)
		if ((src[i] = fcntl(o->fds[i].src, F_DUPFD_CLOEXEC, low)) < 0)
			child_fail(errfd, STEP_DUP);
	/* Above @low too: opened on a free 0, 1 or 2, dup2 onto itself would
	 * keep its close-on-exec flag and the child start without it. */
	int nul = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (nul < 0)
		child_fail(errfd, STEP_DEVNULL);
	if ((nul = fcntl(nul, F_DUPFD_CLOEXEC, low)) < 0)
		child_fail(errfd, STEP_DUP);
	if (out < 0)
		out = nul;
	if (dup2(nul, 0) < 0 || dup2(o->stdout_null ? nul : out, 1) < 0 || dup2(out, 2) < 0)
		child_fail(errfd, STEP_DUP2);
	for (size_t i = 0; i < o->nfds; i++)
		if (dup2(src[i], o->fds[i].dst) < 0)
			child_fail(errfd, STEP_DUP2);
	/* Inherited descriptors (TUN devices, netlink sockets) must not be
	 * kept alive by the child. */
	for (fd = 3; fd < low; fd++) {
		bool target = false;
		for (size_t i = 0; i < o->nfds; i++)
			target |= o->fds[i].dst == fd;
		if (!target)
			close(fd);
	}
	if (errfd > low)
		close_range((unsigned)low, (unsigned)errfd - 1, 0);
	close_range((unsigned)errfd + 1, ~0u, 0);
	execve(o->path, o->argv, envp);
	child_fail(errfd, STEP_EXEC);
}

/* @base (NULL: environ) less the keys @set names, then @set; malloc'd
 * array of borrowed strings, or NULL with errno set. */
static char **env_merge(char *const *base, char *const *set)
{
	extern char **environ;
	size_t n = 0, k = 0;
	if (!base)
		base = environ;
	for (char *const *e = base; *e; e++)
		n++;
	for (char *const *e = set; e && *e; e++, n++)
		if (!strchr(*e, '=')) {
			errno = EINVAL;
			return NULL;
		}
	char **env = malloc((n + 1) * sizeof(*env));
	if (!env)
		return NULL;
	for (char *const *e = base; *e; e++) {
		bool replaced = false;
		for (char *const *s = set; s && *s && !replaced; s++) {
			size_t key = (size_t)(strchr(*s, '=') - *s) + 1;
			replaced = strncmp(*e, *s, key) == 0;
		}
		if (!replaced)
			env[k++] = *e;
	}
	for (char *const *s = set; s && *s; s++)
		env[k++] = *s;
	env[k] = NULL;
	return env;
}

static bool spawn_opts_valid(const struct proc_spawn_opts *o)
{
	if (!o->path || !o->argv || !o->argv[0] || o->nfds > PROC_SPAWN_MAX_FDS ||
	    (o->nfds && !o->fds))
		return false;
	for (size_t i = 0; i < o->nfds; i++)
		if (o->fds[i].src < 0 || o->fds[i].dst < 3)
			return false;
	return true;
}

pid_t proc_spawn(const struct proc_spawn_opts *o)
{
	const char *name = o->path ? o->path : "(null)";
	if (!spawn_opts_valid(o)) {
		log_err("spawn %s: no argv, or a descriptor to map that is not >= 3", name);
		return -EINVAL;
	}
	int p[2];
	char **env = env_merge(o->envp, o->env_set);
	if (!env || pipe2(p, O_CLOEXEC) < 0) {
		int e = errno;
		log_err("spawn %s: %s: %s", name, env ? "pipe2" : "environment", strerror(e));
		free(env);
		return -e;
	}
	pid_t parent = getpid(), pid = fork();
	if (pid == 0)
		child_exec(o, env, p[1], parent);
	int e = errno;
	close(p[1]);
	free(env);
	if (pid < 0) {
		close(p[0]);
		log_err("spawn %s: fork: %s", name, strerror(e));
		return -e;
	}
	if (o->new_group)
		setpgid(pid, pid);   /* as the child does: whichever runs first */
	struct spawn_err err;
	ssize_t n;
	while ((n = read(p[0], &err, sizeof(err))) < 0 && errno == EINTR)
		;
	close(p[0]);
	if (n != (ssize_t)sizeof(err))
		return pid;   /* end of file: the exec closed the pipe */
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	log_err("spawn %s: %s: %s", name, step_names[err.step], strerror(err.err));
	return err.err > 0 ? -err.err : -ECHILD;
}

int proc_interrupted(void)
{
	sigset_t s;
	struct timespec zero = { 0, 0 };
	sigemptyset(&s);
	sigaddset(&s, SIGINT);
	sigaddset(&s, SIGTERM);
	sigaddset(&s, SIGHUP);
	int sig = sigtimedwait(&s, NULL, &zero);
	return sig > 0 ? sig : 0;
}

int proc_wait_child(pid_t pid, int *status, int timeout_ms)
{
	sigset_t s = run_signals();
	long long deadline = timeout_ms < 0 ? -1 : clock_mono_ms() + timeout_ms;

	for (;;) {
		pid_t r = waitpid(pid, status, WNOHANG);
		if (r == pid)
			return 0;
		if (r < 0 && errno != EINTR)
			return -errno;
		long long left = deadline < 0 ? 100 : deadline - clock_mono_ms();
		if (left <= 0)
			return -ETIMEDOUT;
		if (left > 100)
			left = 100; /* SIGCHLD of another child may be consumed: re-check often */
		struct timespec ts = { left / 1000, (left % 1000) * 1000000 };
		int sig = sigtimedwait(&s, NULL, &ts);
		if (sig == SIGINT || sig == SIGTERM || sig == SIGHUP)
			return sig;
	}
}

int proc_stop(pid_t pid, int grace_ms)
{
	int status = 0;
	if (pid <= 0)
		return 0;
	kill(pid, SIGTERM);
	for (int waited = 0; waited < grace_ms; waited += 10) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return status;
		nanosleep(&(struct timespec){ 0, 10 * 1000000 }, NULL);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return status;
}

int proc_exit_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 1;
}

int proc_has_admin_caps(void)
{
	const unsigned long long net_admin = 1ull << 12, sys_admin = 1ull << 21;
	unsigned long long caps = 0;
	char line[256];
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &caps) == 1)
			break;
	fclose(f);
	return (caps & (net_admin | sys_admin)) == (net_admin | sys_admin);
}

/* Nanoseconds on CPU of the thread @tid of @pid (/proc/PID/task/TID/
 * schedstat, first field), or -errno. */
static int64_t schedstat_ns(pid_t pid, pid_t tid)
{
	char path[80];
	unsigned long long ns;
	snprintf(path, sizeof(path), "/proc/%d/task/%d/schedstat", (int)pid, (int)tid);
	FILE *f = fopen(path, "re");
	if (!f)
		return -errno;
	int n = fscanf(f, "%llu", &ns);
	fclose(f);
	return n == 1 ? (int64_t)ns : -EINVAL;
}

int64_t proc_cpu_ns(pid_t pid)
{
	int64_t total = schedstat_ns(pid, pid);
	if (total < 0)
		return total;
	char path[80];
	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)pid, (int)pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return -errno;
	int child;
	while (fscanf(f, "%d", &child) == 1) {
		int64_t ns = schedstat_ns(child, child);
		if (ns > 0)
			total += ns;   /* a child that just exited adds nothing */
	}
	fclose(f);
	return total;
}

int proc_group_signal(pid_t pgid, int sig, const char *comm)
{
	DIR *d = opendir("/proc");
	if (!d)
		return 0;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		char path[300], buf[512];
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		ssize_t len = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (len <= 0)
			continue;
		buf[len] = '\0';
		/* "pid (comm) state ppid pgrp ..."; comm may hold ") ". */
		char *open_p = strchr(buf, '('), *close_p = strrchr(buf, ')');
		char state;
		int ppid, pgrp;
		if (!open_p || !close_p ||
		    sscanf(close_p + 1, " %c %d %d", &state, &ppid, &pgrp) != 3)
			continue;
		*close_p = '\0';
		if (pgrp != pgid || state == 'Z' || (comm && strcmp(open_p + 1, comm) != 0))
			continue;
		if (sig)
			kill((pid_t)atoi(e->d_name), sig);
		n++;
	}
	closedir(d);
	return n;
}

int proc_cmdline_signal(const char *needle, int sig)
{
	DIR *d = opendir("/proc");
	if (!d)
		return 0;
	int n = 0;
	size_t nlen = strlen(needle);
	struct dirent *e;
	while ((e = readdir(d))) {
		char path[300], buf[65536];
		if (e->d_name[0] < '1' || e->d_name[0] > '9' || atoi(e->d_name) == getpid())
			continue;
		snprintf(path, sizeof(path), "/proc/%s/cmdline", e->d_name);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		ssize_t len = read(fd, buf, sizeof(buf));
		close(fd);
		/* Arguments are NUL-separated: search each. */
		for (ssize_t i = 0; len > 0 && i < len; i += (ssize_t)strnlen(buf + i, (size_t)(len - i)) + 1)
			if (memmem(buf + i, strnlen(buf + i, (size_t)(len - i)), needle, nlen)) {
				if (sig)
					kill((pid_t)atoi(e->d_name), sig);
				n++;
				break;
			}
	}
	closedir(d);
	return n;
}

void proc_sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int proc_group_kill(pid_t pgid, const char *comm, int timeout_ms)
{
	int64_t deadline = clock_mono_ms() + timeout_ms;
	int left;
	while (pgid > 1 && (left = proc_group_signal(pgid, SIGKILL, comm)) > 0) {
		if (clock_mono_ms() >= deadline)
			return left;
		proc_sleep_ms(10);
	}
	return 0;
}

int proc_dirs_cleanup(const char *dir, const char *prefix, const char *kind,
		      const char *pidfile, const char *comm, void (*each)(const char *path))
{
	DIR *d = opendir(dir);
	if (!d) {
		if (errno == ENOENT)
			return 0;
		int rc = -errno;
		log_err("cleanup %s: opendir: %s", dir, strerror(errno));
		return rc;
	}
	char infix[64];
	snprintf(infix, sizeof(infix), "-%s-", kind);
	int removed = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, prefix, strlen(prefix)) != 0 ||
		    !strstr(e->d_name + strlen(prefix), infix))
			continue;
		char path[2 * PATH_MAX], buf[32] = "";
		snprintf(path, sizeof(path), "%s/%s/%s", dir, e->d_name, pidfile);
		int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd >= 0) {
			ssize_t n = read(fd, buf, sizeof(buf) - 1);
			buf[n > 0 ? n : 0] = '\0';
			close(fd);
		}
		pid_t pgid = (pid_t)atoi(buf);
		proc_group_kill(pgid, comm, 2000);
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		log_info("cleanup: removing %s (%s group %d)", path, comm, (int)pgid);
		if (each)
			each(path);
		if (fs_tree_remove(path) == 0)
			removed++;
	}
	closedir(d);
	return removed;
}
