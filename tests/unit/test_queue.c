/* The link model of one direction, driven by a synthetic clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "emulator/queue.h"

#define MS 1000000ull
#define S 1000000000ull

static struct qpkt *pkt_new(uint32_t ip_len, uint32_t id)
{
	struct qpkt *p = calloc(1, sizeof(*p) + sizeof(id));
	assert_non_null(p);
	p->ip_len = ip_len;
	p->len = sizeof(id);
	memcpy(p->data, &id, sizeof(id));
	return p;
}

static uint32_t pkt_id(const struct qpkt *p)
{
	uint32_t id;
	memcpy(&id, p->data, sizeof(id));
	return id;
}

static void release(struct qpkt *p, void *arg)
{
	(*(int *)arg)++;
	free(p);
}

static struct queue *q_new(uint64_t rate, uint64_t delay, uint32_t lim_p,
			   uint64_t lim_b, double loss, uint64_t seed)
{
	struct link_dir d = {
		.rate_bps = rate, .delay_ns = delay, .limit_pkts = lim_p,
		.limit_bytes = lim_b, .loss = loss,
	};
	struct queue *q = queue_new(&d, seed);
	assert_non_null(q);
	return q;
}

static void q_free(struct queue *q)
{
	int n = 0;
	queue_free(q, release, &n);
}

/* 1500 bytes at 4 Mbit/s: 12000 bits / 4e6 = 3 ms exactly. */
static void test_ser_4mbit(void **state)
{
	struct queue *q = q_new(4000000, 0, 0, 0, 0, 1);
	struct qpkt *p = pkt_new(1500, 0);

	assert_int_equal(queue_push(q, p, 5 * MS), QUEUE_QUEUED);
	assert_int_equal(p->arrive_ns, 5 * MS);
	assert_int_equal(p->sent_ns, 5 * MS + 3000000);
	assert_int_equal(p->deliver_ns, 5 * MS + 3000000);
	assert_null(queue_pop(q, 5 * MS + 2999999));
	assert_ptr_equal(queue_pop(q, 5 * MS + 3000000), p);
	free(p);
	q_free(q);
}

/* 1500 bytes at 256 kbit/s = 46.875 ms each; back to back, exact multiples. */
static void test_back_to_back_256k(void **state)
{
	struct queue *q = q_new(256000, 50 * MS, 0, 0, 0, 1);
	struct qpkt *p[10];
	const uint64_t t = 1234;

	for (int i = 0; i < 10; i++) {
		p[i] = pkt_new(1500, (uint32_t)i);
		assert_int_equal(queue_push(q, p[i], t), QUEUE_QUEUED);
	}
	for (int i = 0; i < 10; i++) {
		assert_int_equal(p[i]->sent_ns, t + (uint64_t)(i + 1) * 46875000);
		assert_int_equal(p[i]->deliver_ns, t + (uint64_t)(i + 1) * 46875000 + 50 * MS);
	}
	q_free(q);
}

/*
 * Keep the link busy for @n packets of @len bytes at @rate: each packet
 * arrives exactly when the previous one ends serialisation, so the link
 * never idles and the remainder must be carried.  Packet k (from 1) must
 * end at exactly floor(k * len * 8e9 / rate).
 */
static void run_no_drift(uint64_t rate, uint32_t len, uint32_t n)
{
	struct queue *q = q_new(rate, 0, 0, 0, 0, 1);
	struct qpkt *a = pkt_new(len, 0), *b = pkt_new(len, 1);
	uint64_t now = 0;
	uint32_t mismatches = 0;

	for (uint32_t k = 1; k <= n; k++) {
		struct qpkt *p = (k & 1) ? a : b;
		assert_int_equal(queue_push(q, p, now), QUEUE_QUEUED);
		unsigned __int128 exact = (unsigned __int128)k * len * 8 * S / rate;
		if (p->sent_ns != (uint64_t)exact)
			mismatches++;
		now = p->sent_ns;
		/* The previous packet (delay 0) is delivered by now: pop it. */
		struct qpkt *r;
		while ((r = queue_pop(q, now)))
			assert_true(r == a || r == b);
	}
	assert_int_equal(mismatches, 0);
	unsigned __int128 end = (unsigned __int128)n * len * 8 * S / rate;
	assert_int_equal(now, (uint64_t)end);
	assert_int_equal(queue_stats(q)->pkts, n);
	q_free(q);
	free(a);
	free(b);
}

