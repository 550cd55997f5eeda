/*
 * The AF_PACKET forwarder behind the userspace link; see forward.h.
 *
 * One loop serves both directions: wait (epoll with a nanosecond timeout)
 * for a frame or for the next delivery time, read every frame that is
 * ready into pool buffers and push it on its queue with the time it was
 * read, then pop every packet whose delivery time has come and send it.
 * Frames are stamped after the read returns, so a frame's emulated delay
 * starts at most one wake-up latency after it reached the interface; the
 * spin before a delivery keeps the exit side to about a system call.
 *
 * The buffer pool is in forward_pool.c, the ports in forward_port.c; the
 * pure helpers (frames, timing, counters) and the loop are here.
 */
#include "emulator/forward.h"

#include <errno.h>
#include <linux/if_packet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"

/* --- frames and timing ------------------------------------------------- */

int forward_frame_fill(struct qpkt *p, uint32_t len, int truncated, uint32_t cap)
{
	if (truncated || len > cap)
		return -EMSGSIZE;
	if (len < FORWARD_ETH_HLEN)
		return -EINVAL;
	p->len = len;
	p->ip_len = len - FORWARD_ETH_HLEN;
	return 0;
}

int64_t forward_wait_ns(uint64_t now_ns, uint64_t next_up, uint64_t next_down,
			uint64_t spin_ns)
{
	uint64_t next = next_up < next_down ? next_up : next_down;
	if (next == UINT64_MAX)
		return -1;
	if (next <= now_ns || next - now_ns <= spin_ns)
		return 0;
	uint64_t w = next - now_ns - spin_ns;
	return w > INT64_MAX ? INT64_MAX : (int64_t)w;
}

uint64_t forward_stamp(uint64_t rx_real_ns, uint64_t real_off_ns, uint64_t now_ns,
		       uint64_t last_ns)
{
	uint64_t t = now_ns;
	if (rx_real_ns > real_off_ns && rx_real_ns - real_off_ns < now_ns)
		t = rx_real_ns - real_off_ns;
	return t < last_ns ? last_ns : t;
}

/* --- counters ------------------------------------------------------------ */

void forward_late_note(struct forward_dir_stats *st, uint64_t late_ns, uint32_t epoch)
{
	if (st->win_epoch != epoch) {
		st->win_epoch = epoch;
		st->win_max_ns = 0;
	}
	if (late_ns > st->win_max_ns)
		st->win_max_ns = late_ns;
	st->late_sum_ns += late_ns;
	if (late_ns > st->late_max_ns)
		st->late_max_ns = late_ns;
	if (late_ns >= LINK_LATE_NS) {
		st->late_pkts++;
		st->late_ns += late_ns;
	}
}

void forward_shared_publish(struct forward_shared *sh, const struct link_stats *up,
			    const struct link_stats *down, const struct forward_dir_stats *fup,
			    const struct forward_dir_stats *fdown)
{
	uint32_t s = __atomic_load_n(&sh->seq, __ATOMIC_RELAXED);
	__atomic_store_n(&sh->seq, s + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	sh->up = *up;
	sh->down = *down;
	sh->fup = *fup;
	sh->fdown = *fdown;
	__atomic_store_n(&sh->seq, s + 2, __ATOMIC_RELEASE);
}

void forward_shared_mark(struct forward_shared *sh)
{
	__atomic_add_fetch(&sh->epoch, 1, __ATOMIC_RELAXED);
}

void forward_shared_read(const struct forward_shared *sh, struct link_stats *up,
			 struct link_stats *down, struct forward_dir_stats *fup,
			 struct forward_dir_stats *fdown)
{
	struct forward_shared c;
	for (;;) {
		uint32_t s = __atomic_load_n(&sh->seq, __ATOMIC_ACQUIRE);
		if (s & 1)
			continue;
		c.up = sh->up;
		c.down = sh->down;
		c.fup = sh->fup;
		c.fdown = sh->fdown;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n(&sh->seq, __ATOMIC_RELAXED) == s)
			break;
	}
	/* The window's maximum, or 0 when no frame has left since the mark. */
	uint32_t epoch = __atomic_load_n(&sh->epoch, __ATOMIC_RELAXED);
	c.up.late_max_ns = c.fup.win_epoch == epoch ? c.fup.win_max_ns : 0;
	c.down.late_max_ns = c.fdown.win_epoch == epoch ? c.fdown.win_max_ns : 0;
	if (up)
		*up = c.up;
	if (down)
		*down = c.down;
	if (fup)
		*fup = c.fup;
	if (fdown)
		*fdown = c.fdown;
}

