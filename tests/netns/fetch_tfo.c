/*
 * The page loader against a real nginx, in a throwaway network namespace:
 * with tcp_fastopen=519 every new connection carries acked SYN data and the
 * namespace's TFO counters rise by the connection count; with 0 none does;
 * a wrong expected size, a refused connection and a silent server fail the
 * load with a reason, within the bound; 200 loads (failed ones among
 * them) leave no descriptor, thread or child process behind.  A case that
 * a host stall hit (a witness thread woke 10 ms late) is repeated and not
 * counted; when every attempt stalled the test skips naming the stall.
 *
 * The namespace is anonymous (unshare in a forked child), so it disappears
 * with its last process; nginx dies with the child (PR_SET_PDEATHSIG).
 * Exit 77 when not root or without nginx.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/units.h"
#include "os/tcpmetrics.h"
#include "verify/tfo.h"
#include "workloads/fetch.h"

#define NGINX "/usr/sbin/nginx"

static int failures, case_failures;

/*
 * The stall witness.  This test has no emulated link whose lateness would
 * show a host stall, so a thread that sleeps 1 ms at a time measures how
 * late the host wakes it.  A case during which it woke STALL_NS or more
 * late ran on a stalled host: whatever it measured, it is repeated, at
 * most STALL_TRIES times (the runner's rule for a stalled load), and only
 * attempts that did not stall count.  When every attempt of a case
 * stalled, the test skips (77) naming the stall, unless a check failed.
 */
#define STALL_NS 10000000ll
#define STALL_TRIES 4
static int64_t stall_ns = STALL_NS;  /* $TFOLAB_TEST_STALL_LIMIT, as in lib.sh */
static int64_t witness_late;      /* the latest wake-up since reset (atomic) */
static int stalled_cases;
static char stalled_what[200];

/* A case's summary line, "not ok" when one of its checks failed. */
#define REPORT(fmt, ...)                                                     \
	printf("%s - " fmt, failures == case_failures ? "ok" : "not ok",      \
	       __VA_ARGS__)

#define CHECK(cond, ...)                                                     \
	do {                                                                 \
		if (!(cond)) {                                               \
			fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__,        \
				__LINE__, #cond);                            \
			fprintf(stderr, __VA_ARGS__);                        \
			fprintf(stderr, "\n");                               \
			failures++;                                          \
		}                                                            \
	} while (0)

static void *witness(void *arg)
{
	for (;;) {
		int64_t t0 = clock_mono_ns();
		struct timespec ms = { 0, 1000000 };
		nanosleep(&ms, NULL);
		int64_t late = clock_mono_ns() - t0 - 1000000;
		int64_t max = __atomic_load_n(&witness_late, __ATOMIC_RELAXED);
		while (late > max && !__atomic_compare_exchange_n(&witness_late, &max, late, false,
								   __ATOMIC_RELAXED, __ATOMIC_RELAXED))
			;
	}
	return arg;
}

/*
 * run_case - @fn under the witness: repeated while the host stalled it,
 * STALL_TRIES attempts at most; the checks of a stalled attempt are
 * discarded, pass or fail.
 */
static void run_case(void (*fn)(void), const char *name)
{
	int64_t late = 0;
	for (int i = 1; i <= STALL_TRIES; i++) {
		int before = failures;
		__atomic_store_n(&witness_late, 0, __ATOMIC_RELAXED);
		fn();
		fflush(stdout);
		late = __atomic_load_n(&witness_late, __ATOMIC_RELAXED);
		if (late < stall_ns)
			return;
		failures = before;
		printf("# %s: attempt %d stalled (the witness woke %.1f ms late): not counted%s\n",
		       name, i, late / 1e6, i < STALL_TRIES ? ", again" : "");
	}
	if (!stalled_cases++)
		snprintf(stalled_what, sizeof(stalled_what),
			 "%s: the witness thread woke %.1f ms late (limit %.0f ms)", name, late / 1e6,
			 stall_ns / 1e6);
}

