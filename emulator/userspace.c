/*
 * The userspace link backend: a forwarder process (emulator/forward.c)
 * between the link namespace's two interfaces.
 *
 * start() forks the forwarder, which inherits the link namespace of the
 * calling thread.  The child opens and binds both sockets, builds its queues
 * and only then tells the parent, through a pipe, that it is ready, or why
 * it failed (errno and a message naming the interface and the call), so
 * that start() returns when no frame can be lost any more.  The counters
 * live in a shared anonymous mapping that the child writes under a seqlock
 * and the parent reads at any time.  The child dies with the thread that
 * forked it (PR_SET_PDEATHSIG), so it never outlives tfolab.
 */
#include "emulator/forward.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"

struct link_backend {
	pid_t pid;
	struct forward_shared *sh;
};

/* What the child says to the parent at start-up: err 0 = ready. */
struct hello {
	int err;                /* a negative errno */
	char text[480];
};

static int userspace_probe(char *why, int len)
{
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(why, len, "socket(AF_PACKET): %s (needs CAP_NET_RAW)", strerror(errno));
		return 0;
	}
	close(fd);
	return 1;
}

static void child_say(int fd, int err, const char *text)
{
	struct hello h = { .err = err };
	snprintf(h.text, sizeof(h.text), "%s", text);
	/* One write under PIPE_BUF is atomic; if the parent is gone there is
	 * nobody to tell. */
	if (write(fd, &h, sizeof(h)) < 0)
		return;
}

/* Keeps only stderr and the pipe: the forwarder must not hold the parent's
 * sockets, files or pipes open behind its back. */
static void child_close_fds(int keep)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
	}
	if (keep > 3)
		close_range(3, (unsigned)keep - 1, 0);
	close_range((unsigned)keep + 1, ~0u, 0);
}

static void *close_fd(void *arg)
{
	close((int)(intptr_t)arg);
	return NULL;
}

/*
 * Closing an AF_PACKET socket waits for an RCU grace period (synchronize_net
 * in packet_release), and the exit path closes them one after the other:
 * four sockets cost some 70 ms at every testbed_down.  Closed from four
 * threads at once, the waits overlap.
 */
static void ports_close(struct forward_port *a, struct forward_port *b)
{
	int fds[4] = { a->rx, a->tx, b->rx, b->tx };
	pthread_t t[4];
	int started[4] = { 0 };

	for (int i = 0; i < 2; i++) {
		struct forward_port *p = i ? b : a;
		if (p->ring)
			munmap(p->ring, p->ring_len);
		p->ring = NULL;
	}
	for (int i = 0; i < 4; i++)
		if (fds[i] >= 0)
			started[i] = pthread_create(&t[i], NULL, close_fd, (void *)(intptr_t)fds[i]) == 0;
	for (int i = 0; i < 4; i++) {
		if (started[i])
			pthread_join(t[i], NULL);
		else if (fds[i] >= 0)
			close(fds[i]);
	}
	a->rx = a->tx = b->rx = b->tx = -1;
}

static void __attribute__((noreturn))
child_main(pid_t parent, int pfd, const struct link_params *p, const struct forward_opts *o,
	   const char *if_client, const char *if_server, const char *event_log,
	   struct forward_shared *sh)
{
	char err[400];
	int rc, sfd = -1;
	struct forward_port client, server;
	struct forward *f = NULL;

	child_close_fds(pfd);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(1);
	/* A name to find it by in ps (and for tests/e2e/stall.sh). */
	prctl(PR_SET_NAME, "tfolab-link", 0, 0, 0);
	/* Nanosecond-precise sleeps: the default slack is 50 us. */
	if (prctl(PR_SET_TIMERSLACK, 1UL) < 0) {
		rc = -errno;
		snprintf(err, sizeof(err), "userspace link: prctl(PR_SET_TIMERSLACK): %s",
			 strerror(errno));
		goto error;
	}
	/*
	 * Only the parent stops the forwarder (SIGTERM).  Its own process group
	 * keeps a terminal's ^C away from it: tfolab finishes the trial under
	 * way over a working link, then tears down.
	 */
	setpgid(0, 0);
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	if (o->rt_prio > 0) {
		struct sched_param sp = { .sched_priority = o->rt_prio };
		if (sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK, &sp) < 0)
			log_warn("userspace link: sched_setscheduler(SCHED_FIFO %d): %s; "
				 "the delays will be less accurate", o->rt_prio,
				 strerror(errno));
	}
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	/* An ignored signal is discarded before a signalfd could see it, and
	 * the parent's handlers are not ours. */
	signal(SIGTERM, SIG_DFL);
	sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0) {
		rc = -errno;
		snprintf(err, sizeof(err), "userspace link: signalfd: %s", strerror(errno));
		goto error;
	}
	rc = forward_port_open(&client, if_client, err, sizeof(err));
	if (rc < 0)
		goto error;
	rc = forward_port_open(&server, if_server, err, sizeof(err));
	if (rc < 0)
		goto error;
	rc = forward_new(p, o, &client, &server, event_log, sh, &f, err, sizeof(err));
	if (rc < 0)
		goto error;
	child_say(pfd, 0, "ready");
	close(pfd);
	rc = forward_run(f, sfd, err, sizeof(err));
	if (rc < 0)
		log_err("%s", err);
	forward_free(f);
	ports_close(&client, &server);
	_exit(rc < 0 ? 1 : 0);