/* --- the forwarder ------------------------------------------------------- */

/* One direction: frames read on @rx go through @q and out on @tx_fd. */
struct fdir {
	const char *name;       /* "up" or "down", for messages */
	struct forward_port rx; /* its ring and rx fd (not owned) */
	uint32_t ring_idx;      /* the next frame of the ring to look at */
	int tx_fd;
	struct queue *q;
	FILE *log;
	struct forward_dir_stats st;
	uint64_t last_ns;       /* the latest time given to the queue */
	int warned_send, warned_recv;
};

struct forward {
	struct forward_pool *pool;
	struct fdir dir[2];     /* 0 = up, 1 = down */
	struct forward_shared *sh;
	uint64_t spin_ns;
	uint64_t linger_ns;
	uint64_t kstats_ns;     /* when the kernel's drop counts were last read */
	/* One batch of frames to send. */
	struct mmsghdr msgs[FORWARD_BATCH];
	struct iovec iov[FORWARD_BATCH];
	struct qpkt *bufs[FORWARD_BATCH];
};

static void release_pkt(struct qpkt *p, void *arg)
{
	forward_pool_put(arg, p);
}

void forward_free(struct forward *f)
{
	if (!f)
		return;
	for (int i = 0; i < 2; i++) {
		struct fdir *d = &f->dir[i];
		if (d->q)
			queue_set_log(d->q, NULL, 0);
		queue_free(d->q, release_pkt, f->pool);
		if (d->log && fclose(d->log) != 0)
			log_warn("userspace link: event log (%s): fclose: %s", d->name,
				 strerror(errno));
	}
	forward_pool_free(f->pool);
	free(f);
}

static int dir_init(struct forward *f, int i, const struct link_dir *ld, uint64_t seed,
		    const struct forward_port *rx, int tx_fd, const char *event_log,
		    uint64_t t0, char *err, int errlen)
{
	struct fdir *d = &f->dir[i];
	d->name = i == 0 ? "up" : "down";
	d->rx = *rx;
	d->tx_fd = tx_fd;
	d->q = queue_new(ld, seed);
	if (!d->q)
		return forward_fail(err, errlen, ENOMEM, "userspace link: queue_new(%s)", d->name);
	if (!event_log)
		return 0;
	char path[4096];
	snprintf(path, sizeof(path), "%s.%s", event_log, d->name);
	d->log = fopen(path, "we");
	if (!d->log)
		return forward_fail(err, errlen, errno, "event log %s: fopen", path);
	setvbuf(d->log, NULL, _IOFBF, 1 << 20);
	queue_set_log(d->q, d->log, t0);
	return 0;
}

int forward_new(const struct link_params *p, const struct forward_opts *o,
		const struct forward_port *client, const struct forward_port *server,
		const char *event_log, struct forward_shared *sh,
		struct forward **out, char *err, int errlen)
{
	struct forward *f = calloc(1, sizeof(*f));
	if (!f)
		return forward_fail(err, errlen, ENOMEM, "userspace link: calloc");
	int rc;
	f->sh = sh;
	struct forward_opts def = FORWARD_OPTS_DEFAULT;
	if (!o)
		o = &def;
	f->spin_ns = o->spin_ns;
	f->linger_ns = o->linger_ns;
	uint32_t n = forward_pool_size(p);
	f->pool = forward_pool_new(n, FORWARD_BUF_SIZE);
	if (!f->pool) {
		rc = forward_fail(err, errlen, errno, "userspace link: pool of %u buffers", n);
		goto error;
	}
	uint64_t t0 = clock_mono_ns();
	/* Distinct loss streams per direction from one seed. */
	rc = dir_init(f, 0, &p->up, p->seed, client, server->tx, event_log, t0, err, errlen);
	if (rc == 0)
		rc = dir_init(f, 1, &p->down, p->seed ^ 0x9e3779b97f4a7c15ull, server,
			      client->tx, event_log, t0, err, errlen);
	if (rc < 0)
		goto error;
	*out = f;
	return 0;
error:
	forward_free(f);
	return rc;
}

/*
 * Frames that found the ring full never reached the forwarder; the kernel
 * counts them (and resets its count on each read).  A system call, so it
 * is read at most every 10 ms, and at exit.
 */
