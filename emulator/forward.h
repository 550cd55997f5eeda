/*
 * The userspace link: an AF_PACKET forwarder that bridges two interfaces
 * through two queues (emulator/queue.h), one per direction.
 *
 * A frame read on the client-facing interface is pushed on the "up" queue
 * and, when the queue releases it, sent unchanged on the server-facing
 * interface; "down" is the reverse.  Frames arrive in a PACKET_RX_RING
 * (TPACKET_V2), which the kernel fills without a system call or an skb
 * clone per frame, with the time each frame reached the interface; they
 * are copied from the ring into buffers of a fixed pool, queued at that
 * time, and sent in batches (sendmmsg) on a second, send-only socket per
 * interface.  The process sleeps until the next frame or until shortly
 * before the earliest delivery time of either queue (an absolute timerfd),
 * then polls until the delivery is due, because a wake-up from sleep on
 * our VMs is late by 20-100 us.  It runs at a real-time priority so that
 * the client and the server, which share its two CPUs, do not delay its
 * wake-ups by milliseconds.
 *
 * This header has three layers: pure helpers that are unit-tested (the
 * buffer pool, the frame checks, the wake-up computation, the seqlocked
 * counters), the forwarding loop (forward_run) and the backend's own extras
 * that the ops table does not carry (userspace_start_opts, userspace_fstats;
 * emulator/userspace.c), for tests/netns/forward_drive.c.
 */
#ifndef TFOLAB_EMULATOR_FORWARD_H
#define TFOLAB_EMULATOR_FORWARD_H

#include <stdint.h>

#include "emulator/backend.h"
#include "emulator/link.h"
#include "emulator/queue.h"

/* Bytes of one pool buffer, struct qpkt header included. */
#define FORWARD_BUF_SIZE 2048u
/* Frames sent per system call. */
#define FORWARD_BATCH 64u
/* Frames taken from one ring before the due packets are sent, so that a
 * long burst of arrivals does not hold back deliveries. */
#define FORWARD_READ_MAX 64
/* The receive ring of each interface: 2048 frames of 2048 bytes, 4 MB (a
 * larger ring costs tens of ms to map and to free at every testbed). */
#define FORWARD_RING_FRAME 2048u
#define FORWARD_RING_BLOCK (1u << 22)
#define FORWARD_RING_BLOCKS 1u
#define FORWARD_ETH_HLEN 14u
/* Default busy-wait before a delivery time; see struct forward_opts.  On
 * the 2-core VM, 20 us left deliveries 15-50 us late on average, 100 us
 * left them under 5 us late; it costs up to 100 us of CPU per delivery. */
#define FORWARD_SPIN_NS 100000u
/* Default polling after a frame; see struct forward_opts. */
#define FORWARD_LINGER_NS 0u
/*
 * Default real-time priority of the forwarder process.  Without it, a
 * wake-up of the forwarder waits behind whatever else runs on its CPU (the
 * client, the server, a process starting) for up to milliseconds; with it,
 * the forwarder preempts them.  It never runs for long without sleeping,
 * except when deliveries are microseconds apart, and the kernel's RT
 * throttling leaves the others 5% of its CPU even then.
 */
#define FORWARD_RT_PRIO 10

/* --- buffer pool ------------------------------------------------------- */

struct forward_pool;

/*
 * forward_pool_new - @n buffers of @buf_size bytes (header included).  The
 * memory is reserved but only touched when a buffer is first used, so a
 * large pool costs only what the peak occupancy uses.  Returns NULL with
 * errno set on failure (EINVAL if @buf_size cannot hold a header).
 */
struct forward_pool *forward_pool_new(uint32_t n, uint32_t buf_size);
void forward_pool_free(struct forward_pool *pool);

/* forward_pool_get - a free buffer, or NULL when all are in use. */
struct qpkt *forward_pool_get(struct forward_pool *pool);
/* forward_pool_put - hand back a buffer from forward_pool_get; NULL is a no-op. */
void forward_pool_put(struct forward_pool *pool, struct qpkt *p);
uint32_t forward_pool_avail(const struct forward_pool *pool);
/* Bytes of frame a buffer holds: buf_size - sizeof(struct qpkt). */
uint32_t forward_pool_data_cap(const struct forward_pool *pool);

