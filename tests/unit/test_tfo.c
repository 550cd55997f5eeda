#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "verify/tfo.h"

/* Shaped like a 6.x kernel's files, shortened. */
static const char netstat[] =
	"TcpExt: SyncookiesSent SyncookiesRecv TCPSynRetrans TCPFastOpenActive "
	"TCPFastOpenActiveFail TCPFastOpenPassive TCPFastOpenPassiveFail "
	"TCPFastOpenListenOverflow TCPFastOpenCookieReqd TCPFastOpenBlackhole "
	"TCPFastOpenPassiveAltKey\n"
	"TcpExt: 0 0 3 17 1 12 2 0 5 0 0\n"
	"IpExt: InNoRoutes InTruncatedPkts TCPFastOpenActive\n"
	"IpExt: 0 0 999\n";
static const char snmp[] =
	"Ip: Forwarding DefaultTTL\n"
	"Ip: 1 64\n"
	"Tcp: RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens PassiveOpens "
	"AttemptFails EstabResets CurrEstab InSegs OutSegs RetransSegs InErrs "
	"OutRsts InCsumErrors\n"
	"Tcp: 1 200 120000 -1 13 3 0 0 0 1616 1008 42 0 2 0\n"
	"Udp: InDatagrams\n"
	"Udp: 7\n";

static void parse_sample(void **state)
{
	struct tfo_counters c;
	assert_int_equal(tfo_counters_parse(netstat, snmp, &c), 0);
	assert_int_equal(c.syn_retrans, 3);
	assert_int_equal(c.active, 17);
	assert_int_equal(c.active_fail, 1);
	assert_int_equal(c.passive, 12);
	assert_int_equal(c.passive_fail, 2);
	assert_int_equal(c.listen_overflow, 0);
	assert_int_equal(c.cookie_reqd, 5);
	assert_int_equal(c.blackhole, 0);
	assert_int_equal(c.retrans_segs, 42);
	assert_int_equal(c.active_opens, 13);
}

static void parse_errors(void **state)
{
	struct tfo_counters c;
	memset(&c, 0x55, sizeof(c));
	/* A counter missing (the kernel predates it). */
	assert_int_equal(tfo_counters_parse(
		"TcpExt: TCPFastOpenActive\nTcpExt: 1\n", snmp, &c), -ENOENT);
	/* More names than values. */
	assert_int_equal(tfo_counters_parse(
		"TcpExt: TCPSynRetrans TCPFastOpenActive\nTcpExt: 1\n", snmp, &c),
		-EINVAL);
	/* A value that is not a number. */
	char bad[sizeof(netstat)];
	strcpy(bad, netstat);
	strstr(bad, " 17 ")[1] = 'x';
	assert_int_equal(tfo_counters_parse(bad, snmp, &c), -EINVAL);
	/* RetransSegs comes from snmp. */
	assert_int_equal(tfo_counters_parse(netstat, "Ip: a\nIp: 1\n", &c), -ENOENT);
	/* Nothing was written on failure. */
	assert_int_equal(c.active, 0x5555555555555555ull);
}

static void read_live(void **state)
{
	/* Every kernel we support has the counters in our namespace. */
	struct tfo_counters a, b, d;
	assert_int_equal(tfo_counters_read(&a), 0);
	assert_int_equal(tfo_counters_read(&b), 0);
	tfo_counters_diff(&a, &b, &d);
	assert_true(d.active <= 1000000);
	int mode;
	assert_int_equal(tfo_mode_read(&mode), 0);
	assert_true(mode >= 0);
}

static void diff(void **state)
{
	struct tfo_counters a = { .active = 5, .passive = 9, .retrans_segs = 3 };
	struct tfo_counters b = { .active = 12, .passive = 8, .retrans_segs = 3,
				  .blackhole = 1 };
	struct tfo_counters d;
	tfo_counters_diff(&a, &b, &d);
	assert_int_equal(d.active, 7);
	assert_int_equal(d.passive, 0);   /* went down: not a rise */
	assert_int_equal(d.retrans_segs, 0);
	assert_int_equal(d.blackhole, 1);
}