static void test_no_drift_1mbit(void **state)
{
	run_no_drift(1000000, 1, 1000000);  /* 8000 ns each, ends at 8 s */
}

static void test_no_drift_uneven(void **state)
{
	/* 8e9/3 ns per byte: rounding each packet would lose 0.67 s. */
	run_no_drift(3, 1, 1000000);
	/* 1500 bytes at 7 Mbit/s: 1714285.714... ns each. */
	run_no_drift(7000000, 1500, 1000000);
}

/* Serialisation queues; the delay is added after it and does not queue. */
static void test_delay_after_ser(void **state)
{
	struct queue *q = q_new(4000000, 100 * MS, 0, 0, 0, 1);
	struct qpkt *a = pkt_new(1500, 0), *b = pkt_new(1500, 1);

	assert_int_equal(queue_push(q, a, 0), QUEUE_QUEUED);
	assert_int_equal(queue_push(q, b, 0), QUEUE_QUEUED);
	assert_int_equal(a->sent_ns, 3 * MS);
	assert_int_equal(a->deliver_ns, 103 * MS);
	assert_int_equal(b->sent_ns, 6 * MS);
	assert_int_equal(b->deliver_ns, 106 * MS);
	q_free(q);
}

/* Unlimited rate: pure delay, no occupancy, no droptail. */
static void test_unlimited(void **state)
{
	struct queue *q = q_new(0, 20 * MS, 1, 1, 0, 1);
	struct qpkt *p[3];
	uint32_t pk;
	uint64_t by;

	for (uint32_t i = 0; i < 3; i++)
		p[i] = pkt_new(1500, i);
	/* A packet larger than the byte limit is refused even at infinite rate. */
	assert_int_equal(queue_push(q, p[0], 0), QUEUE_DROP_FULL);
	q_free(q);

	q = q_new(0, 20 * MS, 1, 0, 0, 1);
	for (uint32_t i = 0; i < 3; i++) {
		assert_int_equal(queue_push(q, p[i], i * MS), QUEUE_QUEUED);
		assert_int_equal(p[i]->sent_ns, i * MS);
		assert_int_equal(p[i]->deliver_ns, i * MS + 20 * MS);
		queue_depth(q, i * MS, &pk, &by);
		assert_int_equal(pk, 0);
		assert_int_equal(by, 0);
	}
	/* All at once, too: a 1-packet limit never fills at infinite rate. */
	struct qpkt *x = pkt_new(100, 9), *y = pkt_new(100, 10);
	assert_int_equal(queue_push(q, x, 3 * MS), QUEUE_QUEUED);
	assert_int_equal(queue_push(q, y, 3 * MS), QUEUE_QUEUED);
	assert_int_equal(y->deliver_ns, 23 * MS);
	q_free(q);
}

static void test_fifo(void **state)
{
	struct queue *q = q_new(1000000, 10 * MS, 0, 0, 0, 1);
	/* Mixed sizes: a small packet behind a big one still waits for it. */
	static const uint32_t len[] = { 1500, 40, 1500, 576, 40, 1200, 40, 40 };
	const int n = sizeof(len) / sizeof(len[0]);

	for (int i = 0; i < n; i++)
		assert_int_equal(queue_push(q, pkt_new(len[i], (uint32_t)i), (uint64_t)i * 1000),
				 QUEUE_QUEUED);
	uint64_t last = 0;
	for (int i = 0; i < n; i++) {
		struct qpkt *p = queue_pop(q, UINT64_MAX - 1);
		assert_non_null(p);
		assert_int_equal(pkt_id(p), i);
		assert_true(p->deliver_ns >= last);
		last = p->deliver_ns;
		free(p);
	}
	assert_null(queue_pop(q, UINT64_MAX - 1));
	q_free(q);
}