/*
 * forward_pool_size - buffers needed for @p: each direction's droptail limit
 * plus the packets its delay line can hold at its rate (10 Gbit/s when
 * unlimited) plus a batch, clamped to [4096, 1 << 20].
 */
uint32_t forward_pool_size(const struct link_params *p);

/* --- frames ------------------------------------------------------------ */

/*
 * forward_frame_fill - a frame of @len bytes was read into @p->data, whose
 * capacity is @cap bytes; @truncated is nonzero when the kernel said the
 * frame was longer (MSG_TRUNC).  Sets p->len and p->ip_len (the frame minus
 * the Ethernet header, for every EtherType: the rate counts IP bytes).
 * Returns 0, or -EMSGSIZE for a truncated or oversized frame and -EINVAL
 * for a runt shorter than an Ethernet header; the caller drops those.
 */
int forward_frame_fill(struct qpkt *p, uint32_t len, int truncated, uint32_t cap);

/* --- timing ------------------------------------------------------------ */

/*
 * forward_wait_ns - how to wait at @now_ns for the earlier of @next_up and
 * @next_down (UINT64_MAX = empty queue): -1 = block until a frame arrives,
 * 0 = poll without sleeping (a delivery is due, or is within @spin_ns),
 * otherwise the nanoseconds to sleep, which end @spin_ns before the
 * delivery so that the rest is spent polling.
 */
int64_t forward_wait_ns(uint64_t now_ns, uint64_t next_up, uint64_t next_down,
			uint64_t spin_ns);

/*
 * forward_stamp - the arrival time to give the queue for a frame that the
 * kernel stamped at @rx_real_ns (CLOCK_REALTIME; 0 = no stamp) and that was
 * read at @now_ns (CLOCK_MONOTONIC), where @real_off_ns is CLOCK_REALTIME
 * minus CLOCK_MONOTONIC.  The kernel's stamp is when the frame reached the
 * interface, so the emulated delay does not include how late the forwarder
 * woke up to read it.  The result is clamped to [@last_ns, @now_ns]: a
 * missing or odd stamp (a clock step) gives @now_ns, and the queue never
 * sees time go backwards (@last_ns is the latest time it was given).
 */
uint64_t forward_stamp(uint64_t rx_real_ns, uint64_t real_off_ns, uint64_t now_ns,
		       uint64_t last_ns);

/* --- counters shared with the parent ----------------------------------- */

/* Counters of one direction beyond the queue's own. */
struct forward_dir_stats {
	uint64_t rx;            /* frames read */
	uint64_t drops_pool;    /* no free buffer: counted as queue drops too */
	uint64_t drops_ring;    /* the receive ring was full: queue drops too */
	uint64_t drops_bad;     /* runt or truncated frames */
	uint64_t send_errors;   /* sendmmsg refused the frame */
	uint64_t late_sum_ns;   /* sum over sent frames of send time - delivery time */
	uint64_t late_max_ns;   /* the largest of those */
	uint64_t late_pkts;     /* frames sent LINK_LATE_NS or more late */
	uint64_t late_ns;       /* the sum of their lateness */
	uint32_t win_epoch;     /* the window win_max_ns belongs to */
	uint64_t win_max_ns;    /* the largest lateness in that window */
};

/*
 * forward_late_note - account a frame sent @late_ns after its delivery
 * time in @st: the sum and maximum of all lateness, the count and sum of
 * the frames late by LINK_LATE_NS or more (emulation faults), and the
 * maximum within window @epoch (a new epoch starts a new window).
 */
void forward_late_note(struct forward_dir_stats *st, uint64_t late_ns, uint32_t epoch);

/*
 * The forwarder's counters, in memory shared between the forwarder and its
 * parent.  The forwarder is the only writer; readers copy under the seqlock
 * (forward_shared_read), so they never see a torn struct.
 */
struct forward_shared {
	uint32_t seq;           /* odd while the writer is inside */
	/* The one field the parent writes: a new value starts a new window of
	 * late_max_ns (forward_shared_mark). */
	uint32_t epoch;
	struct link_stats up, down;
	struct forward_dir_stats fup, fdown;
};

