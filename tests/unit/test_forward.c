/* Pure parts of the userspace forwarder: pool, frames, wake-ups, counters. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "emulator/forward.h"

static void pool_alloc_free_exhaust(void **state)
{
	struct forward_pool *pool = forward_pool_new(3, FORWARD_BUF_SIZE);
	assert_non_null(pool);
	assert_int_equal(forward_pool_avail(pool), 3);
	assert_int_equal(forward_pool_data_cap(pool), FORWARD_BUF_SIZE - sizeof(struct qpkt));

	struct qpkt *a = forward_pool_get(pool);
	struct qpkt *b = forward_pool_get(pool);
	struct qpkt *c = forward_pool_get(pool);
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(c);
	assert_true(a != b && b != c && a != c);
	assert_null(forward_pool_get(pool));  /* exhausted */
	assert_int_equal(forward_pool_avail(pool), 0);

	/* Buffers do not overlap: fill each to its capacity. */
	uint32_t cap = forward_pool_data_cap(pool);
	memset(a->data, 0xaa, cap);
	memset(b->data, 0xbb, cap);
	memset(c->data, 0xcc, cap);
	assert_int_equal(a->data[cap - 1], 0xaa);
	assert_int_equal(b->data[0], 0xbb);

	forward_pool_put(pool, b);
	forward_pool_put(pool, NULL);  /* no-op */
	assert_int_equal(forward_pool_avail(pool), 1);
	assert_ptr_equal(forward_pool_get(pool), b);  /* LIFO: hot buffer first */
	forward_pool_put(pool, a);
	forward_pool_put(pool, b);
	forward_pool_put(pool, c);
	assert_int_equal(forward_pool_avail(pool), 3);
	forward_pool_free(pool);
	forward_pool_free(NULL);
}

static void pool_bad_size(void **state)
{
	errno = 0;
	assert_null(forward_pool_new(4, sizeof(struct qpkt)));
	assert_int_equal(errno, EINVAL);
	assert_null(forward_pool_new(0, FORWARD_BUF_SIZE));
}

static void pool_size_from_params(void **state)
{
	struct link_params p;
	link_params_init(&p);
	p.up.rate_bps = 256000;
	p.down.rate_bps = 4000000;
	p.up.delay_ns = p.down.delay_ns = 50000000;
	link_params_finish(&p);
	uint32_t n = forward_pool_size(&p);
	/* Both droptail limits must fit. */
	assert_true(n >= p.up.limit_pkts + p.down.limit_pkts);

	/* Unlimited rate with a long delay: the delay line dominates. */
	link_params_init(&p);
	p.up.delay_ns = p.down.delay_ns = 100000000;
	link_params_finish(&p);
	uint32_t big = forward_pool_size(&p);
	assert_true(big > n);
	assert_true(big <= (1u << 20));

	/* A byte limit bounds the queue even with no packet limit. */
	link_params_init(&p);
	p.up.limit_bytes = p.down.limit_bytes = 15000;
	p.up.rate_bps = p.down.rate_bps = 1000000;
	assert_int_equal(forward_pool_size(&p), 4096);
}

static void frame_fill(void **state)
{
	unsigned char buf[sizeof(struct qpkt) + 64];
	struct qpkt *p = (struct qpkt *)buf;
	assert_int_equal(forward_frame_fill(p, 60, 0, 64), 0);
	assert_int_equal(p->len, 60);
	assert_int_equal(p->ip_len, 46);  /* minimum Ethernet frame, e.g. ARP */
	assert_int_equal(forward_frame_fill(p, 64, 0, 64), 0);
	assert_int_equal(p->ip_len, 50);
	assert_int_equal(forward_frame_fill(p, 14, 0, 64), 0);
	assert_int_equal(p->ip_len, 0);
	assert_int_equal(forward_frame_fill(p, 13, 0, 64), -EINVAL);
	assert_int_equal(forward_frame_fill(p, 0, 0, 64), -EINVAL);
	assert_int_equal(forward_frame_fill(p, 64, 1, 64), -EMSGSIZE);
	assert_int_equal(forward_frame_fill(p, 65, 0, 64), -EMSGSIZE);
	/* A full-size frame of the testbed fits a pool buffer. */
	assert_true(1514 <= FORWARD_BUF_SIZE - sizeof(struct qpkt));
}

