/* The runner's repeat policy for host stalls (runner_wants_trial). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "run/runner.h"

/*
 * Plays runner_group's loop for two cells (off, on) of @trials rounds with
 * the stall pattern @stalls ('s' = the load stalled, '.' = it counted, one
 * character per load in the order they run); writes the order of loads
 * ('A' off, 'B' on) into @order and returns the number of loads.
 */
static int play(uint32_t trials, const char *stalls, int done[2], int stalled[2], char *order)
{
	int loads = 0;
	for (uint32_t t = 0; t < trials; t++)
		for (int k = 0; k < 2; k++)
			while (runner_wants_trial(done[k], stalled[k], trials, t)) {
				int stall = stalls[loads] == 's';
				order[loads++] = (char)('A' + k);
				if (stall)
					stalled[k]++;
				else
					done[k]++;
			}
	order[loads] = 0;
	return loads;
}

static void no_stalls(void **state)
{
	int done[2] = { 0, 0 }, stalled[2] = { 0, 0 };
	char order[64];
	assert_int_equal(play(3, "......", done, stalled, order), 6);
	assert_string_equal(order, "ABABAB");
}

static void a_stall_is_repeated_in_its_round(void **state)
{
	int done[2] = { 0, 0 }, stalled[2] = { 0, 0 };
	char order[64];
	/* The second load (B of round 0) stalls: B again, then round 1. */
	assert_int_equal(play(2, ".s....", done, stalled, order), 5);
	assert_string_equal(order, "ABBAB");
	assert_int_equal(done[1], 2);
	assert_int_equal(stalled[1], 1);
}

static void a_machine_that_always_stalls_ends(void **state)
{
	int done[2] = { 0, 0 }, stalled[2] = { 0, 0 };
	char order[64], all[64];
	memset(all, 's', sizeof(all) - 1);
	all[sizeof(all) - 1] = 0;
	/* trials + 1 stalls per cell, then it gives up for good, in every
	 * later round too. */
	assert_int_equal(play(3, all, done, stalled, order), 8);
	assert_string_equal(order, "AAAABBBB");
	assert_int_equal(done[0], 0);
	assert_int_equal(stalled[0], 4);
	/* A resumed run that finds it so does not try again. */
	assert_int_equal(play(3, all, done, stalled, order), 0);
}

static void giving_up_keeps_what_it_has(void **state)
{
	int done[2] = { 0, 0 }, stalled[2] = { 0, 0 };
	char order[64];
	/* Round 0 counts; then A stalls 3 times (trials = 2): A gives up, B
	 * goes on alone. */
	assert_int_equal(play(2, "..sss.", done, stalled, order), 6);
	assert_string_equal(order, "ABAAAB");
	assert_int_equal(done[0], 1);
	assert_int_equal(done[1], 2);
}

static void resume_goes_on_where_it_stopped(void **state)
{
	/* Stored: A counted 1 and stalled 1, B counted 1: round 1 next. */
	int done[2] = { 1, 1 }, stalled[2] = { 1, 0 };
	char order[64];
	assert_int_equal(play(2, "..", done, stalled, order), 2);
	assert_string_equal(order, "AB");
	assert_int_equal(done[0], 2);
	assert_int_equal(done[1], 2);
}

static void pause_backs_off(void **state)
{
	assert_int_equal(runner_stall_pause_s(0), 0);
	assert_int_equal(runner_stall_pause_s(1), 1);
	assert_int_equal(runner_stall_pause_s(2), 2);
	assert_int_equal(runner_stall_pause_s(4), 8);
	assert_int_equal(runner_stall_pause_s(5), 16);
	assert_int_equal(runner_stall_pause_s(50), 16);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(no_stalls),
		cmocka_unit_test(a_stall_is_repeated_in_its_round),
		cmocka_unit_test(a_machine_that_always_stalls_ends),
		cmocka_unit_test(giving_up_keeps_what_it_has),
		cmocka_unit_test(resume_goes_on_where_it_stopped),
		cmocka_unit_test(pause_backs_off),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
