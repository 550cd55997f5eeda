/* Unit parsers and formatters: every accepted form and every error class. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "common/units.h"

static void rate_ok(const char *s, uint64_t want)
{
	uint64_t v = 12345;
	int rc = units_parse_rate(s, &v);
	if (rc != 0 || v != want)
		fail_msg("rate \"%s\": rc %d value %llu, want %llu", s, rc,
			 (unsigned long long)v, (unsigned long long)want);
}

static void rate_err(const char *s, int want)
{
	uint64_t v = 12345;
	int rc = units_parse_rate(s, &v);
	if (rc != want)
		fail_msg("rate \"%s\": rc %d, want %d", s ? s : "(null)", rc, want);
	assert_int_equal(v, 12345);  /* untouched on failure */
}

static void test_rate_forms(void **state)
{
	rate_ok("4mbit", 4000000);
	rate_ok("4Mbit", 4000000);
	rate_ok("4MBIT", 4000000);
	rate_ok("256kbit", 256000);
	rate_ok("100mbit", 100000000);
	rate_ok("1gbit", 1000000000);
	rate_ok("2tbit", 2000000000000ull);
	rate_ok("500000bit", 500000);
	rate_ok("1kibit", 1024);
	rate_ok("1mibit", 1048576);
	rate_ok("1gibit", 1073741824);
	rate_ok("1bps", 8);
	rate_ok("1kbps", 8000);
	rate_ok("1mbps", 8000000);
	rate_ok("1gbps", 8000000000ull);
	rate_ok("1.5mbit", 1500000);
	rate_ok(".5mbit", 500000);
	rate_ok("2.mbit", 2000000);
	rate_ok("0.000001mbit", 1);
	rate_ok("1e3kbit", 1000000);
	rate_ok("1E3kbit", 1000000);
	rate_ok("1e+3kbit", 1000000);
	rate_ok("4000e-3kbit", 4000);
	rate_ok("0004mbit", 4000000);
	rate_ok("1.2345678mbit", 1234568);  /* rounded to the nearest bit/s */
	rate_ok("18446744073709551615bit", UINT64_MAX);
	rate_ok("unlimited", 0);
	rate_ok("Unlimited", 0);
	rate_ok("inf", 0);
	rate_ok("INF", 0);
}

static void test_rate_errors(void **state)
{
	rate_err(NULL, -EINVAL);
	rate_err("", -EINVAL);
	rate_err("mbit", -EINVAL);
	rate_err("4mbits", -EINVAL);
	rate_err("4 mbit", -EINVAL);
	rate_err("4 mbit x", -EINVAL);
	rate_err(" 4mbit", -EINVAL);
	rate_err("4mbit ", -EINVAL);
	rate_err("+4mbit", -EINVAL);
	rate_err("0x10mbit", -EINVAL);
	rate_err("nanmbit", -EINVAL);
	rate_err("infmbit", -EINVAL);
	rate_err("4e", -EINVAL);
	rate_err("4embit", -EINVAL);
	rate_err("1.2.3mbit", -EINVAL);
	rate_err(".mbit", -EINVAL);
	rate_err("4mb", -EINVAL);
	rate_err("4tibit", -EINVAL);
	rate_err("--4mbit", -EINVAL);
	rate_err("0", -ERANGE);
	rate_err("500000", -EINVAL);  /* no unit: tc would read bytes/s */
	rate_err("4", -EINVAL);
	rate_err("-4", -EINVAL);
	rate_err("0mbit", -ERANGE);
	rate_err("0.0000001mbit", -ERANGE);  /* 0.1 bit/s rounds to 0 */
	rate_err("-1mbit", -ERANGE);
	rate_err("-0mbit", -ERANGE);
	rate_err("1e999mbit", -ERANGE);
	rate_err("18446744073709551616bit", -ERANGE);
	rate_err("20000000tbit", -ERANGE);
	rate_err("1e-999mbit", -ERANGE);
}

static void time_ok(const char *s, uint64_t want)
{
	uint64_t v = 777;
	int rc = units_parse_time(s, &v);
	if (rc != 0 || v != want)
		fail_msg("time \"%s\": rc %d value %llu, want %llu", s, rc,
			 (unsigned long long)v, (unsigned long long)want);
}

