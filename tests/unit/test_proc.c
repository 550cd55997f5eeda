/* os/proc.h: the CPU time of a process and its children (proc_cpu_ns). */
#include <errno.h>
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(children_count),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