static void read_kernel_drops(struct forward *f, int force)
{
	uint64_t now = clock_mono_ns();
	if (!force && now - f->kstats_ns < 10000000)
		return;
	f->kstats_ns = now;
	for (int i = 0; i < 2; i++) {
		struct tpacket_stats ks;
		socklen_t len = sizeof(ks);
		if (getsockopt(f->dir[i].rx.rx, SOL_PACKET, PACKET_STATISTICS, &ks, &len) == 0)
			f->dir[i].st.drops_ring += ks.tp_drops;
	}
}

static void publish(struct forward *f, int force)
{
	struct link_stats s[2];
	read_kernel_drops(f, force);
	for (int i = 0; i < 2; i++) {
		s[i] = *queue_stats(f->dir[i].q);
		s[i].drops_queue += f->dir[i].st.drops_pool + f->dir[i].st.drops_ring;
		s[i].late_pkts = f->dir[i].st.late_pkts;
		s[i].late_ns = f->dir[i].st.late_ns;
	}
	forward_shared_publish(f->sh, &s[0], &s[1], &f->dir[0].st, &f->dir[1].st);
}

/*
 * Takes up to FORWARD_READ_MAX frames from one direction's ring and queues
 * each at its kernel receive time.  A frame that finds the pool empty is
 * counted as a pool drop.  Returns the number of frames taken.
 */