/* forward_shared_publish - the single writer's update. */
void forward_shared_publish(struct forward_shared *sh, const struct link_stats *up,
			    const struct link_stats *down, const struct forward_dir_stats *fup,
			    const struct forward_dir_stats *fdown);
/* forward_shared_mark - start a new window of late_max_ns (the parent). */
void forward_shared_mark(struct forward_shared *sh);
/* forward_shared_read - a consistent copy; any output may be NULL. */
void forward_shared_read(const struct forward_shared *sh, struct link_stats *up,
			 struct link_stats *down, struct forward_dir_stats *fup,
			 struct forward_dir_stats *fdown);

/* --- the forwarder ----------------------------------------------------- */

struct forward_opts {
	uint64_t spin_ns;       /* busy-wait this long before a delivery */
	uint64_t linger_ns;     /* keep polling this long after forwarding */
	int rt_prio;            /* SCHED_FIFO priority of the forwarder; 0 = none */
};
#define FORWARD_OPTS_DEFAULT { .spin_ns = FORWARD_SPIN_NS, \
			       .linger_ns = FORWARD_LINGER_NS, .rt_prio = FORWARD_RT_PRIO }

/*
 * One interface: a socket that reads every frame the interface receives
 * (AF_PACKET, all EtherTypes, its own transmissions ignored, promiscuous,
 * a large buffer, kernel receive timestamps) and a socket that only sends (bound without a protocol,
 * so it receives nothing, and bypassing the qdisc).  Two sockets because
 * a socket that is both waited on and sent from takes the wait queue's lock
 * for every frame sent, when the kernel frees it.
 */
struct forward_port {
	int rx, tx;
	unsigned char *ring;    /* the rx socket's PACKET_RX_RING (TPACKET_V2) */
	size_t ring_len;
	uint32_t frame_size, frame_nr;
};

/*
 * forward_fail - the forwarder's errors: "@fmt...: strerror(@e)" into @err
 * (@errlen bytes); returns -@e.
 */
int forward_fail(char *err, int errlen, int e, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/*
 * forward_port_open - opens and binds both sockets of @ifname, non-blocking.
 * Returns 0, or a negative errno with a message naming @ifname and the
 * failed call in @err and both fds -1.
 */
int forward_port_open(struct forward_port *port, const char *ifname, char *err, int errlen);
/* forward_port_close - closes both sockets; the fds become -1. */
void forward_port_close(struct forward_port *port);

struct forward;

/*
 * forward_new - the forwarder between the ports @client and @server (not
 * owned) for link @p, with options @o (NULL = defaults).  @event_log, if
 * not NULL, is a path
 * prefix: the events of each direction go to "<event_log>.up" and
 * "<event_log>.down".  Returns 0 and *@out, or a negative errno with a
 * message in @err and nothing left behind.
 */
int forward_new(const struct link_params *p, const struct forward_opts *o,
		const struct forward_port *client, const struct forward_port *server,
		const char *event_log, struct forward_shared *sh,
		struct forward **out, char *err, int errlen);

/*
 * forward_run - forward until @stop_fd (e.g. a signalfd) becomes readable.
 * Returns 0, or a negative errno with a message in @err when a system call
 * fails in a way that forwarding cannot survive.
 */
int forward_run(struct forward *f, int stop_fd, char *err, int errlen);

/* forward_free - frees the queues and the pool, and flushes and closes the logs. */
void forward_free(struct forward *f);

/* --- the backend's extras (emulator/userspace.c) ----------------------- */

/*
 * userspace_start_opts - link_userspace_ops.start with forwarder options
 * (NULL = FORWARD_OPTS_DEFAULT).
 */
int userspace_start_opts(const struct link_params *p, const struct forward_opts *o,
			 const char *if_client, const char *if_server, const char *event_log,
			 struct link_backend **out);

/*
 * userspace_fstats - the forwarder's own counters (reads, pool drops, bad
 * frames, send errors); up = client -> server.  Returns 0.
 */
int userspace_fstats(struct link_backend *b, struct forward_dir_stats *up,
		     struct forward_dir_stats *down);

#endif