static void test_droptail_pkts(void **state)
{
	struct queue *q = q_new(4000000, 0, 3, 0, 0, 1);
	struct qpkt *p[6];
	for (uint32_t i = 0; i < 6; i++)
		p[i] = pkt_new(1500, i);

	/* The packet being serialised counts: 3 fit at t = 0. */
	assert_int_equal(queue_push(q, p[0], 0), QUEUE_QUEUED);
	assert_int_equal(queue_push(q, p[1], 0), QUEUE_QUEUED);
	assert_int_equal(queue_push(q, p[2], 0), QUEUE_QUEUED);
	assert_int_equal(queue_push(q, p[3], 0), QUEUE_DROP_FULL);
	assert_int_equal(queue_push(q, p[4], 1 * MS), QUEUE_DROP_FULL);
	assert_int_equal(queue_stats(q)->drops_queue, 2);
	assert_int_equal(queue_stats(q)->drops_loss, 0);
	/* At 3 ms the first has been serialised: room for one more. */
	assert_int_equal(queue_push(q, p[5], 3 * MS), QUEUE_QUEUED);
	assert_int_equal(p[5]->sent_ns, 12 * MS);
	assert_int_equal(queue_push(q, p[3], 3 * MS), QUEUE_DROP_FULL);
	assert_int_equal(queue_stats(q)->drops_queue, 3);
	free(p[3]);
	free(p[4]);
	q_free(q);
}

static void test_droptail_bytes(void **state)
{
	struct queue *q = q_new(1000000, 0, 0, 4000, 0, 1);
	struct qpkt *a = pkt_new(1500, 0), *b = pkt_new(1500, 1), *c = pkt_new(1500, 2),
		    *d = pkt_new(1000, 3), *e = pkt_new(1, 4);

	assert_int_equal(queue_push(q, a, 0), QUEUE_QUEUED);
	assert_int_equal(queue_push(q, b, 0), QUEUE_QUEUED);
	assert_int_equal(queue_push(q, c, 0), QUEUE_DROP_FULL);  /* 4500 > 4000 */
	assert_int_equal(queue_push(q, d, 0), QUEUE_QUEUED);     /* 4000 = limit */
	assert_int_equal(queue_push(q, e, 0), QUEUE_DROP_FULL);
	assert_int_equal(queue_stats(q)->drops_queue, 2);
	uint32_t pk;
	uint64_t by;
	queue_depth(q, 0, &pk, &by);
	assert_int_equal(pk, 3);
	assert_int_equal(by, 4000);
	free(c);
	free(e);
	q_free(q);
}

/* Occupancy falls as serialisation ends; a drained queue accepts again. */
static void test_occupancy_falls(void **state)
{
	struct queue *q = q_new(4000000, 200 * MS, 2, 0, 0, 1);
	struct qpkt *p[4];
	uint32_t pk;
	uint64_t by;
	for (uint32_t i = 0; i < 4; i++)
		p[i] = pkt_new(1500, i);

	assert_int_equal(queue_push(q, p[0], 0), QUEUE_QUEUED);
	assert_int_equal(queue_push(q, p[1], 0), QUEUE_QUEUED);
	assert_int_equal(queue_push(q, p[2], 0), QUEUE_DROP_FULL);
	queue_depth(q, 0, &pk, &by);
	assert_int_equal(pk, 2);
	assert_int_equal(by, 3000);
	queue_depth(q, 3 * MS - 1, &pk, &by);
	assert_int_equal(pk, 2);
	queue_depth(q, 3 * MS, &pk, &by);
	assert_int_equal(pk, 1);
	assert_int_equal(by, 1500);
	queue_depth(q, 6 * MS, &pk, &by);
	assert_int_equal(pk, 0);
	assert_int_equal(by, 0);
	/* Still in the delay line (delivered at 203 and 206 ms), but not queued. */
	assert_int_equal(queue_next_ns(q), 203 * MS);
	assert_int_equal(queue_push(q, p[2], 10 * MS), QUEUE_QUEUED);
	assert_int_equal(queue_push(q, p[3], 10 * MS), QUEUE_QUEUED);
	assert_int_equal(p[2]->sent_ns, 13 * MS);  /* idle link: starts at arrival */
	q_free(q);
}

