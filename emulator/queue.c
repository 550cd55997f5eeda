/*
 * One direction of the emulated link: droptail FIFO, serialiser, delay.
 *
 * The model.  A packet arriving at time a waits until the serialiser is free,
 * takes ser = ip_len * 8 / rate to serialise, ending at
 *     sent = max(a, sent of the previous packet) + ser,
 * and is delivered delay later, at deliver = sent + delay.  Since nothing can
 * overtake in a FIFO and the rate is fixed, sent is known the moment the
 * packet arrives, so queue_push computes the packet's whole future at once.
 * Because sent never decreases from one packet to the next and the delay is
 * the same for all, deliver never decreases either: the list in arrival
 * order is also the list in delivery order, and one singly linked list
 * serves as the waiting queue, the serialiser and the delay line together.
 * The packets "in the queue" for droptail purposes are those whose
 * serialisation has not ended at now (sent > now); they form a suffix of
 * the list, so a pointer to the first of them, advanced as time passes, with
 * running counts of its packets and bytes, gives the occupancy in O(1)
 * amortised time.
 *
 * Exactness.  ser is rarely a whole number of nanoseconds (1500 bytes at
 * 3 bit/s), so the remainder of the division is carried from one packet to
 * the next while the link stays busy: the end of serialisation is
 * sent + rem / rate nanoseconds exactly, and a million back-to-back packets
 * end at the exact time, not a million roundings later.  When the link
 * falls idle the next packet starts at its (integer) arrival time and the
 * remainder is dropped, which is exact too.
 */
#include "emulator/queue.h"

#include <errno.h>
#include <stdbool.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

typedef unsigned __int128 u128;

struct queue {
	struct link_dir d;
	uint64_t rng;            /* splitmix64 state */

	struct qpkt *head, *tail;  /* every queued packet, in delivery order */
	struct qpkt *busy;       /* first packet with sent_ns > the last "now" */
	uint32_t busy_pkts;      /* packets from busy to tail */
	uint64_t busy_bytes;     /* their ip_len */

	uint64_t last_sent_ns;   /* sent_ns of the last accepted packet */
	uint64_t rem;            /* its remainder: exact end = last_sent + rem/rate */

	uint32_t syn_drops_left; /* d.drop_syn_data not yet used */
	struct link_stats st;
	FILE *log;
	uint64_t t0_ns;
};

static const uint64_t NS_PER_S = 1000000000ull;