static void time_err(const char *s, int want)
{
	uint64_t v = 777;
	int rc = units_parse_time(s, &v);
	if (rc != want)
		fail_msg("time \"%s\": rc %d, want %d", s ? s : "(null)", rc, want);
	assert_int_equal(v, 777);
}

static void test_time(void **state)
{
	time_ok("100ms", 100000000);
	time_ok("100MS", 100000000);
	time_ok("20ms", 20000000);
	time_ok("1.5s", 1500000000);
	time_ok("250us", 250000);
	time_ok("7ns", 7);
	time_ok("2min", 120000000000ull);
	time_ok("0", 0);  /* 0 is 0 in every unit */
	time_ok("0.0", 0);
	time_ok("0s", 0);
	time_ok("1.000001ms", 1000001);  /* exact, no binary rounding */
	time_ok("0.1ns", 0);

	time_err(NULL, -EINVAL);
	time_err("", -EINVAL);
	time_err("ms", -EINVAL);
	time_err("100mss", -EINVAL);
	time_err("100 ms", -EINVAL);
	time_err("10m", -EINVAL);
	time_err("1h", -EINVAL);
	time_err("-1ms", -ERANGE);
	time_err("-5", -EINVAL);
	time_err("100", -EINVAL);  /* no unit: tc reads 100us, people mean 100ms */
	time_err("0.5", -EINVAL);
	time_err("1e3", -EINVAL);
	time_err("1e999s", -ERANGE);
}

static void test_time_overflow(void **state)
{
	uint64_t v;
	/* 400 min = 2.4e13 ns fits; 1e9 min = 6e19 ns does not. */
	assert_int_equal(units_parse_time("400min", &v), 0);
	assert_int_equal(v, 400ull * 60 * 1000000000);
	assert_int_equal(units_parse_time("1e9min", &v), -ERANGE);
}

static void size_ok(const char *s, uint64_t want)
{
	uint64_t v = 99;
	int rc = units_parse_size(s, &v);
	if (rc != 0 || v != want)
		fail_msg("size \"%s\": rc %d value %llu, want %llu", s, rc,
			 (unsigned long long)v, (unsigned long long)want);
}

static void test_size(void **state)
{
	uint64_t v = 99;

	size_ok("1500", 1500);
	size_ok("1500B", 1500);
	size_ok("1500b", 1500);
	size_ok("64k", 64000);
	size_ok("64kB", 64000);
	size_ok("64KB", 64000);
	size_ok("1.5MB", 1500000);
	size_ok("1.5M", 1500000);
	size_ok("2GB", 2000000000);
	size_ok("2G", 2000000000);
	size_ok("1KiB", 1024);
	size_ok("2MiB", 2097152);
	size_ok("1GiB", 1073741824);
	size_ok("0", 0);

	assert_int_equal(units_parse_size("", &v), -EINVAL);
	assert_int_equal(units_parse_size("kB", &v), -EINVAL);
	assert_int_equal(units_parse_size("1.5 MB", &v), -EINVAL);
	assert_int_equal(units_parse_size("1.5MBB", &v), -EINVAL);
	assert_int_equal(units_parse_size("1TB", &v), -EINVAL);
	assert_int_equal(units_parse_size("-1kB", &v), -ERANGE);
	assert_int_equal(units_parse_size("1e30GB", &v), -ERANGE);
	assert_int_equal(v, 99);
}

static void queue_ok(const char *s, uint32_t want_p, uint64_t want_b)
{
	uint32_t p = 5;
	uint64_t b = 5;
	int rc = units_parse_queue(s, &p, &b);
	if (rc != 0 || p != want_p || b != want_b)
		fail_msg("queue \"%s\": rc %d pkts %u bytes %llu", s, rc, p,
			 (unsigned long long)b);
}

static void queue_err(const char *s, int want)
{
	uint32_t p = 5;
	uint64_t b = 5;
	int rc = units_parse_queue(s, &p, &b);
	if (rc != want)
		fail_msg("queue \"%s\": rc %d, want %d", s ? s : "(null)", rc, want);
	assert_int_equal(p, 5);
	assert_int_equal(b, 5);
}