static void test_pop_ready(void **state)
{
	struct queue *q = q_new(4000000, 10 * MS, 0, 0, 0, 1);
	for (uint32_t i = 0; i < 5; i++)
		assert_int_equal(queue_push(q, pkt_new(1500, i), 0), QUEUE_QUEUED);
	/* Delivered at 13, 16, 19, 22, 25 ms. */
	assert_null(queue_pop(q, 13 * MS - 1));
	struct qpkt *p = queue_pop(q, 13 * MS);
	assert_non_null(p);
	assert_int_equal(pkt_id(p), 0);
	free(p);
	assert_null(queue_pop(q, 13 * MS));
	assert_null(queue_pop(q, 16 * MS - 1));
	int n = 0;
	while ((p = queue_pop(q, 22 * MS))) {
		assert_int_equal(pkt_id(p), 1 + n);
		n++;
		free(p);
	}
	assert_int_equal(n, 3);
	assert_int_equal(queue_next_ns(q), 25 * MS);
	assert_int_equal(queue_stats(q)->pkts, 4);
	assert_int_equal(queue_stats(q)->bytes, 6000);
	assert_int_equal(queue_stats(q)->first_ns, 13 * MS);
	assert_int_equal(queue_stats(q)->last_ns, 22 * MS);
	q_free(q);
}

static void test_next_ns(void **state)
{
	struct queue *q = q_new(4000000, 5 * MS, 0, 0, 0, 1);
	assert_true(queue_next_ns(q) == UINT64_MAX);
	struct qpkt *a = pkt_new(1500, 0), *b = pkt_new(1500, 1);
	assert_int_equal(queue_push(q, a, 1 * MS), QUEUE_QUEUED);
	assert_int_equal(queue_next_ns(q), 9 * MS);
	assert_int_equal(queue_push(q, b, 2 * MS), QUEUE_QUEUED);
	assert_int_equal(queue_next_ns(q), 9 * MS);
	assert_ptr_equal(queue_pop(q, queue_next_ns(q)), a);
	assert_int_equal(queue_next_ns(q), 12 * MS);
	assert_ptr_equal(queue_pop(q, queue_next_ns(q)), b);
	assert_true(queue_next_ns(q) == UINT64_MAX);
	free(a);
	free(b);
	q_free(q);
}

/* Loss verdicts for n packets, one bit each, into @bits; returns the drops. */
static uint32_t run_loss(double loss, uint64_t seed, uint32_t n, unsigned char *bits)
{
	struct queue *q = q_new(0, 0, 0, 0, loss, seed);
	struct qpkt *p = pkt_new(100, 0);
	uint32_t drops = 0;

	for (uint32_t i = 0; i < n; i++) {
		int v = queue_push(q, p, i);
		if (v == QUEUE_DROP_LOSS) {
			drops++;
			if (bits)
				bits[i / 8] |= (unsigned char)(1u << (i % 8));
		} else {
			assert_int_equal(v, QUEUE_QUEUED);
			assert_ptr_equal(queue_pop(q, i), p);
		}
	}
	assert_int_equal(queue_stats(q)->drops_loss, drops);
	assert_int_equal(queue_stats(q)->drops_queue, 0);
	assert_int_equal(queue_stats(q)->pkts, n - drops);
	q_free(q);
	free(p);
	return drops;
}

