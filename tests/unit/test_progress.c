/*
 * Progress lines in a log (run/progress.c), driven by a synthetic clock:
 * one line per finished condition, one every 30 s while a condition runs
 * longer, and what each line says.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "run/progress.h"

#define S 1000000000ll

static void test_due(void **state)
{
	struct progress_log pl;
	int64_t t0 = 1000 * S;  /* any origin: only differences count */

	progress_log_start(&pl, 0, t0);
	assert_false(progress_log_due(&pl, 0, t0));
	assert_false(progress_log_due(&pl, 0, t0 + 29 * S));
	assert_false(progress_log_due(&pl, 0, t0 + 30 * S - 1));
	/* A condition that takes longer than 30 s: a line at 30 s, then 30 s later. */
	assert_true(progress_log_due(&pl, 0, t0 + 30 * S));
	progress_log_mark(&pl, 0, t0 + 31 * S);
	assert_false(progress_log_due(&pl, 0, t0 + 60 * S));
	assert_true(progress_log_due(&pl, 0, t0 + 61 * S));
	/* A finished condition gives a line at once, however soon. */
	assert_true(progress_log_due(&pl, 1, t0 + 32 * S));
	progress_log_mark(&pl, 1, t0 + 32 * S);
	assert_false(progress_log_due(&pl, 1, t0 + 33 * S));
	/* Several conditions finished between two checks: one line. */
	assert_true(progress_log_due(&pl, 3, t0 + 34 * S));
	progress_log_mark(&pl, 3, t0 + 34 * S);
	assert_false(progress_log_due(&pl, 3, t0 + 34 * S));
}

/* A resumed run starts with conditions done: no line for them. */
static void test_due_resumed(void **state)
{
	struct progress_log pl;
	progress_log_start(&pl, 10, 0);
	assert_false(progress_log_due(&pl, 10, 5 * S));
	assert_true(progress_log_due(&pl, 11, 6 * S));
}

static void test_eta(void **state)
{
	struct progress_counts c = { .done = 30, .total = 360, .done_here = 30 };
	assert_int_equal(progress_eta_s(&c, 300 * S), 3300);  /* 10 s a trial, 330 left */
	c.done_here = 0;
	assert_int_equal(progress_eta_s(&c, 300 * S), -1);
	/* Resumed: the pace is this invocation's, the trials left the whole run's. */
	c = (struct progress_counts){ .done = 350, .total = 360, .done_here = 10 };
	assert_int_equal(progress_eta_s(&c, 100 * S), 100);
	c.done = 400;  /* more than total (stalls gave up): nothing left */
	assert_int_equal(progress_eta_s(&c, 100 * S), 0);
}

static void test_format(void **state)
{
	char buf[256];
	struct progress_counts c = {
		.done = 31, .total = 360, .done_here = 31, .stalls = 2, .conds_done = 3,
		.conds_total = 24,
	};
	progress_format(&c, 250 * S, buf, sizeof(buf));
	assert_string_equal(buf, "progress: 3/24 conditions, 31/360 trials, 2 stalls, "
			    "elapsed 4m10s, ETA 44m13s");  /* 250 s / 31 * 329 */
	c = (struct progress_counts){ .total = 10, .conds_total = 2, .stalls = 1 };
	progress_format(&c, 7 * S, buf, sizeof(buf));
	assert_string_equal(buf, "progress: 0/2 conditions, 0/10 trials, 1 stall, elapsed 7s, ETA ?");
	c = (struct progress_counts){ .done = 1, .total = 1000, .done_here = 1, .conds_total = 1 };
	progress_format(&c, 5 * S, buf, sizeof(buf));
	assert_string_equal(buf, "progress: 0/1 conditions, 1/1000 trials, 0 stalls, "
			    "elapsed 5s, ETA 1h23m15s");
	progress_format(&c, 5 * S, buf, 9);
	assert_string_equal(buf, "progress");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_due),
		cmocka_unit_test(test_due_resumed),
		cmocka_unit_test(test_eta),
		cmocka_unit_test(test_format),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