static void test_queue(void **state)
{
	queue_ok("1000p", 1000, 0);
	queue_ok("1000P", 1000, 0);
	queue_ok("1.5MB", 0, 1500000);
	queue_ok("64000B", 0, 64000);
	queue_ok("1000p,1.5MB", 1000, 1500000);
	queue_ok("1.5MB,1000p", 1000, 1500000);
	queue_ok("4294967295p", UINT32_MAX, 0);

	queue_err(NULL, -EINVAL);
	queue_err("", -EINVAL);
	queue_err("p", -EINVAL);
	queue_err("1000", -EINVAL);       /* packets or bytes? */
	queue_err("1.5p", -EINVAL);
	queue_err("1e3p", -EINVAL);
	queue_err("1000p,", -EINVAL);
	queue_err(",1000p", -EINVAL);
	queue_err("1000p,2000p", -EINVAL);
	queue_err("1MB,2MB", -EINVAL);
	queue_err("1000p,1MB,3p", -EINVAL);
	queue_err("1000 p", -EINVAL);
	queue_err("1000pkts", -EINVAL);
	queue_err("0", -ERANGE);
	queue_err("0p", -ERANGE);
	queue_err("0MB", -ERANGE);
	queue_err("1000p,0MB", -ERANGE);
	queue_err("-5p", -ERANGE);
	queue_err("-1MB", -ERANGE);
	queue_err("4294967296p", -ERANGE);
}

static void test_percent(void **state)
{
	double f = -1;

	assert_int_equal(units_parse_percent("0.1%", &f), 0);
	assert_true(f == 0.001);
	assert_int_equal(units_parse_percent("10%", &f), 0);
	assert_true(f == 0.1);
	assert_int_equal(units_parse_percent("1e-2%", &f), 0);
	assert_true(f == 0.0001);
	assert_int_equal(units_parse_percent("99.5%", &f), 0);
	assert_true(f == 0.995);
	assert_int_equal(units_parse_percent("0", &f), 0);
	assert_true(f == 0);
	f = 5;
	assert_int_equal(units_parse_percent("0%", &f), 0);
	assert_true(f == 0);

	f = 7;
	assert_int_equal(units_parse_percent(NULL, &f), -EINVAL);
	assert_int_equal(units_parse_percent("", &f), -EINVAL);
	assert_int_equal(units_parse_percent("%", &f), -EINVAL);
	assert_int_equal(units_parse_percent("0.1", &f), -EINVAL);  /* 0.1 or 10%? */
	assert_int_equal(units_parse_percent("1 %", &f), -EINVAL);
	assert_int_equal(units_parse_percent("1%%", &f), -EINVAL);
	assert_int_equal(units_parse_percent("1%x", &f), -EINVAL);
	assert_int_equal(units_parse_percent("100%", &f), -ERANGE);
	assert_int_equal(units_parse_percent("150%", &f), -ERANGE);
	assert_int_equal(units_parse_percent("1e999%", &f), -ERANGE);
	assert_int_equal(units_parse_percent("-1%", &f), -ERANGE);
	assert_true(f == 7);
}

