/* os/proc.h: the CPU time of a process and its children (proc_cpu_ns), and
 * proc_spawn with real /bin/sh children. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "os/proc.h"

static int64_t cpu_self_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* A child that used 300 ms of CPU counts in its parent's sum while it
 * lives; a pid that is gone gives an error, not 0. */
static void children_count(void **state)
{
	int64_t before = proc_cpu_ns(getpid());
	assert_true(before >= 0);
	int go[2];
	assert_int_equal(pipe(go), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		while (cpu_self_ns() < 300000000)
			;
		char c = 1;
		(void)!write(go[1], &c, 1);
		pause();
		_exit(0);
	}
	char c;
	assert_int_equal(read(go[0], &c, 1), 1);
	int64_t child = proc_cpu_ns(pid), after = proc_cpu_ns(getpid());
	/* schedstat counts ns: the 300 ms the child measured itself. */
	assert_true(child >= 300000000);
	assert_true(after - before >= 300000000);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	assert_true(proc_cpu_ns(pid) < 0);
}

/* /bin/sh -c @script, with @o's other fields; returns the pid. */
static pid_t sh(struct proc_spawn_opts *o, const char *script)
{
	static char *argv[4];
	argv[0] = "/bin/sh";
	argv[1] = "-c";
	argv[2] = (char *)script;
	argv[3] = NULL;
	o->path = "/bin/sh";
	o->argv = argv;
	return proc_spawn(o);
}

static int wait_code(pid_t pid)
{
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return proc_exit_code(status);
}

/* Reads what the child wrote to @fd until end of file (all its copies
 * closed) into @buf. */