error:
	child_say(pfd, rc, err);
	_exit(1);
}

/* Reaps @pid, with SIGKILL after about @grace_ms; returns its wait status or -1. */
static int reap(pid_t pid, int grace_ms)
{
	int status;
	for (int i = 0; i <= grace_ms; i++) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			return status;
		if (r < 0 && errno != EINTR)
			return -1;  /* ECHILD: SIGCHLD ignored, already reaped */
		struct timespec ms = { 0, 1000000 };
		nanosleep(&ms, NULL);
	}
	kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return status;
}

int userspace_start_opts(const struct link_params *p, const struct forward_opts *o,
			 const char *if_client, const char *if_server, const char *event_log,
			 struct link_backend **out)
{
	struct forward_opts def = FORWARD_OPTS_DEFAULT;
	if (!o)
		o = &def;
	struct link_backend *b = calloc(1, sizeof(*b));
	if (!b) {
		log_err("userspace link: calloc: %s", strerror(ENOMEM));
		return -ENOMEM;
	}
	int rc, pfd[2] = { -1, -1 };
	b->sh = mmap(NULL, sizeof(*b->sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		     -1, 0);
	if (b->sh == MAP_FAILED) {
		rc = -errno;
		log_err("userspace link: mmap(counters): %s", strerror(errno));
		b->sh = NULL;
		goto error;
	}
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		rc = -errno;
		log_err("userspace link: pipe2: %s", strerror(errno));
		goto error;
	}
	pid_t parent = getpid();
	b->pid = fork();
	if (b->pid < 0) {
		rc = -errno;
		log_err("userspace link: fork: %s", strerror(errno));
		goto error;
	}
	if (b->pid == 0) {
		close(pfd[0]);
		child_main(parent, pfd[1], p, o, if_client, if_server, event_log, b->sh);
	}
	close(pfd[1]);
	pfd[1] = -1;
	struct hello h;
	ssize_t n;
	do
		n = read(pfd[0], &h, sizeof(h));
	while (n < 0 && errno == EINTR);
	close(pfd[0]);
	pfd[0] = -1;
	if (n != (ssize_t)sizeof(h)) {
		int st = reap(b->pid, 1000);
		log_err("userspace link: forwarder (pid %d) died during start-up (status 0x%x)",
			(int)b->pid, st);
		b->pid = 0;
		rc = -ECHILD;
		goto error;
	}
	if (h.err < 0) {
		h.text[sizeof(h.text) - 1] = '\0';
		log_err("%s", h.text);
		reap(b->pid, 1000);
		b->pid = 0;
		rc = h.err;
		goto error;
	}
	*out = b;
	return 0;
error:
	if (pfd[0] >= 0)
		close(pfd[0]);
	if (pfd[1] >= 0)
		close(pfd[1]);
	if (b->sh)
		munmap(b->sh, sizeof(*b->sh));
	free(b);
	return rc;
}

static int userspace_start(const struct link_params *p, const char *if_client,
			   const char *if_server, const char *event_log,
			   struct link_backend **out)
{
	return userspace_start_opts(p, NULL, if_client, if_server, event_log, out);
}

static int userspace_stats(struct link_backend *b, struct link_stats *up,
			   struct link_stats *down)
{
	forward_shared_read(b->sh, up, down, NULL, NULL);
	return 0;
}

static void userspace_mark(struct link_backend *b)
{
	forward_shared_mark(b->sh);
}

int userspace_fstats(struct link_backend *b, struct forward_dir_stats *up,
		     struct forward_dir_stats *down)
{
	forward_shared_read(b->sh, NULL, NULL, up, down);
	return 0;
}

static int userspace_cpu_ns(struct link_backend *b, uint64_t *ns)
{
	clockid_t cid;
	int e = clock_getcpuclockid(b->pid, &cid);
	if (e) {
		log_err("userspace link: clock_getcpuclockid(pid %d): %s", (int)b->pid,
			strerror(e));
		return -e;
	}
	struct timespec ts;
	if (clock_gettime(cid, &ts) < 0) {
		log_err("userspace link: clock_gettime(cpu of pid %d): %s", (int)b->pid,
			strerror(errno));
		return -errno;
	}
	*ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	return 0;
}

static void userspace_stop(struct link_backend *b)
{
	if (!b)
		return;
	if (b->pid > 0) {
		kill(b->pid, SIGTERM);
		int st = reap(b->pid, 1000);
		if (st != -1 && !(WIFEXITED(st) && WEXITSTATUS(st) == 0))
			log_warn("userspace link: forwarder (pid %d) ended with status 0x%x",
				 (int)b->pid, st);
	}
	munmap(b->sh, sizeof(*b->sh));
	free(b);
}

const struct link_backend_ops link_userspace_ops = {
	.name = "userspace",
	.probe = userspace_probe,
	.start = userspace_start,
	.stats = userspace_stats,
	.mark = userspace_mark,
	.cpu_ns = userspace_cpu_ns,
	.stop = userspace_stop,
};
