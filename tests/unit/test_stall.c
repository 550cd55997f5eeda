/* Host stalls: the verdict on a trial's link counters and the steal reader. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "verify/stall.h"

static void verdict(void **state)
{
	struct link_stats up = { .late_pkts = 3, .late_max_ns = 9999999 };
	struct link_stats down = { .late_pkts = 1, .late_max_ns = 2000000 };
	char why[200] = "untouched";
	/* Late, but under the limit: no stall, the reason is left alone. */
	assert_false(stall_verdict(&up, &down, STALL_LIMIT_NS, why, sizeof(why)));
	assert_string_equal(why, "untouched");
	/* One packet at the limit is a stall, named with its direction. */
	down.late_max_ns = STALL_LIMIT_NS;
	assert_true(stall_verdict(&up, &down, STALL_LIMIT_NS, why, sizeof(why)));
	assert_non_null(strstr(why, "host stall"));
	assert_non_null(strstr(why, "10.0 ms late (down"));
	assert_non_null(strstr(why, "4 packets"));
	up.late_max_ns = 250000000;
	assert_true(stall_verdict(&up, &down, STALL_LIMIT_NS, why, sizeof(why)));
	assert_non_null(strstr(why, "250.0 ms late (up"));
	/* A short buffer is cut, not overrun. */
	char small[12];
	assert_true(stall_verdict(&up, &down, STALL_LIMIT_NS, small, sizeof(small)));
	assert_int_equal(strlen(small), sizeof(small) - 1);
	/* A backend that sees no lateness (netem) never reports a stall. */
	struct link_stats zero = { 0 };
	assert_false(stall_verdict(&zero, &zero, STALL_LIMIT_NS, why, sizeof(why)));
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void steal(void **state)
{
	char path[] = "/tmp/tfolab-stat-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	uint64_t ns = 0;
	long hz = sysconf(_SC_CLK_TCK);
	write_file(path, "cpu  229657 2513 124015 1357174 1234 0 68285 181347 0 0\ncpu0 1 2 3\n");
	assert_int_equal(stall_steal_read(path, &ns), 0);
	assert_int_equal(ns, 181347ull * (1000000000ull / (uint64_t)hz));
	/* A kernel without the steal field, or no cpu line: an error. */
	write_file(path, "cpu  1 2 3 4 5 6 7\n");
	assert_int_equal(stall_steal_read(path, &ns), -EINVAL);
	write_file(path, "intr 5\n");
	assert_int_equal(stall_steal_read(path, &ns), -EINVAL);
	unlink(path);
	assert_int_equal(stall_steal_read(path, &ns), -ENOENT);
	/* The real one reads. */
	assert_int_equal(stall_steal_read("/proc/stat", &ns), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(verdict),
		cmocka_unit_test(steal),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
