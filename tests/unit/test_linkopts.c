/*
 * The link options of link and load (cli/linkopts.c): --preset and the
 * explicit options that override single fields of it, in either order.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli/prologue/linkopts.h"
#include "common/units.h"

#define MS 1000000ull

/* Parse "opt arg" pairs, as getopt_long would hand them over, then finish. */
static int parse(struct linkopts *lo, const int *opts, const char *const *args, size_t n)
{
	linkopts_init(lo);
	for (size_t i = 0; i < n; i++) {
		int rc = linkopts_parse(lo, "t", opts[i], args[i]);
		if (rc != 1)
			return rc;
	}
	linkopts_finish(lo);
	return 0;
}

static void test_preset_alone(void **state)
{
	struct linkopts lo;
	int o[] = { LINKOPT_PRESET };
	const char *a[] = { "tfo-paper" };

	assert_int_equal(parse(&lo, o, a, 1), 0);
	assert_int_equal(lo.link.down.rate_bps, 4000000);
	assert_int_equal(lo.link.up.rate_bps, 256000);
	assert_int_equal(lo.link.up.delay_ns, 50 * MS);   /* 100ms, split in halves */
	assert_int_equal(lo.link.down.delay_ns, 50 * MS);

	const char *b[] = { "wpt-3g" };
	assert_int_equal(parse(&lo, o, b, 1), 0);
	assert_int_equal(lo.link.down.rate_bps, 1600000);
	assert_int_equal(lo.link.up.rate_bps, 768000);
	assert_int_equal(lo.link.up.delay_ns + lo.link.down.delay_ns, 300 * MS);
}

static void test_preset_override(void **state)
{
	struct linkopts lo;
	/* Before and after the preset: the explicit option wins either way. */
	int o1[] = { LINKOPT_RTT, LINKOPT_PRESET, LINKOPT_UP };
	const char *a1[] = { "20ms", "wpt-cable", "2mbit" };
	assert_int_equal(parse(&lo, o1, a1, 3), 0);
	assert_int_equal(lo.link.up.delay_ns, 10 * MS);
	assert_int_equal(lo.link.down.delay_ns, 10 * MS);
	assert_int_equal(lo.link.down.rate_bps, 5000000);
	assert_int_equal(lo.link.up.rate_bps, 2000000);

	/* --delay-up overrides one direction; the other keeps the preset's half. */
	int o2[] = { LINKOPT_PRESET, LINKOPT_DELAY_UP };
	const char *a2[] = { "wpt-dsl", "5ms" };
	assert_int_equal(parse(&lo, o2, a2, 2), 0);
	assert_int_equal(lo.link.up.delay_ns, 5 * MS);
	assert_int_equal(lo.link.down.delay_ns, 25 * MS);
}

/* Parse one option, expecting -EINVAL and exactly the line @msg on stderr. */
static void refused(int opt, const char *arg, const char *msg)
{
	struct linkopts lo;
	int o[] = { opt };
	const char *a[] = { arg };
	int saved = dup(2);
	FILE *f = tmpfile();
	char buf[512] = "";

	fflush(stderr);
	dup2(fileno(f), 2);
	int rc = parse(&lo, o, a, 1);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(f);
	buf[fread(buf, 1, sizeof(buf) - 1, f)] = '\0';
	fclose(f);
	assert_int_equal(rc, -EINVAL);
	assert_string_equal(buf, msg);
}

static void test_refused(void **state)
{
	refused(LINKOPT_PRESET, "wpt-5g",
		"tfolab t: --preset: \"wpt-5g\" is not a link preset (use " PRESET_FORM ")\n");
	/* A bare number is refused with the unit to write. */
	refused(LINKOPT_RTT, "100", "tfolab t: --rtt: \"100\" has no unit (write 100ms)\n");
	refused(LINKOPT_DELAY_UP, "5", "tfolab t: --delay-up: \"5\" has no unit (write 5ms)\n");
	refused(LINKOPT_DOWN, "4", "tfolab t: --down: \"4\" has no unit (write 4mbit or 4kbit)\n");
	refused(LINKOPT_UP, "0", "tfolab t: --up: \"0\" is not a positive rate (use "
		UNITS_RATE_FORM ")\n");
}

/* --rtt 0 is no delay: zero needs no unit. */
static void test_rtt_zero(void **state)
{
	struct linkopts lo;
	int o[] = { LINKOPT_PRESET, LINKOPT_RTT };
	const char *a[] = { "wpt-3g", "0" };
	assert_int_equal(parse(&lo, o, a, 2), 0);
	assert_int_equal(lo.link.up.delay_ns, 0);
	assert_int_equal(lo.link.down.delay_ns, 0);
	assert_int_equal(lo.link.down.rate_bps, 1600000);
}

/* Every preset has a name in PRESET_FORM, a source and a default RTT in range. */
static void test_preset_table(void **state)
{
	assert_int_equal(link_presets_count, 6);
	for (size_t i = 0; i < link_presets_count; i++) {
		const struct link_preset *p = &link_presets[i];
		assert_non_null(strstr(PRESET_FORM, p->name));
		assert_true(strlen(p->source) > 0);
		assert_true(p->n_rtt >= 1 && p->n_rtt <= PRESET_MAX_RTTS);
		assert_true(p->default_rtt < p->n_rtt);
		assert_ptr_equal(link_preset_find(p->name), p);
	}
	assert_null(link_preset_find("TFO-PAPER"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_preset_alone),
		cmocka_unit_test(test_preset_override),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_rtt_zero),
		cmocka_unit_test(test_preset_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
