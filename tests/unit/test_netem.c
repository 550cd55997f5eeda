/*
 * The netem backend's message building: the RTM_NEWQDISC requests are parsed
 * back and their fields checked against figures computed here, in the
 * kernel's units (latency in psched ticks read from /proc/net/psched, loss
 * as a fraction of UINT32_MAX, tbf rate in frame bytes/s, buffer in ticks).
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/errno.h>
#include <netlink/msg.h>
#include <netlink/route/qdisc.h>
#include <netlink/utils.h>

#include "emulator/link.h"
#include "emulator/netem.h"

#define IFX 7  /* any interface index: nothing is sent */
#define MS 1000000ull

/* Kernel ticks per microsecond, as /proc/net/psched tells (ns/us over ns/tick). */
static double ticks_per_us(void)
{
	unsigned t2us, us2t, clock, hz;
	FILE *f = fopen("/proc/net/psched", "r");
	if (!f)
		return 0;
	int n = fscanf(f, "%x %x %x %x", &t2us, &us2t, &clock, &hz);
	fclose(f);
	if (n != 4 || !us2t)
		return 0;
	return (double)t2us / us2t;
}

struct parsed {
	struct tcmsg tcm;
	char kind[16];
	struct tc_netem_qopt netem;
	struct tc_tbf_qopt tbf;
	int has_rtab;
};

static void parse(struct nl_msg *msg, struct parsed *p)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct nlattr *tb[TCA_MAX + 1];
	memset(p, 0, sizeof(*p));
	assert_int_equal(nlh->nlmsg_type, RTM_NEWQDISC);
	assert_true(nlh->nlmsg_flags & NLM_F_CREATE);
	assert_true(nlh->nlmsg_flags & NLM_F_EXCL);
	assert_int_equal(nlmsg_parse(nlh, sizeof(struct tcmsg), tb, TCA_MAX, NULL), 0);
	memcpy(&p->tcm, nlmsg_data(nlh), sizeof(p->tcm));
	assert_non_null(tb[TCA_KIND]);
	assert_non_null(tb[TCA_OPTIONS]);
	nla_strlcpy(p->kind, tb[TCA_KIND], sizeof(p->kind));
	if (!strcmp(p->kind, "netem")) {
		assert_true(nla_len(tb[TCA_OPTIONS]) >= (int)sizeof(p->netem));
		memcpy(&p->netem, nla_data(tb[TCA_OPTIONS]), sizeof(p->netem));
	} else if (!strcmp(p->kind, "tbf")) {
		struct nlattr *tt[TCA_TBF_MAX + 1];
		assert_int_equal(nla_parse_nested(tt, TCA_TBF_MAX, tb[TCA_OPTIONS], NULL), 0);
		assert_non_null(tt[TCA_TBF_PARMS]);
		assert_true(nla_len(tt[TCA_TBF_PARMS]) >= (int)sizeof(p->tbf));
		memcpy(&p->tbf, nla_data(tt[TCA_TBF_PARMS]), sizeof(p->tbf));
		p->has_rtab = tt[TCA_TBF_RTAB] != NULL;
	} else {
		fail_msg("unexpected kind %s", p->kind);
	}
}

static void build(const struct link_dir *d, struct parsed *n, struct parsed *t, int *has_tbf)
{
	struct nl_msg *nm = NULL, *tm = NULL;
	assert_int_equal(netem_build_msgs(d, IFX, &nm, &tm), 0);
	assert_non_null(nm);
	parse(nm, n);
	nlmsg_free(nm);
	*has_tbf = tm != NULL;
	if (tm) {
		parse(tm, t);
		nlmsg_free(tm);
	}
}

static void check_netem(const struct parsed *n, uint64_t delay_us, uint32_t loss, uint32_t limit)
{
	assert_string_equal(n->kind, "netem");
	assert_int_equal(n->tcm.tcm_ifindex, IFX);
	assert_int_equal(n->tcm.tcm_parent, TC_H_ROOT);
	assert_int_equal(n->tcm.tcm_handle, 0x10000);  /* 1: */
	double tpu = ticks_per_us();
	assert_true(tpu > 0);
	/* Back from ticks to microseconds with the kernel's own ratio. */
	double back = n->netem.latency / tpu;
	if (fabs(back - (double)delay_us) > 1.0)
		fail_msg("latency %u ticks = %.1f us, want %llu us", n->netem.latency, back,
			 (unsigned long long)delay_us);
	assert_true(fabs((double)nl_ticks2us(n->netem.latency) - (double)delay_us) <= 1.0);
	assert_int_equal(n->netem.loss, loss);
	assert_int_equal(n->netem.limit, limit);
	assert_int_equal(n->netem.jitter, 0);
	assert_int_equal(n->netem.duplicate, 0);
}