static void read_all(int fd, char *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;
	while (got < len - 1 && (n = read(fd, buf + got, len - 1 - got)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
}

static void spawn_exit_status(void **state)
{
	(void)state;
	struct proc_spawn_opts o = {.log_fd = -1};
	pid_t pid = sh(&o, "exit 3");
	assert_true(pid > 0);
	assert_int_equal(wait_code(pid), 3);
}

/* A mapped descriptor is there under its new number; descriptors not
 * mapped, in the gap below it and above it, are not, even without
 * close-on-exec. */
static void spawn_fd_map(void **state)
{
	(void)state;
	int p[2];
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	int leak_low = dup2(p[1], 4), leak_high = dup2(p[1], 30);
	assert_int_equal(leak_low, 4);
	assert_int_equal(leak_high, 30);
	struct proc_fd_map map[] = {{p[1], 6}};
	struct proc_spawn_opts o = {.log_fd = -1, .fds = map, .nfds = 1};
	pid_t pid = sh(&o, "for n in 4 30; do [ -e /proc/$$/fd/$n ] && echo leaked $n >&6; done; "
			   "echo mapped >&6");
	assert_true(pid > 0);
	close(p[1]);
	close(leak_low);
	close(leak_high);
	char buf[128];
	read_all(p[0], buf, sizeof(buf));
	close(p[0]);
	assert_string_equal(buf, "mapped\n");
	assert_int_equal(wait_code(pid), 0);
}

/* stdout and stderr go to the log (stdout to /dev/null with stdout_null);
 * stdin reads end of file. */
static void spawn_log_fd(void **state)
{
	(void)state;
	const char *dir = getenv("TMPDIR");
	char path[PATH_MAX], buf[128];
	snprintf(path, sizeof(path), "%s/tfl-test-proc-XXXXXX", dir ? dir : "/tmp");
	for (int quiet = 0; quiet < 2; quiet++) {
		int fd = mkostemp(path, O_CLOEXEC);
		assert_true(fd >= 0);
		unlink(path);
		struct proc_spawn_opts o = {.log_fd = fd, .stdout_null = quiet};
		pid_t pid = sh(&o, "echo out; echo err >&2; read x || echo eof >&2");
		assert_true(pid > 0);
		assert_int_equal(wait_code(pid), 0);
		ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
		assert_true(n >= 0);
		buf[n] = '\0';
		assert_string_equal(buf, quiet ? "err\neof\n" : "out\nerr\neof\n");
		close(fd);
		strcpy(path + strlen(path) - 6, "XXXXXX");
	}
}

/* Spawned while our stdin is closed, the child still gets /dev/null as
 * its stdin (the descriptor open() returns is then 0). */
static void spawn_without_stdin(void **state)
{
	(void)state;
	const char *dir = getenv("TMPDIR");
	char path[PATH_MAX], buf[64];
	snprintf(path, sizeof(path), "%s/tfl-test-proc-XXXXXX", dir ? dir : "/tmp");
	int fd = mkostemp(path, O_CLOEXEC);
	assert_true(fd >= 0);
	unlink(path);
	int saved = fcntl(0, F_DUPFD_CLOEXEC, 3);
	assert_true(saved >= 0);
	close(0);
	struct proc_spawn_opts o = {.log_fd = fd};
	pid_t pid = sh(&o, "if [ -e /proc/$$/fd/0 ]; then echo stdin; else echo none; fi");
	assert_int_equal(dup2(saved, 0), 0);
	close(saved);
	assert_true(pid > 0);
	assert_int_equal(wait_code(pid), 0);
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	assert_true(n >= 0);
	buf[n] = '\0';
	assert_string_equal(buf, "stdin\n");
	close(fd);
}

/* With new_group the child leads a group of its own; without, it is in ours. */
static void spawn_group(void **state)
{
	(void)state;
	for (int group = 0; group < 2; group++) {
		int p[2];
		assert_int_equal(pipe2(p, O_CLOEXEC), 0);
		struct proc_fd_map map[] = {{p[0], 3}};
		struct proc_spawn_opts o = {.log_fd = -1, .fds = map, .nfds = 1,
					    .new_group = group};
		pid_t pid = sh(&o, "read x <&3");
		assert_true(pid > 0);
		close(p[0]);
		assert_int_equal(getpgid(pid), group ? pid : getpgid(0));
		close(p[1]);   /* its read ends */
		assert_int_equal(wait_code(pid), 1);
	}
}

/* envp replaces our environment, env_set overrides and adds; with no envp
 * ours is inherited. */
static void spawn_env(void **state)
{
	(void)state;
	char buf[128];
	char *envp[] = {"A=1", "HOME=/x", NULL}, *set[] = {"HOME=/y", "B=2", NULL};
	for (int inherit = 0; inherit < 2; inherit++) {
		int p[2];
		assert_int_equal(pipe2(p, O_CLOEXEC), 0);
		assert_int_equal(setenv("TFL_TEST_OURS", "ours", 1), 0);
		struct proc_fd_map map[] = {{p[1], 3}};
		struct proc_spawn_opts o = {.log_fd = -1, .fds = map, .nfds = 1,
					    .envp = inherit ? NULL : envp, .env_set = set};
		pid_t pid = sh(&o, "echo \"${A-none} $B $HOME ${TFL_TEST_OURS-none}\" >&3");
		assert_true(pid > 0);
		close(p[1]);
		read_all(p[0], buf, sizeof(buf));
		close(p[0]);
		assert_int_equal(wait_code(pid), 0);
		assert_string_equal(buf, inherit ? "none 2 /y ours\n" : "1 2 /y none\n");
	}
	unsetenv("TFL_TEST_OURS");
}

/* Signals we ignore or block are the child's default again. */
static void spawn_signals(void **state)
{
	(void)state;
	sigset_t term, old;
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigprocmask(SIG_BLOCK, &term, &old);
	struct sigaction ign = {.sa_handler = SIG_IGN}, prev;
	sigaction(SIGTERM, &ign, &prev);
	struct proc_spawn_opts o = {.log_fd = -1};
	pid_t pid = sh(&o, "kill -TERM $$; exit 0");
	sigaction(SIGTERM, &prev, NULL);
	sigprocmask(SIG_SETMASK, &old, NULL);
	assert_true(pid > 0);
	assert_int_equal(wait_code(pid), 128 + SIGTERM);
}

/* A program that cannot run is an error of proc_spawn itself, the child
 * reaped; so are bad options. */
static void spawn_missing(void **state)
{
	(void)state;
	char *argv[] = {"/nonexistent/tfl-test", NULL};
	struct proc_spawn_opts o = {.path = argv[0], .argv = argv, .log_fd = -1};
	assert_int_equal(proc_spawn(&o), -ENOENT);
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
	char *dir[] = {"/", NULL};
	o.path = "/";
	o.argv = dir;
	assert_int_equal(proc_spawn(&o), -EACCES);
	struct proc_fd_map map[] = {{1, 2}};
	struct proc_spawn_opts bad = {.path = "/bin/sh", .argv = argv, .log_fd = -1,
				      .fds = map, .nfds = 1};
	assert_int_equal(proc_spawn(&bad), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(children_count),
		cmocka_unit_test(spawn_exit_status),
		cmocka_unit_test(spawn_fd_map),
		cmocka_unit_test(spawn_log_fd),
		cmocka_unit_test(spawn_without_stdin),
		cmocka_unit_test(spawn_group),
		cmocka_unit_test(spawn_env),
		cmocka_unit_test(spawn_signals),
		cmocka_unit_test(spawn_missing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
