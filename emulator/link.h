/*
 * The emulated link: one model, several backends.
 *
 * Each direction of the link is a droptail FIFO followed by a serialiser at
 * a fixed rate and a propagation delay: a packet waits in the queue, is
 * serialised at the rate, then is delayed.  "up" is client -> server, "down"
 * is server -> client.  Rates count IP bytes (the Ethernet header is not
 * charged), as on the PPP/TUN links that the TFO reproductions emulated, so
 * that the ideal TCP goodput is rate * 1448/1500.
 */
#ifndef TFOLAB_EMULATOR_LINK_H
#define TFOLAB_EMULATOR_LINK_H

#include <stdint.h>

#define LINK_MAX_DELAY_NS (10ull * 1000 * 1000 * 1000)
#define LINK_MIN_QUEUE_PKTS 1000u
/*
 * A packet that leaves the link this much after its due time was not
 * emulated faithfully: the emulator did not run when it had to (on our VMs,
 * the host steals the CPU for tens of ms at a time).  A millisecond is 5% of
 * the shortest RTT the experiments use and 100 times the forwarder's usual
 * lateness.
 */
#define LINK_LATE_NS 1000000ull

struct link_dir {
	uint64_t rate_bps;     /* bits per second of IP bytes; 0 = unlimited */
	uint64_t delay_ns;     /* one-way propagation delay */
	uint32_t limit_pkts;   /* droptail limit in packets; 0 = no packet limit */
	uint64_t limit_bytes;  /* droptail limit in bytes; 0 = no byte limit */
	double loss;           /* random loss probability in [0, 1) */
	uint32_t drop_syn_data; /* drop the first N TCP SYNs that carry data
	                           (fault injection: TFO's fallback); counted
	                           as losses; userspace backend only */
};

struct link_params {
	struct link_dir up;    /* client -> server */
	struct link_dir down;  /* server -> client */
	uint64_t seed;         /* seed of the loss generator */
};

/* Counters of one direction, as kept by the backend. */
struct link_stats {
	uint64_t pkts;         /* packets delivered */
	uint64_t bytes;        /* IP bytes delivered */
	uint64_t drops_queue;  /* dropped because the queue was full */
	uint64_t drops_loss;   /* dropped by the random loss model */
	uint32_t max_queue_pkts;
	uint64_t max_queue_bytes;
	uint64_t first_ns, last_ns; /* delivery times of the first/last packet */
	/* Emulation faults; only backends that can see them count them. */
	uint64_t late_pkts;    /* delivered LINK_LATE_NS or more after their due time */
	uint64_t late_ns;      /* the sum of their lateness */
	uint64_t late_max_ns;  /* the latest delivery since link_mark (not a delta) */
};

/*
 * link_params_init - the defaults: unlimited rate, no delay, no loss, and
 * the queue limits from link_params_finish().
 */
void link_params_init(struct link_params *p);

/*
 * link_params_finish - give each direction whose limit_pkts and limit_bytes
 * are both 0 a large buffer: at least LINK_MIN_QUEUE_PKTS packets and at
 * least 4x the bandwidth-delay product (computed on the round trip).
 */
void link_params_finish(struct link_params *p);

/*
 * link_dir_format - "4mbit 50ms 1000p" style text of one direction: rate,
 * delay, then the limits that are set (" 1000p", " 1500000B") and " loss
 * 0.1%" when there is loss.  Truncated to @len like snprintf.
 */
void link_dir_format(const struct link_dir *d, char *buf, int len);

#endif