static void test_loss(void **state)
{
	enum { N = 100000 };
	static unsigned char a[N / 8], b[N / 8], c[N / 8];

	uint32_t da = run_loss(0.1, 42, N, a);
	assert_true(da >= N * 9 / 100 && da <= N * 11 / 100);
	assert_int_equal(run_loss(0.1, 42, N, b), da);
	assert_memory_equal(a, b, sizeof(a));      /* same seed, same drops */
	uint32_t dc = run_loss(0.1, 43, N, c);
	assert_true(dc >= N * 9 / 100 && dc <= N * 11 / 100);
	assert_memory_not_equal(a, c, sizeof(a));  /* another seed, others */
	uint32_t d0 = run_loss(0.1, 0, N, NULL);   /* seed 0 works too */
	assert_true(d0 >= N * 9 / 100 && d0 <= N * 11 / 100);
}

static void test_no_loss(void **state)
{
	assert_int_equal(run_loss(0, 42, 100000, NULL), 0);
	assert_int_equal(run_loss(0.5, 42, 100000, NULL) > 45000, 1);
}

static void test_max_depth(void **state)
{
	struct queue *q = q_new(1000000, 0, 0, 0, 0, 1);
	/* 1000 bytes at 1 Mbit/s = 8 ms. */
	for (uint32_t i = 0; i < 4; i++)
		assert_int_equal(queue_push(q, pkt_new(1000, i), 0), QUEUE_QUEUED);
	assert_int_equal(queue_stats(q)->max_queue_pkts, 4);
	assert_int_equal(queue_stats(q)->max_queue_bytes, 4000);
	/* Later and smaller: the maximum stays. */
	assert_int_equal(queue_push(q, pkt_new(10, 9), 30 * MS), QUEUE_QUEUED);
	assert_int_equal(queue_stats(q)->max_queue_pkts, 4);
	assert_int_equal(queue_stats(q)->max_queue_bytes, 4000);
	q_free(q);

	/* Ends at 8, 16, 24 ms: at 17 ms only the third is still queued. */
	q = q_new(1000000, 0, 0, 0, 0, 1);
	for (uint32_t i = 0; i < 3; i++)
		assert_int_equal(queue_push(q, pkt_new(1000, i), 0), QUEUE_QUEUED);
	assert_int_equal(queue_push(q, pkt_new(500, 3), 17 * MS), QUEUE_QUEUED);
	assert_int_equal(queue_push(q, pkt_new(500, 4), 17 * MS), QUEUE_QUEUED);
	assert_int_equal(queue_stats(q)->max_queue_pkts, 3);  /* 1 + 2 at 17 ms */
	assert_int_equal(queue_stats(q)->max_queue_bytes, 3000);
	assert_int_equal(queue_push(q, pkt_new(1400, 5), 17 * MS), QUEUE_QUEUED);
	assert_int_equal(queue_stats(q)->max_queue_pkts, 4);
	assert_int_equal(queue_stats(q)->max_queue_bytes, 3400);
	q_free(q);
}

static void test_log(void **state)
{
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);
	assert_non_null(f);
	struct queue *q = q_new(4000000, 10 * MS, 1, 0, 0, 1);
	queue_set_log(q, f, 1 * MS);
	struct qpkt *a = pkt_new(1500, 0), *b = pkt_new(40, 1);

	assert_int_equal(queue_push(q, a, 1 * MS), QUEUE_QUEUED);
	assert_int_equal(queue_push(q, b, 1 * MS + 500), QUEUE_DROP_FULL);
	assert_ptr_equal(queue_pop(q, 14 * MS + 1), a);
	assert_int_equal(queue_push(q, b, 20 * MS + 123456), QUEUE_QUEUED);
	assert_ptr_equal(queue_pop(q, 40 * MS), b);
	queue_set_log(q, NULL, 0);
	assert_int_equal(queue_push(q, a, 50 * MS), QUEUE_QUEUED);  /* not logged */
	fclose(f);
	/* 40 bytes at 4 Mbit/s = 80 us. */
	assert_string_equal(text,
		"0.000000 + 1500\n"
		"0.000500 d 40\n"
		"13.000001 - 1500 13.000000\n"
		"19.123456 + 40\n"
		"39.000000 - 40 10.080000\n");
	free(text);
	free(b);
	q_free(q);
}

