/*
 * The netem backend's pure part: the link model in the kernel's units and
 * the RTM_NEWQDISC messages that carry it (see emulator/netem.h).  Nothing
 * here talks to the kernel, so tests/unit/test_netem.c checks it all.
 */
#include "emulator/netem.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <linux/pkt_sched.h>
#include <netlink/errno.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/qdisc/netem.h>
#include <netlink/route/qdisc/tbf.h>
#include <netlink/route/tc.h>

#include "common/nlerr.h"

/* IP bytes of the model -> Ethernet frame bytes that tbf counts. */
static uint64_t to_frame_bytes(uint64_t ip_bytes)
{
	return (ip_bytes * NETEM_FRAME_BYTES + NETEM_PKT_BYTES - 1) / NETEM_PKT_BYTES;
}

int netem_plan(const struct link_dir *d, struct netem_plan *out)
{
	memset(out, 0, sizeof(*out));
	if (d->delay_ns > LINK_MAX_DELAY_NS)
		return -ERANGE;
	if (!(d->loss >= 0 && d->loss < 1))  /* also rejects NaN */
		return -ERANGE;
	out->delay_us = (uint32_t)((d->delay_ns + 500) / 1000);
	out->loss = (uint32_t)llround(d->loss * (double)UINT32_MAX);

	/* The droptail limit of the model, in packets and in IP bytes. */
	uint64_t qpkts = d->limit_pkts;
	if (!qpkts)
		qpkts = d->limit_bytes ? (d->limit_bytes + NETEM_PKT_BYTES - 1) / NETEM_PKT_BYTES
				       : LINK_MIN_QUEUE_PKTS;
	uint64_t qbytes = (uint64_t)d->limit_pkts * NETEM_PKT_BYTES;
	if (d->limit_bytes && (!qbytes || d->limit_bytes < qbytes))
		qbytes = d->limit_bytes;
	if (!qbytes)
		qbytes = qpkts * NETEM_PKT_BYTES;

	if (!d->rate_bps) {
		if (qpkts > UINT32_MAX)
			return -ERANGE;
		out->netem_limit = (uint32_t)qpkts;
		return 0;
	}

	uint64_t rate = to_frame_bytes((d->rate_bps + 7) / 8);
	if (rate > INT32_MAX)
		return -ERANGE;
	/* Packets that the delay line holds at the rate: netem must not drop them. */
	uint64_t inflight = (uint64_t)((double)d->rate_bps / 8.0 * ((double)d->delay_ns / 1e9)
				       / NETEM_PKT_BYTES) + 1;
	/*
	 * The bucket holds one frame plus LINK_LATE_NS at the rate.  tbf
	 * sends a frame only once the bucket holds it, and wakes up by a
	 * timer: a wake-up d late finds d * rate more tokens, which a bucket
	 * of one frame throws away, so every late wake-up costs capacity.
	 * The model (and the userspace forwarder) loses none: a late frame
	 * leaves late and the next leaves on its own schedule.  Under
	 * Debian's 6.1 kernel in UML (tests/uml), whose timers wake up about
	 * a millisecond late, a one-frame bucket gave iperf3 3.39-3.68
	 * Mbit/s on a 4 Mbit/s link (ideal goodput 3.86).  The slack lets a
	 * frame after an idle period leave at most LINK_LATE_NS early, the
	 * lateness the userspace link tolerates before it counts a packet as
	 * late.
	 */
	uint64_t burst = NETEM_FRAME_BYTES + rate * LINK_LATE_NS / 1000000000ull;
	uint64_t tlimit = to_frame_bytes(qbytes);
	if (tlimit < NETEM_FRAME_BYTES)
		tlimit = NETEM_FRAME_BYTES;
	if (qpkts + inflight > UINT32_MAX || burst > INT32_MAX || tlimit > INT32_MAX)
		return -ERANGE;
	out->netem_limit = (uint32_t)(qpkts + inflight);
	out->tbf_rate = (uint32_t)rate;
	out->tbf_burst = (uint32_t)burst;
	out->tbf_limit = (uint32_t)tlimit;
	return 0;
}

static struct rtnl_qdisc *qdisc_new(int ifindex, uint32_t parent, uint32_t handle,
				    const char *kind)
{
	struct rtnl_qdisc *q = rtnl_qdisc_alloc();
	if (!q)
		return NULL;
	rtnl_tc_set_ifindex(TC_CAST(q), ifindex);
	rtnl_tc_set_parent(TC_CAST(q), parent);
	rtnl_tc_set_handle(TC_CAST(q), handle);
	if (rtnl_tc_set_kind(TC_CAST(q), kind) < 0) {
		rtnl_qdisc_put(q);
		return NULL;
	}
	return q;
}

int netem_build_qdiscs(const struct link_dir *d, int ifindex,
		       struct rtnl_qdisc **netem, struct rtnl_qdisc **tbf)
{
	struct netem_plan pl;
	int rc = netem_plan(d, &pl);
	*netem = *tbf = NULL;
	if (rc < 0)
		return rc;

	struct rtnl_qdisc *n = qdisc_new(ifindex, TC_H_ROOT, NETEM_ROOT_HANDLE, "netem");
	if (!n)
		return -ENOMEM;
	rtnl_netem_set_delay(n, (int)pl.delay_us);
	/* libnl passes the int through to the kernel's u32 unchanged. */
	rtnl_netem_set_loss(n, (int)pl.loss);
	rtnl_netem_set_limit(n, (int)pl.netem_limit);

	struct rtnl_qdisc *t = NULL;
	if (pl.tbf_rate) {
		t = qdisc_new(ifindex, NETEM_TBF_PARENT, NETEM_TBF_HANDLE, "tbf");
		if (!t) {
			rtnl_qdisc_put(n);
			return -ENOMEM;
		}
		rtnl_qdisc_tbf_set_rate(t, (int)pl.tbf_rate, (int)pl.tbf_burst, 0);
		rtnl_qdisc_tbf_set_limit(t, (int)pl.tbf_limit);
	}
	*netem = n;
	*tbf = t;
	return 0;
}

int netem_build_msgs(const struct link_dir *d, int ifindex,
		     struct nl_msg **netem_msg, struct nl_msg **tbf_msg)
{
	struct rtnl_qdisc *n, *t;
	*netem_msg = *tbf_msg = NULL;
	int rc = netem_build_qdiscs(d, ifindex, &n, &t);
	if (rc < 0)
		return rc;
	int flags = NLM_F_CREATE | NLM_F_EXCL;
	rc = rtnl_qdisc_build_add_request(n, flags, netem_msg);
	if (rc >= 0 && t)
		rc = rtnl_qdisc_build_add_request(t, flags, tbf_msg);
	rtnl_qdisc_put(n);
	if (t)
		rtnl_qdisc_put(t);
	if (rc < 0) {
		nlmsg_free(*netem_msg);  /* NULL-safe */
		*netem_msg = NULL;
		return nlerr_to_errno(rc);
	}
	return 0;
}