static void test_format_rate(void **state)
{
	char buf[64];
	static const struct { uint64_t v; const char *s; } cases[] = {
		{ 4000000, "4mbit" }, { 256000, "256kbit" }, { 0, "unlimited" },
		{ 1500000, "1.5mbit" }, { 1, "1bit" }, { 999, "999bit" },
		{ 1000, "1kbit" }, { 1000000000, "1gbit" }, { 1234567, "1.234567mbit" },
		{ 1000001, "1.000001mbit" }, { 2000000000000ull, "2tbit" },
		{ UINT64_MAX, "18446744.073709551615tbit" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		units_format_rate(cases[i].v, buf, sizeof(buf));
		assert_string_equal(buf, cases[i].s);
		uint64_t back = 1;
		assert_int_equal(units_parse_rate(buf, &back), 0);
		assert_true(back == cases[i].v);
	}
	/* Truncates like snprintf, and a zero length writes nothing. */
	units_format_rate(1500000, buf, 4);
	assert_string_equal(buf, "1.5");
	buf[0] = 'x';
	units_format_rate(1500000, buf, 0);
	assert_int_equal(buf[0], 'x');
}

static void test_format_time(void **state)
{
	char buf[64];
	static const struct { uint64_t v; const char *s; } cases[] = {
		{ 100000000, "100ms" }, { 250000, "250us" }, { 1500000000, "1.5s" },
		{ 0, "0ms" }, { 7, "7ns" }, { 1500, "1.5us" }, { 1000001, "1.000001ms" },
		{ 120000000000ull, "120s" }, { 20000000, "20ms" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		units_format_time(cases[i].v, buf, sizeof(buf));
		assert_string_equal(buf, cases[i].s);
		uint64_t back = 1;
		assert_int_equal(units_parse_time(buf, &back), 0);
		assert_true(back == cases[i].v);
	}
}

/* A sweep of values survives format -> parse unchanged. */
static void test_round_trip(void **state)
{
	char buf[64];
	uint64_t x = 88172645463325252ull;
	for (int i = 0; i < 20000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		uint64_t v = x >> (x % 64);
		if (v == 0)
			v = 1;
		uint64_t back = 0;
		units_format_rate(v, buf, sizeof(buf));
		assert_int_equal(units_parse_rate(buf, &back), 0);
		assert_true(back == v);
		units_format_time(v, buf, sizeof(buf));
		assert_int_equal(units_parse_time(buf, &back), 0);
		assert_true(back == v);
	}
}

static void test_bare(void **state)
{
	char buf[64];

	assert_true(units_is_bare("100"));
	assert_true(units_is_bare("0.5"));
	assert_true(units_is_bare("-3"));
	assert_false(units_is_bare("100ms"));
	assert_false(units_is_bare(""));
	assert_false(units_is_bare(NULL));
	assert_false(units_is_bare("unlimited"));
	units_bare_hint("100", 't', buf, sizeof(buf));
	assert_string_equal(buf, "write 100ms");
	units_bare_hint("30", 's', buf, sizeof(buf));
	assert_string_equal(buf, "write 30s");
	units_bare_hint("4", 'r', buf, sizeof(buf));
	assert_string_equal(buf, "write 4mbit or 4kbit");
}

/* Counts: digits only, inside the bounds (experiment keys, --drop-syn-data). */
static void test_count(void **state)
{
	uint64_t v = 7;
	assert_int_equal(units_parse_count("0", 0, 10, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(units_parse_count("1000000", 0, 1000000, &v), 0);
	assert_int_equal(v, 1000000);
	assert_int_equal(units_parse_count("1000001", 0, 1000000, &v), -ERANGE);
	assert_int_equal(units_parse_count("99999999999999999999999", 0, 10, &v), -ERANGE);
	assert_int_equal(units_parse_count("-1", 0, 10, &v), -ERANGE);
	assert_int_equal(units_parse_count("0", 1, 10, &v), -ERANGE);
	assert_int_equal(units_parse_count("", 0, 10, &v), -EINVAL);
	assert_int_equal(units_parse_count("1x", 0, 10, &v), -EINVAL);
	assert_int_equal(units_parse_count(" 1", 0, 10, &v), -EINVAL);
	assert_int_equal(units_parse_count("+1", 0, 10, &v), -EINVAL);
	assert_int_equal(units_parse_count("-", 0, 10, &v), -EINVAL);
	assert_int_equal(v, 1000000);   /* untouched on failure */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_count),
		cmocka_unit_test(test_rate_forms),
		cmocka_unit_test(test_bare),
		cmocka_unit_test(test_rate_errors),
		cmocka_unit_test(test_time),
		cmocka_unit_test(test_time_overflow),
		cmocka_unit_test(test_size),
		cmocka_unit_test(test_queue),
		cmocka_unit_test(test_percent),
		cmocka_unit_test(test_format_rate),
		cmocka_unit_test(test_format_time),
		cmocka_unit_test(test_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
