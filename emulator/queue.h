/*
 * One direction of the emulated link as pure logic: a droptail FIFO, a
 * serialiser at a fixed rate and a propagation delay.  Time is always passed
 * in (nanoseconds of any monotonic clock), so the model is unit-tested with
 * a synthetic clock and driven by the forwarder with CLOCK_MONOTONIC.
 *
 * Because the queue is FIFO and the rate is fixed, a packet's whole future
 * is known when it arrives: it starts serialising when the link is free,
 * ends ser = ip_len * 8 / rate later, and is delivered delay after that.
 * The queue therefore keeps one list ordered by delivery time, and the
 * occupancy that the droptail limit applies to is the packets whose
 * serialisation has not ended at "now".
 */
#ifndef TFOLAB_EMULATOR_QUEUE_H
#define TFOLAB_EMULATOR_QUEUE_H

#include <stdint.h>
#include <stdio.h>

#include "emulator/link.h"

struct qpkt {
	struct qpkt *next;      /* owned by the queue while queued */
	uint64_t arrive_ns;     /* set by queue_push */
	uint64_t sent_ns;       /* end of serialisation, set by queue_push */
	uint64_t deliver_ns;    /* sent_ns + delay, set by queue_push */
	uint32_t ip_len;        /* bytes charged to the rate; set by the caller */
	uint32_t len;           /* bytes in data[]; set by the caller */
	unsigned char data[];   /* the frame, as the caller stored it */
};

enum queue_verdict {
	QUEUE_QUEUED = 0,       /* the queue owns the packet now */
	QUEUE_DROP_FULL = 1,    /* droptail: the caller keeps the packet */
	QUEUE_DROP_LOSS = 2,    /* random loss: the caller keeps the packet */
};

struct queue;

/*
 * queue_is_syn_data - 1 if @frame (@len bytes, Ethernet II) is an IPv4 TCP
 * SYN without ACK that carries payload (a TFO SYN with data), else 0.
 * Reads nothing beyond @len.  Pure.
 */
int queue_is_syn_data(const unsigned char *frame, uint32_t len);

/*
 * queue_new - a queue for one direction with the given model; @seed seeds
 * the loss generator.  Returns NULL on allocation failure (errno ENOMEM).
 */
struct queue *queue_new(const struct link_dir *d, uint64_t seed);

/*
 * queue_free - frees the queue and, through @release (may be NULL), hands
 * back every packet still queued.  NULL @q is a no-op.
 */
void queue_free(struct queue *q, void (*release)(struct qpkt *p, void *arg), void *arg);

/*
 * queue_push - a packet arrives at @now_ns.  Returns an enum queue_verdict.
 * Random loss is drawn first; then droptail refuses the packet if the
 * occupancy (see queue_depth) plus this packet would exceed limit_pkts or
 * limit_bytes (a limit of 0 is no limit).  On QUEUE_QUEUED, arrive_ns,
 * sent_ns and deliver_ns are set and the queue owns @p until queue_pop or
 * queue_free; on a drop the caller keeps @p (arrive_ns set).  Time must not
 * go backwards between calls to queue_push, queue_pop and queue_depth.
 */
int queue_push(struct queue *q, struct qpkt *p, uint64_t now_ns);

/*
 * queue_pop - the next packet whose delivery time is <= @now_ns, or NULL.
 * The caller owns the returned packet.  Call it until NULL to drain every
 * ready packet on one wake-up.
 */
struct qpkt *queue_pop(struct queue *q, uint64_t now_ns);

/* queue_next_ns - delivery time of the head packet, or UINT64_MAX if empty. */
uint64_t queue_next_ns(const struct queue *q);

/*
 * queue_depth - packets and bytes whose serialisation has not ended at
 * @now_ns (the occupancy droptail applies to).  @now_ns must not go back.
 */
void queue_depth(struct queue *q, uint64_t now_ns, uint32_t *pkts, uint64_t *bytes);

/* queue_stats - the counters so far; valid until queue_free. */
const struct link_stats *queue_stats(const struct queue *q);

/*
 * queue_set_log - write an event log to @f (not owned; NULL stops it), one
 * event a line, in Mahimahi's format with times in milliseconds since @t0_ns
 * printed exactly to the nanosecond ("12.000500"):
 *   "t + bytes"           arrival (t = the push's now)
 *   "t - bytes delay_ms"  delivery (t = the pop's now, so lines stay in time
 *                         order; delay_ms = deliver_ns - arrive_ns, the
 *                         model's delay, without the caller's lateness)
 *   "t d bytes"           drop, by loss or droptail (t = the push's now)
 * bytes is ip_len.  Write errors are the caller's to check on @f.
 */
void queue_set_log(struct queue *q, FILE *f, uint64_t t0_ns);

#endif