static int dir_read(struct forward *f, struct fdir *d)
{
	uint32_t cap = forward_pool_data_cap(f->pool);
	uint64_t now = clock_mono_ns();
	uint64_t off = clock_real_ns() - now;
	int got = 0;
	while (got < FORWARD_READ_MAX) {
		struct tpacket2_hdr *h =
			(void *)(d->rx.ring + (size_t)d->ring_idx * d->rx.frame_size);
		if (!(__atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER))
			break;
		got++;
		struct qpkt *p = forward_pool_get(f->pool);
		if (!p) {
			d->st.drops_pool++;
		} else if (forward_frame_fill(p, h->tp_snaplen, h->tp_snaplen < h->tp_len, cap) < 0) {
			/* Frames beyond the MTU mean GRO or TSO is on. */
			if (!d->st.drops_bad)
				log_warn("userspace link (%s): dropped a frame of %u bytes "
					 "(buffers hold %u; are GRO/TSO/GSO off?)", d->name,
					 h->tp_len, cap);
			d->st.drops_bad++;
			forward_pool_put(f->pool, p);
		} else {
			memcpy(p->data, (unsigned char *)h + h->tp_mac, p->len);
			uint64_t rx = (uint64_t)h->tp_sec * 1000000000ull + h->tp_nsec;
			d->last_ns = forward_stamp(rx, off, now, d->last_ns);
			if (queue_push(d->q, p, d->last_ns) != QUEUE_QUEUED)
				forward_pool_put(f->pool, p);
		}
		__atomic_store_n(&h->tp_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
		if (++d->ring_idx == d->rx.frame_nr)
			d->ring_idx = 0;
	}
	d->st.rx += (uint64_t)got;
	return got;
}

/* A pending socket error (the interface went down or away: the testbed is
 * being torn down) is not worth dying for, but must be cleared, or epoll
 * reports it forever. */
static void dir_clear_error(struct fdir *d)
{
	int e = 0;
	socklen_t len = sizeof(e);
	getsockopt(d->rx.rx, SOL_SOCKET, SO_ERROR, &e, &len);
	if (e && !d->warned_recv++)
		log_warn("userspace link (%s): receive: %s", d->name, strerror(e));
}

static void dir_flush(struct forward *f, struct fdir *d, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		f->iov[i].iov_base = f->bufs[i]->data;
		f->iov[i].iov_len = f->bufs[i]->len;
		memset(&f->msgs[i].msg_hdr, 0, sizeof(f->msgs[i].msg_hdr));
		f->msgs[i].msg_hdr.msg_iov = &f->iov[i];
		f->msgs[i].msg_hdr.msg_iovlen = 1;
	}
	uint32_t done = 0;
	while (done < n) {
		int r = sendmmsg(d->tx_fd, f->msgs + done, n - done, MSG_DONTWAIT);
		if (r > 0) {
			done += (uint32_t)r;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		/* The frame at done was refused (a full device queue, or the
		 * interface is down): drop it, like a wire would, and go on. */
		if (!d->warned_send++)
			log_warn("userspace link (%s): sendmmsg: %s", d->name,
				 r < 0 ? strerror(errno) : "sent nothing");
		d->st.send_errors++;
		done++;
	}
	for (uint32_t i = 0; i < n; i++)
		forward_pool_put(f->pool, f->bufs[i]);
}

/* Sends every packet of @d due at @now_ns.  Returns the number sent. */
static int dir_send(struct forward *f, struct fdir *d, uint64_t now_ns)
{
	uint32_t n = 0;
	int total = 0;
	struct qpkt *p;
	d->last_ns = now_ns;
	while ((p = queue_pop(d->q, now_ns))) {
		/* How late the forwarder is: the accuracy of the emulation. */
		forward_late_note(&d->st, now_ns - p->deliver_ns,
				  __atomic_load_n(&f->sh->epoch, __ATOMIC_RELAXED));
		f->bufs[n++] = p;
		total++;
		if (n == FORWARD_BATCH) {
			dir_flush(f, d, n);
			n = 0;
		}
	}
	if (n)
		dir_flush(f, d, n);
	return total;
}

/*
 * Arms @tfd to expire at @at_ns (absolute, CLOCK_MONOTONIC).  A timerfd
 * rather than an epoll timeout because the kernel gives a sleeping poll a
 * slack of 0.1% of its timeout (100 us on a 100 ms delay) whatever the
 * task's timer slack, while a timerfd expires on time.
 */
static int timer_arm(int tfd, uint64_t at_ns)
{
	struct itimerspec it = {
		.it_value = { .tv_sec = (time_t)(at_ns / 1000000000),
			      .tv_nsec = (long)(at_ns % 1000000000) },
	};
	return timerfd_settime(tfd, TFD_TIMER_ABSTIME, &it, NULL);
}

int forward_run(struct forward *f, int stop_fd, char *err, int errlen)
{
	int ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		return forward_fail(err, errlen, errno, "userspace link: epoll_create1");
	int rc = 0;
	int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (tfd < 0) {
		rc = forward_fail(err, errlen, errno, "userspace link: timerfd_create");
		goto end;
	}
	int fds[4] = { f->dir[0].rx.rx, f->dir[1].rx.rx, stop_fd, tfd };
	for (int i = 0; i < 4; i++) {
		struct epoll_event ev = { .events = EPOLLIN, .data.u32 = (uint32_t)i };
		if (epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev) < 0) {
			rc = forward_fail(err, errlen, errno, "userspace link: epoll_ctl(ADD)");
			goto end;
		}
	}
	publish(f, 1);
	uint64_t armed = 0;        /* expiry of the timer, 0 = disarmed/fired */
	uint64_t poll_until = 0;   /* keep polling after work until then */
	for (;;) {
		uint64_t now = clock_mono_ns();
		int64_t w = forward_wait_ns(now, queue_next_ns(f->dir[0].q),
					    queue_next_ns(f->dir[1].q), f->spin_ns);
		if (now < poll_until)
			w = 0;
		if (w > 0 && armed != now + (uint64_t)w) {
			armed = now + (uint64_t)w;
			if (timer_arm(tfd, armed) < 0) {
				rc = forward_fail(err, errlen, errno, "userspace link: timerfd_settime");
				goto end;
			}
		}
		struct epoll_event evs[4];
		int n = epoll_wait(ep, evs, 4, w == 0 ? 0 : -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = forward_fail(err, errlen, errno, "userspace link: epoll_wait");
			goto end;
		}
		uint32_t ready[4] = { 0, 0, 0, 0 };
		for (int i = 0; i < n; i++)
			ready[evs[i].data.u32] = evs[i].events;
		if (ready[2])
			break;
		if (ready[3]) {
			uint64_t ticks;
			if (read(tfd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN) {
				rc = forward_fail(err, errlen, errno, "userspace link: read(timerfd)");
				goto end;
			}
			armed = 0;
		}
		int work = 0;
		for (int i = 0; i < 2; i++) {
			if (ready[i] & EPOLLERR)
				dir_clear_error(&f->dir[i]);
			if (ready[i] & EPOLLIN)
				work += dir_read(f, &f->dir[i]);
		}
		now = clock_mono_ns();
		for (int i = 0; i < 2; i++)
			work += dir_send(f, &f->dir[i], now);
		if (work) {
			publish(f, 0);
			if (f->linger_ns)
				poll_until = clock_mono_ns() + f->linger_ns;
		}
	}
end:
	publish(f, 1);
	if (tfd >= 0)
		close(tfd);
	close(ep);
	return rc;
}