static void wait_ns(void **state)
{
	const uint64_t E = UINT64_MAX;
	/* Both queues empty: block. */
	assert_int_equal(forward_wait_ns(1000, E, E, 20000), -1);
	/* A delivery already due: poll. */
	assert_int_equal(forward_wait_ns(1000, 1000, E, 20000), 0);
	assert_int_equal(forward_wait_ns(1000, E, 500, 20000), 0);
	/* Within the spin window: poll. */
	assert_int_equal(forward_wait_ns(1000, 21000, E, 20000), 0);
	/* Beyond it: sleep until spin_ns before the earlier of the two. */
	assert_int_equal(forward_wait_ns(1000, 1000000, 50000, 20000), 29000);
	assert_int_equal(forward_wait_ns(1000, 50000, 1000000, 20000), 29000);
	/* No spin: sleep exactly to the delivery. */
	assert_int_equal(forward_wait_ns(1000, 5000, E, 0), 4000);
	assert_int_equal(forward_wait_ns(5000, 5000, E, 0), 0);
	/* A far future (e.g. a huge delay) does not wrap to a negative. */
	assert_true(forward_wait_ns(0, E - 1, E, 0) > 0);
}

static void late_note(void **state)
{
	struct forward_dir_stats st = { 0 };
	forward_late_note(&st, 3000, 0);
	forward_late_note(&st, LINK_LATE_NS - 1, 0);
	/* Ordinary lateness is measured but is no fault. */
	assert_int_equal(st.late_pkts, 0);
	assert_int_equal(st.late_max_ns, LINK_LATE_NS - 1);
	forward_late_note(&st, LINK_LATE_NS, 0);
	forward_late_note(&st, 40 * LINK_LATE_NS, 0);
	forward_late_note(&st, 0, 0);
	assert_int_equal(st.win_max_ns, 40 * LINK_LATE_NS);
	assert_int_equal(st.late_pkts, 2);
	assert_int_equal(st.late_ns, 41 * LINK_LATE_NS);
	assert_int_equal(st.late_max_ns, 40 * LINK_LATE_NS);
	assert_int_equal(st.late_sum_ns, 3000 + (LINK_LATE_NS - 1) + 41 * LINK_LATE_NS);
	/* A new window forgets the old maximum; the totals go on. */
	forward_late_note(&st, 5000, 1);
	assert_int_equal(st.win_epoch, 1);
	assert_int_equal(st.win_max_ns, 5000);
	assert_int_equal(st.late_max_ns, 40 * LINK_LATE_NS);
	assert_int_equal(st.late_pkts, 2);
}

/* The parent's mark opens a window; a window no frame has seen reads 0. */
static void shared_window(void **state)
{
	struct forward_shared sh = { 0 };
	struct link_stats up = { 0 }, down = { 0 }, u, d;
	struct forward_dir_stats fu = { 0 }, fd = { 0 };
	forward_late_note(&fu, 7 * LINK_LATE_NS, sh.epoch);
	forward_late_note(&fd, 2 * LINK_LATE_NS, sh.epoch);
	forward_shared_publish(&sh, &up, &down, &fu, &fd);
	forward_shared_read(&sh, &u, &d, NULL, NULL);
	assert_int_equal(u.late_max_ns, 7 * LINK_LATE_NS);
	assert_int_equal(d.late_max_ns, 2 * LINK_LATE_NS);
	forward_shared_mark(&sh);
	forward_shared_read(&sh, &u, &d, NULL, NULL);
	assert_int_equal(u.late_max_ns, 0);
	assert_int_equal(d.late_max_ns, 0);
	forward_late_note(&fu, 3000, sh.epoch);
	forward_shared_publish(&sh, &up, &down, &fu, &fd);
	forward_shared_read(&sh, &u, &d, NULL, NULL);
	assert_int_equal(u.late_max_ns, 3000);
	assert_int_equal(d.late_max_ns, 0);
}

static void stamp(void **state)
{
	const uint64_t off = 1700000000000000000ull;  /* realtime - monotonic */
	/* The kernel's stamp, converted to the monotonic clock. */
	assert_int_equal(forward_stamp(off + 5000, off, 9000, 0), 5000);
	/* No stamp: the read time. */
	assert_int_equal(forward_stamp(0, off, 9000, 0), 9000);
	/* A stamp from the future (the clock was stepped back): the read time. */
	assert_int_equal(forward_stamp(off + 9500, off, 9000, 0), 9000);
	/* A stamp before the epoch of the offset (stepped forward): the read time. */
	assert_int_equal(forward_stamp(off - 1, off, 9000, 0), 9000);
	/* Never before the latest time the queue was given. */
	assert_int_equal(forward_stamp(off + 5000, off, 9000, 7000), 7000);
	assert_int_equal(forward_stamp(0, off, 9000, 9000), 9000);
}