static char dir[] = "/tmp/tfl-fetch-XXXXXX";
static pid_t nginx_pid = -1;

/* The page: two hosts, offsets, a completion dependency, an empty body. */
static char *hosts[] = { "origin-a.test", "origin-b.test" };
#define R(i, par, h, p, body, req, ct, off)                                   \
	{ .id = i, .parent = par, .host = h, .path = p, .body_bytes = body,   \
	  .wire_bytes = body,                                                 \
	  .req_bytes = req, .ctype = ct, .ref_offset = off, .conn = -1,       \
	  .group = -1, .wait_head_group = -1, .wait_done_group = -1 }
static struct page_res res[] = {
	R("root", -1, 0, "/a.html", 2000000, 620, "text/html", -1),
	R("css",   0, 0, "/b.css",   7000, 700, "text/css", 500),
	R("js",    0, 1, "/c.js",   12000,   0, "application/javascript", 2000),
	R("img1",  0, 1, "/d.png",   1500, 480, "image/png", 10000),
	R("big",   0, 0, "/e.js",   65000,   0, "application/javascript", -1),
	R("img2",  2, 1, "/f.png",   2500, 500, "image/png", -1),
	R("img3",  0, 0, "/g.png",    900, 510, "image/png", 20000),
	R("empty", 0, 1, "/h.txt",      0,   0, "text/plain", 29000),
};
#define NRES (sizeof(res) / sizeof(res[0]))
static struct page pg = { .name = "fetch_tfo", .n = NRES, .res = res,
			  .nhosts = 2, .hosts = hosts };

static int write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -errno;
	fputs(text, f);
	return fclose(f) ? -errno : 0;
}

static int setup_tree(void)
{
	char p[512];
	if (!mkdtemp(dir))
		return -errno;
	/* nginx workers run as nobody and must read the files. */
	chmod(dir, 0755);
	snprintf(p, sizeof(p), "%s/www", dir);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/tmp", dir);
	mkdir(p, 0755);
	for (size_t i = 0; i < NRES; i++) {
		snprintf(p, sizeof(p), "%s/www%s", dir, res[i].path);
		FILE *f = fopen(p, "w");
		if (!f)
			return -errno;
		for (uint64_t k = 0; k < res[i].body_bytes; k++)
			fputc('a' + (int)(k % 26), f);
		fclose(f);
		chmod(p, 0644);
	}
	char conf[4096];
	snprintf(conf, sizeof(conf),
		 "user nobody nogroup;\n"
		 "daemon off;\n"
		 "master_process on;\n"
		 "worker_processes 1;\n"
		 "pid %1$s/nginx.pid;\n"
		 "error_log %1$s/error.log warn;\n"
		 "events { worker_connections 256; }\n"
		 "http {\n"
		 "  access_log off;\n"
		 "  client_body_temp_path %1$s/tmp/body;\n"
		 "  proxy_temp_path %1$s/tmp/proxy;\n"
		 "  fastcgi_temp_path %1$s/tmp/fastcgi;\n"
		 "  uwsgi_temp_path %1$s/tmp/uwsgi;\n"
		 "  scgi_temp_path %1$s/tmp/scgi;\n"
		 "  default_type application/octet-stream;\n"
		 "  keepalive_requests 10000;\n"
		 "  server {\n"
		 "    listen 127.0.0.2:80 fastopen=256;\n"
		 "    listen 127.0.0.3:80 fastopen=256;\n"
		 "    root %1$s/www;\n"
		 "  }\n"
		 "}\n", dir);
	snprintf(p, sizeof(p), "%s/nginx.conf", dir);
	return write_text(p, conf);
}

static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	return remove(path);
}

