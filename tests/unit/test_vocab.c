/*
 * The shared vocabulary (common/vocab.h): names both ways, the TFO modes'
 * sysctl values, the fetchers, and the link backends' own names against it.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "common/vocab.h"
#include "emulator/backend.h"

static void tfo_modes_both_ways(void **state)
{
	for (int m = 0; m < TFO_MODES; m++)
		assert_int_equal(tfo_mode_parse(tfo_mode_name((enum tfo_mode)m)), m);
	assert_int_equal(tfo_mode_parse("cookie"), TFO_COOKIE);
	assert_string_equal(tfo_mode_name(TFO_ON), "on");
	assert_string_equal(tfo_mode_name(TFO_MODES), "?");
	assert_int_equal(tfo_mode_parse("maybe"), -EINVAL);
	assert_int_equal(tfo_mode_parse(NULL), -EINVAL);
	assert_true(tfo_modes[TFO_COOKIE].cookies);
	assert_false(tfo_modes[TFO_ON].cookies);
}

static void tfo_sysctls(void **state)
{
	assert_int_equal(tfo_mode_sysctl(TFO_OFF, false), 0);
	assert_int_equal(tfo_mode_sysctl(TFO_ON, false), 519);
	assert_int_equal(tfo_mode_sysctl(TFO_COOKIE, false), 3);
	assert_int_equal(tfo_mode_sysctl(TFO_OFF, true), 0);
	assert_int_equal(tfo_mode_sysctl(TFO_ON, true), 0x607);
	assert_int_equal(tfo_mode_sysctl(TFO_COOKIE, true), 0x403);
}

static void backends_and_encodings(void **state)
{
	for (int b = 0; b < BACKEND_CHOICES; b++)
		assert_int_equal(backend_parse(backend_name((enum backend_choice)b)), b);
	assert_int_equal(backend_parse("kernel"), -EINVAL);
	/* The backends' ops tables carry the same names. */
	assert_string_equal(link_userspace_ops.name, backend_name(BACKEND_USERSPACE));
	assert_string_equal(link_netem_ops.name, backend_name(BACKEND_NETEM));
	for (int e = 0; e < ENCODINGS; e++)
		assert_int_equal(encoding_parse(encoding_name((enum body_encoding)e)), e);
	assert_string_equal(encoding_name(ENC_DECODED), "decoded");
	assert_int_equal(encoding_parse("gzip"), -EINVAL);
}

/* The TLS modes and fetchers through the same parser as the TFO modes. */
static void tls_modes_and_fetchers(void **state)
{
	for (int m = 0; m < TLS_MODES; m++)
		assert_int_equal(tls_mode_parse(tls_mode_name((enum tls_mode)m)), m);
	assert_int_equal(tls_mode_parse("1.3-early"), TLS_13_EARLY);
	assert_int_equal(tls_mode_parse("1.4"), -EINVAL);
	for (int f = 0; f < FETCHERS; f++)
		assert_int_equal(fetcher_parse(fetcher_name((enum fetcher)f)), f);
	/* The forms the refusals print name every value they accept. */
	for (int m = 0; m < TLS_MODES; m++)
		assert_non_null(strstr(TLS_MODE_FORM, tls_mode_name((enum tls_mode)m)));
	for (int f = 0; f < FETCHERS; f++)
		assert_non_null(strstr(FETCHER_FORM, fetcher_name((enum fetcher)f)));
	assert_int_equal(fetcher_parse("builtin"), FETCHER_BUILTIN);
	assert_int_equal(fetcher_parse("chromium"), FETCHER_CHROMIUM);
	assert_string_equal(fetcher_title(FETCHER_CHROMIUM), "Chromium");
	assert_string_equal(fetcher_name(FETCHERS), "?");
	assert_int_equal(fetcher_parse("chrome"), -EINVAL);
	assert_int_equal(fetcher_parse(""), -EINVAL);
	assert_int_equal(fetcher_parse(NULL), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tfo_modes_both_ways),
		cmocka_unit_test(tfo_sysctls),
		cmocka_unit_test(backends_and_encodings),
		cmocka_unit_test(tls_modes_and_fetchers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