static void test_free_releases(void **state)
{
	struct queue *q = q_new(1000, 0, 0, 0, 0, 1);
	for (uint32_t i = 0; i < 7; i++)
		assert_int_equal(queue_push(q, pkt_new(100, i), 0), QUEUE_QUEUED);
	int n = 0;
	queue_free(q, release, &n);
	assert_int_equal(n, 7);
	queue_free(NULL, release, &n);
	assert_int_equal(n, 7);
}

/* An Ethernet + IPv4 + TCP frame with @flags and @payload bytes. */
static struct qpkt *tcp_frame(uint8_t flags, uint32_t payload)
{
	uint32_t len = 14 + 20 + 20 + payload;
	struct qpkt *p = calloc(1, sizeof(*p) + len);
	assert_non_null(p);
	p->len = len;
	p->ip_len = len - 14;
	unsigned char *f = p->data;
	f[12] = 0x08;                       /* IPv4 */
	f[14] = 0x45;                       /* version 4, IHL 5 */
	f[16] = (unsigned char)((len - 14) >> 8);
	f[17] = (unsigned char)(len - 14);
	f[23] = 6;                          /* TCP */
	f[34 + 12] = 5 << 4;                /* data offset 20 bytes */
	f[34 + 13] = flags;
	return p;
}

static void test_syn_data_detect(void **state)
{
	struct qpkt *syn_data = tcp_frame(0x02, 300), *syn = tcp_frame(0x02, 0),
		    *synack = tcp_frame(0x12, 300), *data = tcp_frame(0x18, 300);
	assert_true(queue_is_syn_data(syn_data->data, syn_data->len));
	assert_false(queue_is_syn_data(syn->data, syn->len));
	assert_false(queue_is_syn_data(synack->data, synack->len));
	assert_false(queue_is_syn_data(data->data, data->len));
	/* Truncated frames and other protocols are never SYN data. */
	assert_false(queue_is_syn_data(syn_data->data, 40));
	syn_data->data[23] = 17;
	assert_false(queue_is_syn_data(syn_data->data, syn_data->len));
	syn_data->data[23] = 6;
	syn_data->data[12] = 0x86;
	assert_false(queue_is_syn_data(syn_data->data, syn_data->len));
	free(syn_data), free(syn), free(synack), free(data);
}

/* drop_syn_data = 2: the first two SYNs with data are lost, nothing else. */
static void test_drop_syn_data(void **state)
{
	struct link_dir d = { .rate_bps = 0, .drop_syn_data = 2 };
	struct queue *q = queue_new(&d, 1);
	assert_non_null(q);
	struct qpkt *plain = tcp_frame(0x02, 0);
	assert_int_equal(queue_push(q, plain, 0), QUEUE_QUEUED);
	for (int i = 0; i < 3; i++) {
		struct qpkt *p = tcp_frame(0x02, 100);
		int v = queue_push(q, p, 0);
		assert_int_equal(v, i < 2 ? QUEUE_DROP_LOSS : QUEUE_QUEUED);
		if (v != QUEUE_QUEUED)
			free(p);
	}
	assert_int_equal(queue_stats(q)->drops_loss, 2);
	q_free(q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ser_4mbit),
		cmocka_unit_test(test_back_to_back_256k),
		cmocka_unit_test(test_no_drift_1mbit),
		cmocka_unit_test(test_no_drift_uneven),
		cmocka_unit_test(test_delay_after_ser),
		cmocka_unit_test(test_unlimited),
		cmocka_unit_test(test_fifo),
		cmocka_unit_test(test_droptail_pkts),
		cmocka_unit_test(test_droptail_bytes),
		cmocka_unit_test(test_occupancy_falls),
		cmocka_unit_test(test_pop_ready),
		cmocka_unit_test(test_next_ns),
		cmocka_unit_test(test_loss),
		cmocka_unit_test(test_no_loss),
		cmocka_unit_test(test_max_depth),
		cmocka_unit_test(test_log),
		cmocka_unit_test(test_free_releases),
		cmocka_unit_test(test_syn_data_detect),
		cmocka_unit_test(test_drop_syn_data),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
