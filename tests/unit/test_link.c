/* Link parameters: defaults, the buffer rule, and the one-line description. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "emulator/link.h"

#define MS 1000000ull

static void test_init(void **state)
{
	struct link_params p;
	memset(&p, 0xab, sizeof(p));
	link_params_init(&p);
	assert_int_equal(p.up.rate_bps, 0);
	assert_int_equal(p.down.delay_ns, 0);
	assert_int_equal(p.up.limit_pkts, 0);
	assert_int_equal(p.down.limit_bytes, 0);
	assert_true(p.up.loss == 0 && p.down.loss == 0);
	assert_int_equal(p.seed, 1);
	link_params_finish(&p);
	/* Unlimited: no BDP, so the floor applies. */
	assert_int_equal(p.up.limit_pkts, LINK_MIN_QUEUE_PKTS);
	assert_int_equal(p.down.limit_pkts, LINK_MIN_QUEUE_PKTS);
}

static void test_finish_floor(void **state)
{
	/* The paper's link: 4 Mbit/s down, 256 kbit/s up, 200 ms RTT. */
	struct link_params p;
	link_params_init(&p);
	p.down.rate_bps = 4000000;
	p.up.rate_bps = 256000;
	p.down.delay_ns = p.up.delay_ns = 100 * MS;
	link_params_finish(&p);
	/* BDP = 100 kB down: 4x = 267 packets, so the 1000-packet floor wins. */
	assert_int_equal(p.down.limit_pkts, 1000);
	assert_int_equal(p.up.limit_pkts, 1000);
	assert_int_equal(p.down.limit_bytes, 0);
}

static void test_finish_bdp(void **state)
{
	/* 1 Gbit/s, 100 ms RTT: BDP 12.5 MB; 4x = 50 MB = 33333.3 packets. */
	struct link_params p;
	link_params_init(&p);
	p.down.rate_bps = p.up.rate_bps = 1000000000;
	p.down.delay_ns = 30 * MS;
	p.up.delay_ns = 70 * MS;  /* the RTT, not either one-way delay, counts */
	link_params_finish(&p);
	assert_int_equal(p.down.limit_pkts, 33334);
	assert_int_equal(p.up.limit_pkts, 33334);
	assert_true((uint64_t)p.down.limit_pkts * 1500 >= 4ull * 12500000);

	/* An exact multiple is not rounded up further: 1.5 Gbit/s x 100 ms. */
	link_params_init(&p);
	p.down.rate_bps = 1500000000;
	p.down.delay_ns = 100 * MS;
	link_params_finish(&p);
	assert_int_equal(p.down.limit_pkts, 50000);
}

static void test_finish_keeps_limits(void **state)
{
	struct link_params p;
	link_params_init(&p);
	p.down.rate_bps = p.up.rate_bps = 1000000000;
	p.down.delay_ns = p.up.delay_ns = 50 * MS;
	p.down.limit_pkts = 10;
	p.up.limit_bytes = 64000;
	link_params_finish(&p);
	assert_int_equal(p.down.limit_pkts, 10);
	assert_int_equal(p.down.limit_bytes, 0);
	assert_int_equal(p.up.limit_pkts, 0);
	assert_int_equal(p.up.limit_bytes, 64000);
}

static void test_finish_clamps(void **state)
{
	struct link_params p;
	link_params_init(&p);
	p.down.rate_bps = UINT64_MAX;
	p.down.delay_ns = UINT64_MAX;
	p.up.delay_ns = UINT64_MAX;  /* the sum overflows: saturate */
	link_params_finish(&p);
	assert_int_equal(p.down.limit_pkts, UINT32_MAX);
}

static void test_format(void **state)
{
	char buf[128];
	struct link_dir d = {
		.rate_bps = 4000000, .delay_ns = 50 * MS, .limit_pkts = 1000,
	};
	link_dir_format(&d, buf, sizeof(buf));
	assert_string_equal(buf, "4mbit 50ms 1000p");

	d.limit_bytes = 1500000;
	d.loss = 0.001;
	link_dir_format(&d, buf, sizeof(buf));
	assert_string_equal(buf, "4mbit 50ms 1000p 1500000B loss 0.1%");

	struct link_dir u = { .rate_bps = 0, .delay_ns = 0 };
	link_dir_format(&u, buf, sizeof(buf));
	assert_string_equal(buf, "unlimited 0ms");

	struct link_dir w = {
		.rate_bps = 256000, .delay_ns = 250000, .limit_bytes = 64000,
	};
	link_dir_format(&w, buf, sizeof(buf));
	assert_string_equal(buf, "256kbit 250us 64000B");

	struct link_dir big = {
		.rate_bps = UINT64_MAX, .delay_ns = UINT64_MAX,
		.limit_pkts = UINT32_MAX, .limit_bytes = UINT64_MAX, .loss = 0.5,
	};
	link_dir_format(&big, buf, sizeof(buf));
	assert_string_equal(buf, "18446744.073709551615tbit 18446744073.709551615s "
			    "4294967295p 18446744073709551615B loss 50%");

	/* Truncated like snprintf. */
	link_dir_format(&d, buf, 6);
	assert_string_equal(buf, "4mbit");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init),
		cmocka_unit_test(test_finish_floor),
		cmocka_unit_test(test_finish_bdp),
		cmocka_unit_test(test_finish_keeps_limits),
		cmocka_unit_test(test_finish_clamps),
		cmocka_unit_test(test_format),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