static void expect(struct tfo_check *c, bool valid, const char *needle)
{
	char why[256];
	assert_int_equal(tfo_verdict(c, why, sizeof(why)), valid);
	if (!strstr(why, needle))
		fail_msg("reason \"%s\" lacks \"%s\"", why, needle);
}

/* One counter rising by 1 alone makes the verdict false, saying @needle. */
static void expect_rise(struct tfo_check *c, uint64_t *counter, const char *needle)
{
	*counter = 1;
	expect(c, false, needle);
	*counter = 0;
}

static void verdict_519(void **state)
{
	bool all[4] = { true, true, true, true };
	bool one_off[4] = { true, true, false, true };
	struct tfo_counters cl = { .active = 4 }, sv = { .passive = 4 };
	struct tfo_check c = { .mode = 519, .new_conns = 4, .syn_data = all,
			       .client = &cl, .server = &sv };
	expect(&c, true, "ok");
	c.syn_data = one_off;
	expect(&c, false, "connection 2");
	c.syn_data = all;
	cl.active = 3;
	expect(&c, false, "TCPFastOpenActive rose by 3, expected 4");
	cl.active = 4;
	sv.passive = 2;
	expect(&c, false, "TCPFastOpenPassive");
	c.server = NULL;
	expect(&c, true, "ok");
	cl.active_fail = 1;
	expect(&c, false, "ActiveFail");
	cl.active_fail = 0;
	cl.blackhole = 1;
	expect(&c, false, "Blackhole");
	/* Client and server in one namespace: one delta serves both. */
	struct tfo_counters both = { .active = 4, .passive = 4 };
	c.client = c.server = &both;
	expect(&c, true, "4 of 4");
	both.listen_overflow = 1;
	expect(&c, false, "ListenOverflow");
}

/* A SYN with data dropped on the link: the kernel fell back (RFC 7413).
 * That is TFO's behaviour on that link, a valid result, counted. */
static void verdict_fallback(void **state)
{
	bool two_off[4] = { true, false, true, false };
	struct tfo_counters cl = { .active = 2, .active_fail = 1, .syn_retrans = 1 },
			    sv = { .passive = 2 };
	struct tfo_check c = { .mode = 519, .new_conns = 4, .syn_data = two_off,
			       .client = &cl, .server = &sv, .link_drops = 0 };
	/* No drop on the link: unexplained, invalid. */
	expect(&c, false, "no drop on the link");
	assert_int_equal(c.fallbacks, 0);
	c.link_drops = 3;
	/* One resent after the handshake (ActiveFail), one that the kernel's
	 * syn_loss state sent without data: both fell back. */
	expect(&c, true, "2 fell back after 3 drops");
	assert_int_equal(c.fallbacks, 2);
	/* The counters must still agree with the flags. */
	cl.active = 3;
	expect(&c, false, "TCPFastOpenActive rose by 3 but 2");
	assert_int_equal(c.fallbacks, 0);
	cl.active = 2;
	cl.active_fail = 3;
	expect(&c, false, "only 2 connections");
	cl.active_fail = 1;
	sv.passive_fail = 1;
	expect(&c, false, "PassiveFail by 1");
	sv.passive_fail = 0;
	/* Blackhole detection is the kernel turning TFO off: never a result. */
	cl.blackhole = 1;
	expect(&c, false, "Blackhole");
	cl.blackhole = 0;
	/* Drops but every SYN acked: the plain verdict, no fallback. */
	bool all[4] = { true, true, true, true };
	c.syn_data = all;
	cl.active = 4;
	cl.active_fail = 0;
	sv.passive = 4;
	expect(&c, true, "4 of 4");
	assert_int_equal(c.fallbacks, 0);
}

static void verdict_off(void **state)
{
	bool none[3] = { false, false, false };
	bool one[3] = { false, true, false };
	struct tfo_counters cl = { .syn_retrans = 2 };
	struct tfo_check c = { .mode = 0, .new_conns = 3, .syn_data = none,
			       .client = &cl };
	expect(&c, true, "none");
	c.syn_data = one;
	expect(&c, false, "1 of 3");
	c.syn_data = none;
	expect_rise(&c, &cl.active, "client off) but TCPFastOpenActive rose by 1 and ActiveFail by 0");
	/* The server accepting SYN data the client never sent is as wrong. */
	struct tfo_counters sv = { 0 };
	c.server = &sv;
	expect_rise(&c, &sv.passive_fail, "the server's TCPFastOpenPassive rose by 0 and "
		    "PassiveFail by 1");
	/* 2 = server only: still no client TFO. */
	c.mode = 2;
	expect(&c, true, "ok");
}