static void test_delay_10ms(void **state)
{
	struct link_dir d = { .delay_ns = 10 * MS, .limit_pkts = 1000 };
	struct parsed n, t;
	int has_tbf;
	build(&d, &n, &t, &has_tbf);
	check_netem(&n, 10000, 0, 1000);
	assert_false(has_tbf);
	/* The ratio on this kernel is 15.625 ticks/us: 10 ms is 156250 ticks. */
	if (fabs(ticks_per_us() - 15.625) < 1e-9)
		assert_int_equal(n.netem.latency, 156250);
}

static void test_delay_100ms(void **state)
{
	struct link_dir d = { .delay_ns = 100 * MS, .limit_pkts = 1000 };
	struct parsed n, t;
	int has_tbf;
	build(&d, &n, &t, &has_tbf);
	check_netem(&n, 100000, 0, 1000);
	assert_false(has_tbf);
}

static void test_loss_1pct(void **state)
{
	struct link_dir d = { .delay_ns = 10 * MS, .limit_pkts = 1000, .loss = 0.01 };
	struct parsed n, t;
	int has_tbf;
	build(&d, &n, &t, &has_tbf);
	/* 1% of UINT32_MAX, as tc's "loss 1%" sends it. */
	check_netem(&n, 10000, 42949673u, 1000);
	assert_true(fabs(n.netem.loss / (double)UINT32_MAX - 0.01) < 1e-9);
}

static void test_limit_from_bytes(void **state)
{
	/* Only bytes: 150000 B is 100 packets of 1500; 150001 rounds up. */
	struct link_dir d = { .delay_ns = 10 * MS, .limit_bytes = 150000 };
	struct parsed n, t;
	int has_tbf;
	build(&d, &n, &t, &has_tbf);
	check_netem(&n, 10000, 0, 100);
	d.limit_bytes = 150001;
	build(&d, &n, &t, &has_tbf);
	check_netem(&n, 10000, 0, 101);
}

/* A rated direction: netem then tbf, with figures derived here. */
static void check_rated(uint64_t rate_bps, uint64_t delay_ns, uint32_t limit_pkts)
{
	struct link_dir d = { .rate_bps = rate_bps, .delay_ns = delay_ns, .limit_pkts = limit_pkts };
	struct parsed n, t;
	int has_tbf;
	build(&d, &n, &t, &has_tbf);
	assert_true(has_tbf);

	double ip_rate = rate_bps / 8.0;
	uint32_t inflight = (uint32_t)(ip_rate * (delay_ns / 1e9) / 1500) + 1;
	check_netem(&n, delay_ns / 1000, 0, limit_pkts + inflight);

	assert_string_equal(t.kind, "tbf");
	assert_int_equal(t.tcm.tcm_ifindex, IFX);
	assert_int_equal(t.tcm.tcm_parent, 0x10001);   /* 1:1 */
	assert_int_equal(t.tcm.tcm_handle, 0x100000);  /* 10: */
	assert_true(t.has_rtab);
	/* Frame bytes: a 1500-byte packet costs 1514 on the wire. */
	uint32_t frame_rate = (uint32_t)ceil(ip_rate * 1514 / 1500);
	assert_int_equal(t.tbf.rate.rate, frame_rate);
	assert_int_equal(t.tbf.limit, limit_pkts * 1514u);
	assert_int_equal(t.tbf.peakrate.rate, 0);
	/* buffer is the bucket's drain time in ticks: back to bytes. */
	double burst = t.tbf.buffer / ticks_per_us() * frame_rate / 1e6;
	/* One frame, plus what the rate brings in LINK_LATE_NS (1 ms): a
	 * wake-up that late loses no capacity. */
	double want = 1514 + frame_rate * (LINK_LATE_NS / 1e9);
	if (fabs(burst - want) > 2 + frame_rate / 1e6 * 2)
		fail_msg("tbf buffer %u ticks = %.1f bytes, want %.0f", t.tbf.buffer, burst, want);
	/* A frame and (up to the ticks' rounding) 1 ms of slack, at any rate:
	 * not max(one frame, 1 ms), whose slack is 0 below 12 Mbit/s. */
	assert_true(burst - 1514 >= 0.9 * frame_rate / 1000.0);
}

