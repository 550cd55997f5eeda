/*
 * The netem backend's testable internals: how one direction of the link
 * model becomes a netem root qdisc (delay, loss, limit) with, when the rate
 * is limited, a tbf child (rate, burst, byte limit), and how those become
 * RTM_NEWQDISC messages.  Nothing here touches the kernel.
 *
 * The kernel's qdiscs are not the model of emulator/link.h, and this file
 * says where they differ:
 *
 *  - Order.  The model queues, serialises at the rate, then delays.  Here a
 *    packet is first delayed by netem, then queued and serialised by tbf
 *    (netem's own rate, which would keep the model's order, has no setter in
 *    libnl-3.7).  Every packet still sees queueing + serialisation + delay,
 *    so the RTT and the throughput match, but the queue that the droptail
 *    limit applies to fills delay later than in the model, and the loss
 *    draw happens before the queue instead of at arrival in the queue.
 *
 *  - Bytes.  tbf charges and counts Ethernet frames (IP + 14 bytes) while
 *    the model charges IP bytes.  Rate and byte limits are scaled by
 *    NETEM_FRAME_BYTES / NETEM_PKT_BYTES, so full-size packets are exact;
 *    a 52-byte ACK is charged 66/52 of its model cost instead of 1514/1500.
 *
 *  - Packets.  Once tbf carries the queue, the limit is in bytes: a packet
 *    limit becomes limit_pkts full-size frames.  netem's packet limit then
 *    covers the queue plus the packets inside the delay line at the rate,
 *    so that it does not drop before tbf would; without a rate, netem's
 *    limit is the droptail itself (bytes-only limits count 1500-byte
 *    packets).
 *
 *  - GSO.  The qdiscs see what the stack hands them: if the endpoints send
 *    TSO/GSO super-packets, netem draws loss and counts its limit per
 *    super-packet (tbf re-segments packets larger than its burst).
 */
#ifndef TFOLAB_EMULATOR_NETEM_H
#define TFOLAB_EMULATOR_NETEM_H

#include <stdint.h>

#include "emulator/link.h"

struct rtnl_qdisc;
struct nl_msg;

#define NETEM_BRIDGE "tflbr0"      /* made inside the link namespace */
#define NETEM_PKT_BYTES 1500u      /* a full-size IP packet */
#define NETEM_FRAME_BYTES 1514u    /* the same as an Ethernet frame */
#define NETEM_ROOT_HANDLE 0x10000u /* 1:   netem, the root */
#define NETEM_TBF_PARENT 0x10001u  /* 1:1  netem's only class */
#define NETEM_TBF_HANDLE 0x100000u /* 10:  tbf under netem */

/* One direction in the kernel's units. */
struct netem_plan {
	uint32_t delay_us;     /* netem latency; libnl turns it into ticks */
	uint32_t loss;         /* netem loss: probability * UINT32_MAX */
	uint32_t netem_limit;  /* netem limit, packets */
	uint32_t tbf_rate;     /* tbf rate, frame bytes/s; 0 = no tbf */
	uint32_t tbf_burst;    /* tbf bucket, bytes */
	uint32_t tbf_limit;    /* tbf queue limit, frame bytes */
};

/*
 * netem_plan - the kernel figures for @d (see the top of this file).
 * Returns 0, or -ERANGE (nothing logged) when a figure does not fit the
 * kernel's fields: delay above LINK_MAX_DELAY_NS, loss outside [0, 1),
 * a rate above INT32_MAX frame bytes/s, or limits above UINT32_MAX.
 */
int netem_plan(const struct link_dir *d, struct netem_plan *out);

/*
 * netem_build_qdiscs - the libnl objects for @d on interface @ifindex:
 * *@netem is the root netem (handle 1:), *@tbf the tbf child (parent 1:1,
 * handle 10:) or NULL when the rate is unlimited.  The caller owns both
 * (rtnl_qdisc_put).  Returns 0, or a negative errno with nothing allocated
 * (-ERANGE from netem_plan, -ENOMEM); logs nothing.
 */
int netem_build_qdiscs(const struct link_dir *d, int ifindex,
		       struct rtnl_qdisc **netem, struct rtnl_qdisc **tbf);

/*
 * netem_build_msgs - the RTM_NEWQDISC requests (NLM_F_CREATE|NLM_F_EXCL)
 * that install @d on @ifindex: *@netem_msg, then *@tbf_msg (NULL when the
 * rate is unlimited).  The caller owns them (nlmsg_free, or nl_send_sync
 * which frees).  Returns 0, or a negative errno with nothing allocated;
 * logs nothing.
 */
int netem_build_msgs(const struct link_dir *d, int ifindex,
		     struct nl_msg **netem_msg, struct nl_msg **tbf_msg);

#endif