static void verdict_cookies(void **state)
{
	bool some[3] = { false, true, true };
	bool all[3] = { true, true, true };
	struct tfo_counters cl = { .active = 2 };
	struct tfo_check c = { .mode = 3, .new_conns = 3, .syn_data = some,
			       .client = &cl };
	/* Cold: the first connection only fetched the cookie. */
	expect(&c, true, "2 of 3");
	cl.active = 3;
	expect(&c, false, "but 2 connections");
	/* Warm: every connection must carry data. */
	c.warm = true;
	expect(&c, false, "connection 0");
	c.syn_data = all;
	expect(&c, true, "(warm)");
}

/* A browser reports no connection of its own: TcpActiveOpens counts them
 * and the TFO counters must account for each (browser/load.h). */
static void verdict_counters_only(void **state)
{
	struct tfo_counters cl = { .active = 9, .active_opens = 9 }, sv = { .passive = 9 };
	struct tfo_check c = { .mode = 519, .syn_data = NULL, .client = &cl, .server = &sv };
	expect(&c, true, "9 of 9 connections (TcpActiveOpens) with SYN data acked");
	assert_int_equal(c.new_conns, 9);
	/* One connection without SYN data acked, no drop to explain it. */
	cl.active = 8;
	expect(&c, false, "TCPFastOpenActive rose by 8 and ActiveFail by 0 for 9 connections");
	cl.active_fail = 1;
	expect(&c, false, "ActiveFail rose by 1 with no drop on the link");
	/* ... which a drop on the link makes a fallback. */
	c.link_drops = 2;
	expect(&c, true, "1 fell back");
	assert_int_equal(c.fallbacks, 1);
	c.link_drops = 0;
	cl.active = 9, cl.active_fail = 0;
	sv.passive = 7;
	expect(&c, false, "server TCPFastOpenPassive rose by 7 for 9 acked");
	sv.passive = 9;
	/* The client reporting more connections than the kernel opened, or
	 * more SYN data acked than connections: something else was counted. */
	c.new_conns = 10;
	expect(&c, false, "the client reported 10 connections, the kernel counted 9");
	c.new_conns = 9;
	expect(&c, true, "9 of 9");
	c.mode = 3;   /* cold cookies: no SYN data expected, but never more than opens */
	cl.active = 10;
	expect(&c, false, "TCPFastOpenActive rose by 10 and ActiveFail by 0 for 9 connections");
	cl.active = 9;
	c.mode = 519;
	/* No connection at all is no load. */
	cl.active_opens = 0;
	expect(&c, false, "TcpActiveOpens did not rise");
	/* TFO off: nothing may rise. */
	struct tfo_counters off = { .active_opens = 5 }, soff = { 0 };
	struct tfo_check o = { .mode = 0, .client = &off, .server = &soff };
	expect(&o, true, "5 connections (TcpActiveOpens), none with SYN data");
	/* The same check as with per-connection flags (verdict_off). */
	expect_rise(&o, &off.active, "client off) but TCPFastOpenActive rose by 1");
	expect_rise(&o, &off.active_fail, "client off) but TCPFastOpenActive rose by 0 and "
		    "ActiveFail by 1");
	expect_rise(&o, &soff.passive, "client off) but the server's TCPFastOpenPassive rose by 1");
	expect_rise(&o, &soff.passive_fail, "the server's TCPFastOpenPassive rose by 0 and "
		    "PassiveFail by 1");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_sample),
		cmocka_unit_test(parse_errors),
		cmocka_unit_test(read_live),
		cmocka_unit_test(diff),
		cmocka_unit_test(verdict_519),
		cmocka_unit_test(verdict_fallback),
		cmocka_unit_test(verdict_off),
		cmocka_unit_test(verdict_cookies),
		cmocka_unit_test(verdict_counters_only),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
