/* The TLS verdict on a load's connections (verify/tls.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "verify/tls.h"

static const char *const hosts[] = { "a.test", "b.test" };

static struct fetch_conn conn(int host, int version, bool resumed, enum tls_early early)
{
	return (struct fetch_conn){ .host = host, .tls = { .version = version, .resumed = resumed, .early = early } };
}

static void full_handshakes(void **state)
{
	char why[200];
	struct fetch_conn c[2] = { conn(0, 0x0304, false, TLS_EARLY_NONE), conn(1, 0x0304, false, TLS_EARLY_NONE) };
	assert_true(tls_verdict(TLS_13, c, 2, hosts, why, sizeof(why)));
	assert_string_equal(why, "TLS: TLS 1.3 on all 2 connections");
	/* The wrong version is named with its connection and host. */
	assert_false(tls_verdict(TLS_12, c, 2, hosts, why, sizeof(why)));
	assert_string_equal(why, "TLS: conn 0 to a.test: TLS 1.3 instead of TLS 1.2");
	/* A handshake that never finished. */
	c[1].tls.version = 0;
	assert_false(tls_verdict(TLS_13, c, 2, hosts, why, sizeof(why)));
	assert_string_equal(why, "TLS: conn 1 to b.test: no finished TLS handshake instead of TLS 1.3");
	/* Plain HTTP must have no TLS at all. */
	assert_false(tls_verdict(TLS_OFF, c, 2, hosts, why, sizeof(why)));
	assert_string_equal(why, "TLS: conn 0 to a.test: TLS 1.3 instead of plain HTTP");
	struct fetch_conn plain[1] = { conn(0, 0, false, TLS_EARLY_NONE) };
	assert_true(tls_verdict(TLS_OFF, plain, 1, hosts, why, sizeof(why)));
}

static void early_data(void **state)
{
	char why[200];
	struct fetch_conn c[2] = { conn(0, 0x0304, true, TLS_EARLY_ACCEPTED), conn(1, 0x0304, true, TLS_EARLY_ACCEPTED) };
	assert_true(tls_verdict(TLS_13_EARLY, c, 2, hosts, why, sizeof(why)));
	assert_non_null(strstr(why, "each resumed with its early data accepted"));
	c[1].tls.early = TLS_EARLY_REJECTED;
	assert_false(tls_verdict(TLS_13_EARLY, c, 2, hosts, why, sizeof(why)));
	assert_string_equal(why, "TLS: conn 1 to b.test: early data rejected");
	c[1].tls.early = TLS_EARLY_NONE;
	assert_false(tls_verdict(TLS_13_EARLY, c, 2, hosts, why, sizeof(why)));
	assert_non_null(strstr(why, "early data not sent"));
	c[0].tls.resumed = false;
	assert_false(tls_verdict(TLS_13_EARLY, c, 2, hosts, why, sizeof(why)));
	assert_non_null(strstr(why, "conn 0 to a.test: a full handshake"));
	/* 1.3 measures full handshakes: a resumed connection does not count. */
	c[0].tls.resumed = true;
	assert_false(tls_verdict(TLS_13, c, 2, hosts, why, sizeof(why)));
	assert_string_equal(why, "TLS: conn 0 to a.test: resumed, where the mode measures a full handshake");
	c[0].tls.resumed = false;
	/* No connection at all is no TLS load. */
	assert_false(tls_verdict(TLS_13, c, 0, hosts, why, sizeof(why)));
	assert_string_equal(why, "TLS: no connection was made");
	assert_true(tls_verdict(TLS_OFF, c, 0, hosts, why, sizeof(why)));
	/* A short buffer is cut, not overrun. */
	char small[10];
	assert_false(tls_verdict(TLS_13_EARLY, c, 2, hosts, small, sizeof(small)));
	assert_int_equal(strlen(small), sizeof(small) - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(full_handshakes),
		cmocka_unit_test(early_data),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