static void rm_tree(void)
{
	if (strcmp(dir + strlen(dir) - 6, "XXXXXX"))
		nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static int lo_up(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ifreq ifr = { 0 };
	strcpy(ifr.ifr_name, "lo");
	int rc = 0;
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		rc = -errno;
	ifr.ifr_flags |= IFF_UP;
	if (!rc && ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

/* Only ever called after unshare(CLONE_NEWNET): the namespace's own. */
static int set_tfo(int mode)
{
	char v[16];
	snprintf(v, sizeof(v), "%d\n", mode);
	return write_text("/proc/sys/net/ipv4/tcp_fastopen", v);
}

static bool can_connect(const char *ip)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(80) };
	inet_pton(AF_INET, ip, &sa.sin_addr);
	bool ok = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return ok;
}

static int start_nginx(void)
{
	char conf[512], elog[512];
	snprintf(conf, sizeof(conf), "%s/nginx.conf", dir);
	snprintf(elog, sizeof(elog), "%s/error.log", dir);
	nginx_pid = fork();
	if (nginx_pid < 0)
		return -errno;
	if (nginx_pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		execl(NGINX, "nginx", "-p", dir, "-c", conf, "-e", elog,
		      (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 100; i++) {
		if (can_connect("127.0.0.2") && can_connect("127.0.0.3"))
			return 0;
		if (waitpid(nginx_pid, NULL, WNOHANG) == nginx_pid) {
			nginx_pid = -1;
			break;
		}
		usleep(100000);
	}
	fprintf(stderr, "nginx did not start; see %s\n", elog);
	return -ECHILD;
}

static void stop_nginx(void)
{
	if (nginx_pid <= 0)
		return;
	kill(nginx_pid, SIGTERM);
	for (int i = 0; i < 50; i++) {
		if (waitpid(nginx_pid, NULL, WNOHANG) == nginx_pid)
			return;
		usleep(100000);
	}
	kill(nginx_pid, SIGKILL);
	waitpid(nginx_pid, NULL, 0);
}

static struct in_addr addr[2];

/* One load with counter deltas around it. */
static int load(const struct fetch_opts *o, struct fetch_result *r,
		struct tfo_counters *delta)
{
	struct tfo_counters a, b;
	CHECK(tfo_counters_read(&a) == 0, "counters");
	int rc = fetch_page(&pg, addr, o, r);
	CHECK(tfo_counters_read(&b) == 0, "counters");
	tfo_counters_diff(&a, &b, delta);
	return rc;
}

static void check_complete(const struct fetch_result *r, const char *what)
{
	uint64_t body = 0;
	CHECK(r->plt_ns > 0, "%s: PLT %lld", what, (long long)r->plt_ns);
	CHECK(r->error[0] == 0, "%s: error %s", what, r->error);
	for (size_t i = 0; i < NRES; i++) {
		const struct fetch_req *q = &r->req[i];
		body += res[i].body_bytes;
		CHECK(q->status == 200 && q->body_bytes == res[i].body_bytes,
		      "%s: %s: status %d, %llu body bytes", what, res[i].id,
		      q->status, (unsigned long long)q->body_bytes);
		CHECK(q->queued_ns >= 0 && q->sent_ns >= q->queued_ns &&
		      q->first_byte_ns >= q->sent_ns &&
		      q->done_ns >= q->first_byte_ns && q->done_ns <= r->plt_ns,
		      "%s: %s: timings out of order", what, res[i].id);
		if (res[i].req_bytes)
			CHECK(q->req_bytes == res[i].req_bytes,
			      "%s: %s: request %u bytes, wanted %u", what,
			      res[i].id, q->req_bytes, res[i].req_bytes);
	}
	/* Offsets were honoured: img3 (20000 bytes into the 2 MB root, which
	 * takes many reads) went out before the root finished, big (after
	 * root) after it. */
	CHECK(r->req[6].queued_ns < r->req[0].done_ns, "%s: img3 early", what);
	CHECK(r->req[4].queued_ns >= r->req[0].done_ns, "%s: big late", what);
	CHECK(r->req[5].queued_ns >= r->req[2].done_ns, "%s: img2 late", what);
	CHECK(r->bytes_rx > body, "%s: %llu bytes in", what,
	      (unsigned long long)r->bytes_rx);
}

static void case_tfo(int per_conn)
{
	case_failures = failures;
	struct fetch_opts o = { .tfo = true, .sched.per_conn = per_conn };
	struct fetch_result r;
	struct tfo_counters d;
	CHECK(set_tfo(519) == 0, "set tcp_fastopen");
	int rc = load(&o, &r, &d);
	CHECK(rc == 0, "519 k=%d: %s", per_conn, r.error);
	check_complete(&r, "519");
	CHECK(r.nconns >= 2, "%zu connections", r.nconns);
	if (per_conn == 1)
		CHECK(r.nconns == NRES, "k=1: %zu connections", r.nconns);
	CHECK(r.conns_syn_data == r.nconns, "519 k=%d: %zu of %zu with SYN "
	      "data", per_conn, r.conns_syn_data, r.nconns);
	CHECK(d.active == r.nconns && d.passive == r.nconns,
	      "519: TCPFastOpenActive +%llu Passive +%llu for %zu conns",
	      (unsigned long long)d.active, (unsigned long long)d.passive,
	      r.nconns);
	bool syn[NRES];
	for (size_t i = 0; i < r.nconns; i++)
		syn[i] = r.conns[i].syn_data;
	char why[256];
	struct tfo_check c = { .mode = 519, .new_conns = r.nconns,
			       .syn_data = syn, .client = &d, .server = &d };
	CHECK(tfo_verdict(&c, why, sizeof(why)), "verdict: %s", why);
	/* The same evidence under mode 0 must be judged invalid. */
	c.mode = 0;
	CHECK(!tfo_verdict(&c, why, sizeof(why)), "verdict 0 accepted TFO");

	char *wf = NULL;
	size_t wflen = 0;
	FILE *f = open_memstream(&wf, &wflen);
	CHECK(fetch_waterfall_print(&pg, &r, f) == 0, "waterfall");
	fclose(f);
	size_t lines = 0;
	for (size_t i = 0; i < wflen; i++)
		lines += wf[i] == '\n';
	CHECK(lines == NRES + 2, "waterfall has %zu lines", lines);
	/* The root's bar: its connection, then receiving (waiting may be too
	 * short to show on loopback). */
	char bar[128] = "";
	char *root = strstr(wf, "\nroot ");
	if (root && strchr(root, '|'))
		sscanf(strchr(root, '|') + 1, "%127[^|]", bar);
	char *bc = strchr(bar, 'c'), *br = strchr(bar, 'r');
	CHECK(bc && br && bc < br && strlen(bar) == 60,
	      "waterfall root bar: \"%s\"", bar);
	if (per_conn == 0)
		fputs(wf, stdout);
	free(wf);
	REPORT("tcp_fastopen=519 k=%d: PLT %.2f ms, %zu conns, %zu with "
	       "SYN data, Active +%llu, Passive +%llu\n", per_conn,
	       (double)r.plt_ns / 1e6, r.nconns, r.conns_syn_data,
	       (unsigned long long)d.active, (unsigned long long)d.passive);
	fetch_result_free(&r);
}

static void case_off(void)
{
	case_failures = failures;
	struct fetch_opts o = { .tfo = true };
	struct fetch_result r;
	struct tfo_counters d;
	CHECK(set_tfo(0) == 0, "set tcp_fastopen");
	int rc = load(&o, &r, &d);
	CHECK(rc == 0, "0: %s", r.error);
	check_complete(&r, "0");
	CHECK(r.conns_syn_data == 0, "0: %zu with SYN data", r.conns_syn_data);
	CHECK(d.active == 0 && d.passive == 0, "0: Active +%llu Passive +%llu",
	      (unsigned long long)d.active, (unsigned long long)d.passive);
	bool syn[NRES] = { 0 };
	char why[256];
	struct tfo_check c = { .mode = 0, .new_conns = r.nconns,
			       .syn_data = syn, .client = &d, .server = &d };
	CHECK(tfo_verdict(&c, why, sizeof(why)), "verdict: %s", why);
	c.mode = 519;
	CHECK(!tfo_verdict(&c, why, sizeof(why)), "verdict 519 accepted no TFO");
	REPORT("tcp_fastopen=0: PLT %.2f ms, %zu conns, none with SYN "
	       "data\n", (double)r.plt_ns / 1e6, r.nconns);
	fetch_result_free(&r);
}

/* The capture-style plan: requests go on exactly their planned
 * connection, in page order. */
static void case_plan(void)
{
	case_failures = failures;
	static const int plan[NRES] = { 10, 10, 11, 11, 12, 11, 12, 13 };
	struct fetch_opts o = { .tfo = true, .sched.follow_plan = true,
				.sched.max_per_host = 1 };
	struct fetch_result r;
	struct tfo_counters d;
	CHECK(set_tfo(519) == 0, "set tcp_fastopen");
	for (size_t i = 0; i < NRES; i++)
		res[i].conn = plan[i];
	int rc = load(&o, &r, &d);
	for (size_t i = 0; i < NRES; i++)
		res[i].conn = -1;
	CHECK(rc == 0, "plan: %s", r.error);
	check_complete(&r, "plan");
	CHECK(r.nconns == 4, "plan: %zu connections, planned 4", r.nconns);
	for (size_t i = 0; i < NRES; i++)
		for (size_t j = i + 1; j < NRES; j++) {
			bool same = plan[i] == plan[j];
			CHECK(same == (r.req[i].conn == r.req[j].conn),
			      "plan: %s on c%d, %s on c%d", res[i].id,
			      r.req[i].conn, res[j].id, r.req[j].conn);
			if (same)
				CHECK(r.req[j].sent_ns >= r.req[i].done_ns,
				      "plan: %s sent before %s done",
				      res[j].id, res[i].id);
		}
	CHECK(r.conns_syn_data == 4 && d.active == 4, "plan: %zu with SYN "
	      "data, Active +%llu", r.conns_syn_data,
	      (unsigned long long)d.active);
	REPORT("plan followed: 4 connections, PLT %.2f ms\n",
	       (double)r.plt_ns / 1e6);
	fetch_result_free(&r);
}

/* Mode 3: real cookies.  The cold load fetches them, the warm one uses
 * them on every connection. */
static void case_cookies(void)
{
	case_failures = failures;
	struct fetch_opts o = { .tfo = true };
	struct fetch_result r;
	struct tfo_counters d;
	char why[256];
	bool syn[NRES];
	CHECK(set_tfo(3) == 0, "set tcp_fastopen");
	/* Cold again when repeated after a stall: no cookie cached. */
	CHECK(tcpmetrics_flush() == 0, "flush tcp_metrics");
	for (int warm = 0; warm < 2; warm++) {
		int rc = load(&o, &r, &d);
		CHECK(rc == 0, "3 %s: %s", warm ? "warm" : "cold", r.error);
		check_complete(&r, warm ? "3 warm" : "3 cold");
		for (size_t i = 0; i < r.nconns; i++)
			syn[i] = r.conns[i].syn_data;
		struct tfo_check c = { .mode = 3, .warm = warm,
				       .new_conns = r.nconns, .syn_data = syn,
				       .client = &d, .server = &d };
		CHECK(tfo_verdict(&c, why, sizeof(why)), "3 %s: %s",
		      warm ? "warm" : "cold", why);
		if (!warm)
			CHECK(d.cookie_reqd >= 1, "3 cold: no cookie requested");
		else
			CHECK(r.conns_syn_data == r.nconns, "3 warm: %zu of %zu",
			      r.conns_syn_data, r.nconns);
		REPORT("tcp_fastopen=3 %s: %s\n", warm ? "warm" : "cold",
		       why);
		fetch_result_free(&r);
	}
}

static void case_wrong_size(void)
{
	case_failures = failures;
	struct fetch_opts o = { .tfo = true };
	struct fetch_result r;
	CHECK(set_tfo(519) == 0, "set tcp_fastopen");
	/* The fetcher checks the wire size: the page now says one byte more
	 * than the origin sends. */
	res[3].wire_bytes += 1;
	int rc = fetch_page(&pg, addr, &o, &r);
	res[3].wire_bytes -= 1;
	CHECK(rc == -EBADMSG, "wrong size: rc %d", rc);
	CHECK(strstr(r.error, "img1") && strstr(r.error, "Content-Length 1500"),
	      "wrong size: reason \"%s\"", r.error);
	CHECK(r.plt_ns == -1, "failed load has a PLT");
	REPORT("wrong size fails: %s\n", r.error);
	fetch_result_free(&r);
}

static void case_refused(void)
{
	case_failures = failures;
	struct fetch_opts o = { .tfo = true, .timeout_ns = 5000000000ull };
	struct fetch_result r;
	struct in_addr good = addr[1];
	inet_pton(AF_INET, "127.0.0.9", &addr[1]);
	int64_t t = clock_mono_ns();
	int rc = fetch_page(&pg, addr, &o, &r);
	t = clock_mono_ns() - t;
	addr[1] = good;
	CHECK(rc == -ECONNREFUSED, "refused: rc %d (%s)", rc, r.error);
	CHECK(strstr(r.error, "refused") && strstr(r.error, "origin-b.test"),
	      "refused: reason \"%s\"", r.error);
	CHECK(t < 60000000000ll, "refused took %.1f s", t / 1e9);
	REPORT("nothing listening fails: %s\n", r.error);
	fetch_result_free(&r);
}

static void case_silent(void)
{
	case_failures = failures;
	/* Accepts connections (in the backlog) but never answers. */
	int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(80) };
	inet_pton(AF_INET, "127.0.0.4", &sa.sin_addr);
	CHECK(bind(l, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	      listen(l, 64) == 0, "silent listener: %s", strerror(errno));
	struct fetch_opts o = { .tfo = true, .timeout_ns = 1000000000ull };
	struct fetch_result r;
	struct in_addr good = addr[1];
	addr[1] = sa.sin_addr;
	int64_t t = clock_mono_ns();
	int rc = fetch_page(&pg, addr, &o, &r);
	t = clock_mono_ns() - t;
	addr[1] = good;
	close(l);
	CHECK(rc == -ETIMEDOUT, "silent: rc %d (%s)", rc, r.error);
	CHECK(strstr(r.error, "timed out") != NULL, "silent: reason \"%s\"",
	      r.error);
	CHECK(t >= 1000000000ll && t < 60000000000ll, "silent took %.1f s",
	      t / 1e9);
	REPORT("silent server times out: %s\n", r.error);
	fetch_result_free(&r);
}

/* Entries of /proc/self/DIR (fds, threads); -1 if unreadable. */
static int count_dir(const char *dirname)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/%s", dirname);
	DIR *d = opendir(path);
	int n = 0;
	if (!d)
		return -1;
	for (struct dirent *de; (de = readdir(d));)
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

/* Child processes of this process (any thread's), from /proc. */
static int count_children(void)
{
	DIR *d = opendir("/proc/self/task");
	int n = 0;
	if (!d)
		return -1;
	for (struct dirent *de; (de = readdir(d));) {
		char path[300], buf[4096];
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/children", de->d_name);
		int fd = open(path, O_RDONLY);
		ssize_t len = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
		if (fd >= 0)
			close(fd);
		for (ssize_t i = 0; i < len; i++)
			n += buf[i] == ' ';
	}
	closedir(d);
	return n;
}

/* 200 loads in this one process, successful ones and the two cheap
 * failures (a wrong size, nothing listening) mixed: the descriptors,
 * threads and child processes after them are those before them. */
static void case_no_leak(void)
{
	case_failures = failures;
	CHECK(set_tfo(519) == 0, "set tcp_fastopen");
	struct fetch_result r;
	struct fetch_opts o = { .tfo = true, .timeout_ns = 5000000000ull };
	CHECK(fetch_page(&pg, addr, &o, &r) == 0, "warm-up load: %s", r.error);
	fetch_result_free(&r);
	int fds = count_dir("fd"), threads = count_dir("task"), kids = count_children();
	int ok = 0, failed = 0;
	struct in_addr good = addr[1];
	for (int i = 0; i < 200; i++) {
		o.sched.per_conn = i % 2;
		if (i % 10 == 8)
			res[3].wire_bytes += 1;          /* the fetcher refuses the size */
		if (i % 10 == 9)
			inet_pton(AF_INET, "127.0.0.9", &addr[1]);   /* refused */
		int rc = fetch_page(&pg, addr, &o, &r);
		if (i % 10 == 8)
			res[3].wire_bytes -= 1;
		addr[1] = good;
		if (rc == 0)
			ok++;
		else
			failed++;
		fetch_result_free(&r);
	}
	int fds2 = count_dir("fd"), threads2 = count_dir("task"), kids2 = count_children();
	CHECK(ok == 160 && failed == 40, "200 loads: %d complete, %d failed; wanted 160, 40",
	      ok, failed);
	CHECK(fds >= 0 && fds2 == fds, "descriptors: %d before, %d after 200 loads", fds, fds2);
	CHECK(threads >= 1 && threads2 == threads, "threads: %d before, %d after", threads,
	      threads2);
	CHECK(kids >= 0 && kids2 == kids, "child processes: %d before, %d after", kids, kids2);
	REPORT("200 loads leak nothing: %d fds, %d threads, %d children before and after\n",
	       fds2, threads2, kids2);
}

static void case_tfo_all(void) { case_tfo(0); }
static void case_tfo_one(void) { case_tfo(1); }

static int child(void)
{
	if (unshare(CLONE_NEWNET) < 0) {
		fprintf(stderr, "unshare(CLONE_NEWNET): %s\n", strerror(errno));
		return 77;
	}
	if (lo_up() < 0) {
		fprintf(stderr, "lo up failed\n");
		return 1;
	}
	int rc = setup_tree();
	if (rc) {
		fprintf(stderr, "test tree %s: %s\n", dir, strerror(-rc));
		rm_tree();
		return 1;
	}
	if (set_tfo(519) || start_nginx()) {
		stop_nginx();
		rm_tree();
		return 1;
	}
	inet_pton(AF_INET, "127.0.0.2", &addr[0]);
	inet_pton(AF_INET, "127.0.0.3", &addr[1]);
	const char *limit = getenv("TFOLAB_TEST_STALL_LIMIT");
	uint64_t ns;
	if (limit && *limit && units_parse_time(limit, &ns) == 0)
		stall_ns = (int64_t)ns;
	pthread_t w;
	if (pthread_create(&w, NULL, witness, NULL) != 0) {
		fprintf(stderr, "witness thread: cannot start it\n");
		stop_nginx();
		rm_tree();
		return 1;
	}
	run_case(case_tfo_all, "tcp_fastopen=519 k=0");
	run_case(case_tfo_one, "tcp_fastopen=519 k=1");
	run_case(case_off, "tcp_fastopen=0");
	run_case(case_plan, "plan");
	run_case(case_cookies, "tcp_fastopen=3");
	run_case(case_wrong_size, "wrong size");
	run_case(case_refused, "refused");
	run_case(case_silent, "silent");
	case_no_leak();   /* counts, not times: a stall cannot break it */
	stop_nginx();
	rm_tree();
	if (!failures && stalled_cases) {
		printf("SKIP: host stall: every attempt of %d case(s) stalled (%s)\n", stalled_cases,
		       stalled_what);
		return 77;
	}
	return failures ? 1 : 0;
}

int main(void)
{
	if (geteuid() != 0) {
		fprintf(stderr, "skip: needs root\n");
		return 77;
	}
	if (access(NGINX, X_OK) != 0) {
		fprintf(stderr, "skip: no %s\n", NGINX);
		return 77;
	}
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		int rc = child();
		fflush(stdout);
		_exit(rc);
	}
	/* The child and its namespace get 240 s, then die. */
	int status;
	for (int i = 0; i < 2400; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
		usleep(100000);
	}
	fprintf(stderr, "FAIL: test did not finish in 240 s\n");
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return 1;
}