static void shared_roundtrip(void **state)
{
	struct forward_shared sh;
	memset(&sh, 0, sizeof(sh));
	struct link_stats up = { .pkts = 7, .bytes = 700, .max_queue_pkts = 3 };
	struct link_stats down = { .pkts = 9, .drops_queue = 2, .last_ns = 12345 };
	struct forward_dir_stats fup = { .rx = 8, .drops_pool = 1 };
	struct forward_dir_stats fdown = { .rx = 11, .send_errors = 4 };
	forward_shared_publish(&sh, &up, &down, &fup, &fdown);
	assert_int_equal(sh.seq % 2, 0);
	assert_int_equal(sh.seq, 2);

	struct link_stats ru, rd;
	struct forward_dir_stats fu, fd;
	forward_shared_read(&sh, &ru, &rd, &fu, &fd);
	assert_memory_equal(&ru, &up, sizeof(up));
	assert_memory_equal(&rd, &down, sizeof(down));
	assert_memory_equal(&fu, &fup, sizeof(fup));
	assert_memory_equal(&fd, &fdown, sizeof(fdown));
	forward_shared_read(&sh, NULL, &rd, NULL, NULL);  /* NULL outputs */
	assert_int_equal(rd.last_ns, 12345);

	up.pkts = 70;
	forward_shared_publish(&sh, &up, &down, &fup, &fdown);
	assert_int_equal(sh.seq, 4);
	forward_shared_read(&sh, &ru, NULL, NULL, NULL);
	assert_int_equal(ru.pkts, 70);
}

/* A reader racing a writer never sees a mix of two publications. */
struct race {
	struct forward_shared sh;
	int done;
};

static void *race_writer(void *arg)
{
	struct race *r = arg;
	for (uint64_t k = 1; k <= 200000; k++) {
		struct link_stats s = { .pkts = k, .bytes = k, .drops_queue = k, .last_ns = k };
		struct forward_dir_stats f = { .rx = k, .send_errors = k };
		forward_shared_publish(&r->sh, &s, &s, &f, &f);
	}
	__atomic_store_n(&r->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void shared_no_torn_read(void **state)
{
	static struct race r;
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, race_writer, &r), 0);
	uint64_t last = 0, reads = 0;
	int bad = 0;
	while (!__atomic_load_n(&r.done, __ATOMIC_ACQUIRE) || reads == 0) {
		struct link_stats u, d;
		struct forward_dir_stats fu, fd;
		forward_shared_read(&r.sh, &u, &d, &fu, &fd);
		uint64_t k = u.pkts;
		if (u.bytes != k || u.drops_queue != k || u.last_ns != k || d.pkts != k ||
		    d.last_ns != k || fu.rx != k || fd.send_errors != k || k < last)
			bad++;
		last = k;
		reads++;
	}
	pthread_join(t, NULL);
	assert_int_equal(bad, 0);
	struct link_stats u;
	forward_shared_read(&r.sh, &u, NULL, NULL, NULL);
	assert_int_equal(u.pkts, 200000);
}

/* Opening a port names the interface and the call that failed; no root
 * is needed, the name lookup fails first. */
static void port_open_error(void **state)
{
	struct forward_port port = { .rx = 7, .tx = 7 };
	char err[256] = "";
	int rc = forward_port_open(&port, "tfl-no-such-if", err, sizeof(err));
	assert_int_equal(rc, -ENODEV);
	assert_int_equal(port.rx, -1);
	assert_int_equal(port.tx, -1);
	assert_non_null(strstr(err, "tfl-no-such-if"));
	assert_non_null(strstr(err, "if_nametoindex"));
}

/* The conversion and the queue together: a frame's IP bytes set its
 * serialisation time (1000 IP bytes at 8 Mbit/s = 1 ms). */
static void frame_through_queue(void **state)
{
	struct forward_pool *pool = forward_pool_new(4, FORWARD_BUF_SIZE);
	struct link_dir d = { .rate_bps = 8000000, .delay_ns = 5000000, .limit_pkts = 10 };
	struct queue *q = queue_new(&d, 1);
	assert_non_null(pool);
	assert_non_null(q);
	struct qpkt *p = forward_pool_get(pool);
	assert_int_equal(forward_frame_fill(p, 1014, 0, forward_pool_data_cap(pool)), 0);
	assert_int_equal(queue_push(q, p, 1000), QUEUE_QUEUED);
	assert_int_equal(queue_next_ns(q), 1000 + 1000000 + 5000000);
	assert_int_equal(forward_wait_ns(1000, queue_next_ns(q), UINT64_MAX, 20000),
			 6000000 - 20000);
	assert_null(queue_pop(q, 6000999));
	assert_ptr_equal(queue_pop(q, 6001000), p);
	forward_pool_put(pool, p);
	queue_free(q, NULL, NULL);
	assert_int_equal(forward_pool_avail(pool), 4);
	forward_pool_free(pool);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(pool_alloc_free_exhaust),
		cmocka_unit_test(pool_bad_size),
		cmocka_unit_test(pool_size_from_params),
		cmocka_unit_test(frame_fill),
		cmocka_unit_test(wait_ns),
		cmocka_unit_test(stamp),
		cmocka_unit_test(late_note),
		cmocka_unit_test(shared_window),
		cmocka_unit_test(shared_roundtrip),
		cmocka_unit_test(shared_no_torn_read),
		cmocka_unit_test(port_open_error),
		cmocka_unit_test(frame_through_queue),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
