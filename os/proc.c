#include "os/proc.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
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