/* splitmix64 (Steele, Lea, Flood 2014): any seed, including 0, is fine. */
static uint64_t rng_next(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform in [0, 1) with 53 random bits. */
static double rng_uniform(uint64_t *state)
{
	return (double)(rng_next(state) >> 11) * 0x1.0p-53;
}

struct queue *queue_new(const struct link_dir *d, uint64_t seed)
{
	struct queue *q = calloc(1, sizeof(*q));
	if (!q)
		return NULL;
	q->d = *d;
	q->rng = seed;
	q->syn_drops_left = d->drop_syn_data;
	return q;
}

void queue_free(struct queue *q, void (*release)(struct qpkt *p, void *arg), void *arg)
{
	if (!q)
		return;
	struct qpkt *p = q->head;
	while (p) {
		struct qpkt *next = p->next;
		p->next = NULL;
		if (release)
			release(p, arg);
		p = next;
	}
	free(q);
}

void queue_set_log(struct queue *q, FILE *f, uint64_t t0_ns)
{
	q->log = f;
	q->t0_ns = t0_ns;
}

/* "ms.nnnnnn" since t0, exact (integer arithmetic, no rounding). */
static void log_event(struct queue *q, uint64_t now_ns, char ev, uint32_t bytes,
		      const uint64_t *delay_ns)
{
	const char *sign = "";
	uint64_t t = now_ns - q->t0_ns;
	if (now_ns < q->t0_ns) {
		sign = "-";
		t = q->t0_ns - now_ns;
	}
	fprintf(q->log, "%s%" PRIu64 ".%06" PRIu64 " %c %" PRIu32, sign,
		t / 1000000, t % 1000000, ev, bytes);
	if (delay_ns)
		fprintf(q->log, " %" PRIu64 ".%06" PRIu64, *delay_ns / 1000000,
			*delay_ns % 1000000);
	fputc('\n', q->log);
}

/* Retire from the serialiser every packet whose serialisation ended by now. */
static void advance(struct queue *q, uint64_t now_ns)
{
	while (q->busy && q->busy->sent_ns <= now_ns) {
		q->busy_pkts--;
		q->busy_bytes -= q->busy->ip_len;
		q->busy = q->busy->next;
	}
}

static uint64_t add_sat(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static int drop(struct queue *q, struct qpkt *p, uint64_t now_ns, int verdict)
{
	if (verdict == QUEUE_DROP_LOSS)
		q->st.drops_loss++;
	else
		q->st.drops_queue++;
	if (q->log)
		log_event(q, now_ns, 'd', p->ip_len, NULL);
	return verdict;
}

int queue_is_syn_data(const unsigned char *f, uint32_t len)
{
	enum { ETH = 14 };
	if (len < ETH + 20 || f[12] != 0x08 || f[13] != 0x00 || (f[ETH] >> 4) != 4 ||
	    f[ETH + 9] != 6 /* TCP */)
		return 0;
	uint32_t ihl = (uint32_t)(f[ETH] & 0x0f) * 4;
	uint32_t tot = (uint32_t)f[ETH + 2] << 8 | f[ETH + 3];
	if (ihl < 20 || len < ETH + ihl + 20 || tot < ihl + 20)
		return 0;
	const unsigned char *t = f + ETH + ihl;
	uint32_t doff = (uint32_t)(t[12] >> 4) * 4;
	bool syn = t[13] & 0x02, ack = t[13] & 0x10;
	return syn && !ack && doff >= 20 && tot > ihl + doff;
}

int queue_push(struct queue *q, struct qpkt *p, uint64_t now_ns)
{
	p->arrive_ns = now_ns;
	if (q->syn_drops_left && queue_is_syn_data(p->data, p->len)) {
		q->syn_drops_left--;
		return drop(q, p, now_ns, QUEUE_DROP_LOSS);
	}
	if (q->d.loss > 0 && rng_uniform(&q->rng) < q->d.loss)
		return drop(q, p, now_ns, QUEUE_DROP_LOSS);

	advance(q, now_ns);
	if (q->d.limit_pkts && q->busy_pkts + 1 > q->d.limit_pkts)
		return drop(q, p, now_ns, QUEUE_DROP_FULL);
	if (q->d.limit_bytes && q->busy_bytes + p->ip_len > q->d.limit_bytes)
		return drop(q, p, now_ns, QUEUE_DROP_FULL);

	/*
	 * The link is busy at now only if the previous packet's exact end,
	 * last_sent + rem/rate, is after now; otherwise start afresh at now.
	 */
	uint64_t start = now_ns;
	u128 work = 0;
	if (q->last_sent_ns > now_ns || (q->last_sent_ns == now_ns && q->rem)) {
		start = q->last_sent_ns;
		work = q->rem;
	}
	uint64_t ser = 0;
	q->rem = 0;
	if (q->d.rate_bps) {
		work += (u128)p->ip_len * 8 * NS_PER_S;
		u128 whole = work / q->d.rate_bps;
		q->rem = (uint64_t)(work % q->d.rate_bps);
		ser = whole > UINT64_MAX ? UINT64_MAX : (uint64_t)whole;
	}
	p->sent_ns = add_sat(start, ser);
	p->deliver_ns = add_sat(p->sent_ns, q->d.delay_ns);
	q->last_sent_ns = p->sent_ns;

	p->next = NULL;
	if (q->tail)
		q->tail->next = p;
	else
		q->head = p;
	q->tail = p;

	/* The packet counts towards the maximum even if it serialises in 0 ns. */
	uint32_t occ_pkts = q->busy_pkts + 1;
	uint64_t occ_bytes = q->busy_bytes + p->ip_len;
	if (occ_pkts > q->st.max_queue_pkts)
		q->st.max_queue_pkts = occ_pkts;
	if (occ_bytes > q->st.max_queue_bytes)
		q->st.max_queue_bytes = occ_bytes;
	if (p->sent_ns > now_ns) {
		/* busy is NULL or earlier in the list: sent_ns is monotonic. */
		if (!q->busy)
			q->busy = p;
		q->busy_pkts++;
		q->busy_bytes += p->ip_len;
	}

	if (q->log)
		log_event(q, now_ns, '+', p->ip_len, NULL);
	return QUEUE_QUEUED;
}

struct qpkt *queue_pop(struct queue *q, uint64_t now_ns)
{
	struct qpkt *p = q->head;
	if (!p || p->deliver_ns > now_ns)
		return NULL;
	/* deliver >= sent, so p has left the serialiser; make busy agree. */
	advance(q, now_ns);
	q->head = p->next;
	if (!q->head)
		q->tail = NULL;
	p->next = NULL;

	if (q->st.pkts == 0)
		q->st.first_ns = p->deliver_ns;
	q->st.last_ns = p->deliver_ns;
	q->st.pkts++;
	q->st.bytes += p->ip_len;
	if (q->log) {
		uint64_t delay = p->deliver_ns - p->arrive_ns;
		log_event(q, now_ns, '-', p->ip_len, &delay);
	}
	return p;
}

uint64_t queue_next_ns(const struct queue *q)
{
	return q->head ? q->head->deliver_ns : UINT64_MAX;
}

void queue_depth(struct queue *q, uint64_t now_ns, uint32_t *pkts, uint64_t *bytes)
{
	advance(q, now_ns);
	*pkts = q->busy_pkts;
	*bytes = q->busy_bytes;
}

const struct link_stats *queue_stats(const struct queue *q)
{
	return &q->st;
}