static void test_rate_4mbit(void **state)
{
	check_rated(4000000, 10 * MS, 1000);
	check_rated(4000000, 100 * MS, 1000);
}

static void test_rate_256kbit(void **state)
{
	check_rated(256000, 10 * MS, 1000);
	check_rated(256000, 100 * MS, 1000);
}

static void test_rate_fast_burst(void **state)
{
	/* 1 gbit: one millisecond at the rate is far more than a frame. */
	check_rated(1000000000, 1 * MS, 1000);
}

static void test_unlimited(void **state)
{
	struct link_dir d = { .delay_ns = 100 * MS, .limit_pkts = 1000 };
	struct nl_msg *nm = NULL, *tm = (struct nl_msg *)&d;
	struct rtnl_qdisc *nq = NULL, *tq = (struct rtnl_qdisc *)&d;
	assert_int_equal(netem_build_msgs(&d, IFX, &nm, &tm), 0);
	assert_non_null(nm);
	assert_null(tm);
	nlmsg_free(nm);
	assert_int_equal(netem_build_qdiscs(&d, IFX, &nq, &tq), 0);
	assert_non_null(nq);
	assert_null(tq);
	rtnl_qdisc_put(nq);
	struct netem_plan pl;
	assert_int_equal(netem_plan(&d, &pl), 0);
	assert_int_equal(pl.tbf_rate, 0);
}

static void test_plan_bytes_and_packets(void **state)
{
	struct netem_plan pl;
	/* Both limits: tbf takes the smaller in bytes, netem the packets. */
	struct link_dir d = { .rate_bps = 4000000, .limit_pkts = 1000, .limit_bytes = 30000 };
	assert_int_equal(netem_plan(&d, &pl), 0);
	assert_int_equal(pl.tbf_limit, 30280);  /* 30000 * 1514 / 1500 */
	assert_int_equal(pl.netem_limit, 1000 + 1);                /* no delay line */
	/* A tiny byte limit still holds one frame. */
	d.limit_pkts = 0;
	d.limit_bytes = 100;
	assert_int_equal(netem_plan(&d, &pl), 0);
	assert_int_equal(pl.tbf_limit, 1514);
	assert_int_equal(pl.netem_limit, 1 + 1);
}

static void test_plan_range(void **state)
{
	struct netem_plan pl;
	struct link_dir d = { .delay_ns = LINK_MAX_DELAY_NS + 1, .limit_pkts = 1000 };
	assert_int_equal(netem_plan(&d, &pl), -ERANGE);
	d.delay_ns = LINK_MAX_DELAY_NS;
	assert_int_equal(netem_plan(&d, &pl), 0);
	d.loss = 1.0;
	assert_int_equal(netem_plan(&d, &pl), -ERANGE);
	d.loss = -0.1;
	assert_int_equal(netem_plan(&d, &pl), -ERANGE);
	d.loss = NAN;
	assert_int_equal(netem_plan(&d, &pl), -ERANGE);
	d.loss = 0;
	d.rate_bps = 20000000000ull;  /* 20 gbit does not fit tbf's 32-bit rate */
	assert_int_equal(netem_plan(&d, &pl), -ERANGE);
	struct nl_msg *nm = (struct nl_msg *)&d, *tm = (struct nl_msg *)&d;
	assert_int_equal(netem_build_msgs(&d, IFX, &nm, &tm), -ERANGE);
	assert_null(nm);
	assert_null(tm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_delay_10ms),
		cmocka_unit_test(test_delay_100ms),
		cmocka_unit_test(test_loss_1pct),
		cmocka_unit_test(test_limit_from_bytes),
		cmocka_unit_test(test_rate_4mbit),
		cmocka_unit_test(test_rate_256kbit),
		cmocka_unit_test(test_rate_fast_burst),
		cmocka_unit_test(test_unlimited),
		cmocka_unit_test(test_plan_bytes_and_packets),
		cmocka_unit_test(test_plan_range),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
