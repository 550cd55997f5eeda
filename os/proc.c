#include "os/proc.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include <time.h>

#include "common/clock.h"

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

/* utime + stime (ticks) and the parent of /proc/@pid/stat; -errno if gone. */
static int stat_cpu(pid_t pid, unsigned long long *ticks, pid_t *ppid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return -errno;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	/* The name (field 2) may hold spaces and parentheses: fields count
	 * from the last ')'. */
	char *p = strrchr(buf, ')');
	int pp;
	unsigned long long ut, st;
	if (!p || sscanf(p + 1, " %*c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
			 &pp, &ut, &st) != 3)
		return -EINVAL;
	*ticks = ut + st;
	*ppid = pp;
	return 0;
}

int64_t proc_cpu_ns(pid_t pid)
{
	unsigned long long total, t;
	pid_t pp;
	int rc = stat_cpu(pid, &total, &pp);
	if (rc < 0)
		return rc;
	DIR *d = opendir("/proc");
	if (!d)
		return -errno;
	struct dirent *e;
	while ((e = readdir(d))) {
		char *end;
		long child = strtol(e->d_name, &end, 10);
		if (*end || child <= 0 || child == pid)
			continue;
		if (stat_cpu((pid_t)child, &t, &pp) == 0 && pp == pid)
			total += t;
	}
	closedir(d);
	long hz = sysconf(_SC_CLK_TCK);
	return (int64_t)(total * (1000000000ull / (unsigned long long)(hz > 0 ? hz : 100)));
}
