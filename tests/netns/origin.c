/*
 * Root test of workloads/origin.c: the real nginx in a throwaway network
 * namespace serves every resource of a small page with exact sizes and
 * bytes, as nobody, from a 0700 run directory; TFO works on its listeners;
 * HTTPS (1.3, 1.2) serves the same bytes with the run's CA and the pinned
 * version only; origin_free leaves no process and no directory (no key);
 * an unassigned address or a port in use fails the start with a clear
 * error and nothing left.  Exits 77
 * when not root.
 *
 * The namespace is anonymous (unshare in a forked child): it disappears
 * with the child, whatever happens.  Its sysctls are the namespace's own;
 * the parent checks that the host's tcp_fastopen is unchanged.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bodies/body.h"
#include "workloads/origin.h"

static int failures;

#define CHECK(cond, ...)                                                   \
	do {                                                               \
		if (!(cond)) {                                             \
			fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__,      \
				__LINE__, #cond);                          \
			fprintf(stderr, __VA_ARGS__);                      \
			fputc('\n', stderr);                               \
			failures++;                                        \
		}                                                          \
	} while (0)

/* Runs argv, returns its exit status (-1 if it did not exit) and its
 * stdout (truncated to len - 1 bytes). */
static int run(char *const argv[], char *out, size_t len)
{
	int p[2];
	if (pipe(p) < 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		dup2(p[1], 1);
		close(p[0]);
		close(p[1]);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(p[1]);
	size_t n = 0;
	ssize_t r;
	while ((r = read(p[0], out + n, len - 1 - n)) > 0 && n + r < len - 1)
		n += r;
	if (r > 0)
		n += r;
	out[n] = '\0';
	close(p[0]);
	int status;
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, len - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return n < 0 ? -1 : 0;
}

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -1;
}

/* TcpExt counter from /proc/net/netstat of this namespace, or -1. */
static long tcpext(const char *field)
{
	static char buf[16384];
	if (read_file("/proc/net/netstat", buf, sizeof(buf)) < 0)
		return -1;
	char *names = strstr(buf, "TcpExt:");
	char *values = names ? strstr(names + 7, "TcpExt:") : NULL;
	if (!values)
		return -1;
	char *save1, *save2;
	char *nl = strchr(names, '\n');
	*nl = '\0';
	char *n = strtok_r(names + 7, " ", &save1);
	char *v = strtok_r(values + 7, " \n", &save2);
	for (; n && v; n = strtok_r(NULL, " ", &save1), v = strtok_r(NULL, " \n", &save2))
		if (strcmp(n, field) == 0)
			return atol(v);
	return -1;
}

/* Process stat fields: state and process group. */
static int proc_stat(pid_t pid, char *state, int *pgrp)
{
	char path[64], buf[512];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (read_file(path, buf, sizeof(buf)) < 0)
		return -1;
	char *p = strrchr(buf, ')');
	int ppid;
	return p && sscanf(p + 1, " %c %d %d", state, &ppid, pgrp) == 3 ? 0 : -1;
}

static int zombie(pid_t pid)
{
	char st;
	int pg;
	return proc_stat(pid, &st, &pg) == 0 && st == 'Z';
}

/* Live (non-zombie) processes of process group pgid. */
static int live_in_group(pid_t pgid)
{
	int n = 0;
	DIR *d = opendir("/proc");
	struct dirent *e;
	while (d && (e = readdir(d))) {
		char st;
		int pg;
		pid_t p = (pid_t)atoi(e->d_name);
		if (p > 0 && proc_stat(p, &st, &pg) == 0 && pg == pgid && st != 'Z')
			n++;
	}
	if (d)
		closedir(d);
	return n;
}

/* Whole-file byte equality. */
/* Processes (not zombies) whose command line names s: nginx is started
 * with -c RUN/nginx.conf, its workers inherit no such line but die with
 * their master, which a failed start must not leave. */
static int procs_naming(const char *s)
{
	int n = 0;
	DIR *d = opendir("/proc");
	struct dirent *de;
	while (d && (de = readdir(d))) {
		char path[300], cmd[4096];
		pid_t p = (pid_t)atoi(de->d_name);
		if (p <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)p);
		int fd = open(path, O_RDONLY);
		ssize_t len = fd >= 0 ? read(fd, cmd, sizeof(cmd) - 1) : -1;
		if (fd >= 0)
			close(fd);
		if (len <= 0)
			continue;
		for (ssize_t i = 0; i < len; i++)
			cmd[i] = cmd[i] ? cmd[i] : ' ';
		cmd[len] = '\0';
		if (strstr(cmd, s) && !zombie(p))
			n++;
	}
	if (d)
		closedir(d);
	return n;
}

static int same_file(const char *a, const char *b)
{
	FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
	int same = fa && fb;
	while (same) {
		int ca = fgetc(fa), cb = fgetc(fb);
		if (ca != cb)
			same = 0;
		if (ca == EOF || cb == EOF)
			break;
	}
	if (fa)
		fclose(fa);
	if (fb)
		fclose(fb);
	return same;
}

/* GET path from host at addr; returns the HTTP status, sets *size.  With
 * ca, over HTTPS to port 443 with host's name and only ca trusted, and
 * extra (an option of curl's, or NULL) added. */
static int fetch_tls(const char *host, const char *addr, const char *path,
		     const char *outfile, const char *ca, const char *extra, long *size)
{
	char hosthdr[128], url[160], out[128], resolve[160];
	snprintf(hosthdr, sizeof(hosthdr), "Host: %s", host);
	snprintf(resolve, sizeof(resolve), "%s:443:%s", host, addr);
	if (ca)
		snprintf(url, sizeof(url), "https://%s/", host);
	else
		snprintf(url, sizeof(url), "http://%s:80/", addr);
	char *argv[20] = {"curl", "-s", "--max-time", "60", "--path-as-is",
			  "-o", (char *)outfile, "-w", "%{http_code} %{size_download}",
			  "-H", hosthdr, "--request-target", (char *)path, url};
	int n = 14;
	if (ca) {
		argv[n++] = "--resolve";
		argv[n++] = resolve;
		argv[n++] = "--cacert";
		argv[n++] = (char *)ca;
	}
	argv[n] = (char *)extra;
	int rc = run(argv, out, sizeof(out));
	int code = 0;
	*size = -1;
	if (rc != 0 || sscanf(out, "%d %ld", &code, size) != 2) {
		fprintf(stderr, "curl %s%s: exit %d, output \"%s\"\n", host, path, rc, out);
		return -1;
	}
	return code;
}

static int fetch(const char *host, const char *addr, const char *path,
		 const char *outfile, int tfo, long *size)
{
	return fetch_tls(host, addr, path, outfile, NULL, tfo ? "--tcp-fastopen" : NULL, size);
}

/*
 * HTTPS with TLS mode m: every resource by its host's name over a verified
 * handshake with the run's CA alone, only the pinned version, the key and
 * its directory private, and nothing left after origin_free.
 */
static void check_tls(struct page *pg, struct origin_opts o, enum tls_mode m,
		      const char *const *addr_s)
{
	o.tls = m;
	struct origin *or = origin_new(pg, &o);
	CHECK(or != NULL, "origin_new (%s)", tls_mode_name(m));
	if (!or)
		return;
	int rc = origin_start(or);
	CHECK(rc == 0, "origin_start (%s): %s", tls_mode_name(m), strerror(-rc));
	char rundir[512], path[700], outfile[600], docfile[700], name[BODY_NAME_MAX];
	snprintf(rundir, sizeof(rundir), "%s", origin_rundir(or));
	const char *ca = origin_ca_file(or);
	CHECK(ca && access(ca, R_OK) == 0, "CA file %s", ca ? ca : "(null)");
	struct stat st;
	snprintf(path, sizeof(path), "%s/tls/key.pem", rundir);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 07777) == 0600, "%s mode", path);
	snprintf(path, sizeof(path), "%s/tls", rundir);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 07777) == 0700 && st.st_uid == 0,
	      "%s mode %04o owner %d", path, st.st_mode & 07777, (int)st.st_uid);
	snprintf(outfile, sizeof(outfile), "%s.fetched", rundir);
	for (size_t i = 0; rc == 0 && ca && i < pg->n; i++) {
		long size;
		int h = pg->res[i].host;
		int code = fetch_tls(pg->hosts[h], addr_s[h], pg->res[i].path, outfile, ca,
				     NULL, &size);
		CHECK(code == 200 && size == (long)pg->res[i].wire_bytes,
		      "%s over %s: status %d, %ld bytes", pg->res[i].id, tls_mode_name(m),
		      code, size);
		body_name(pg->hosts[h], pg->res[i].path, name, sizeof(name));
		snprintf(docfile, sizeof(docfile), "%s/docroot/%s", rundir, name);
		CHECK(same_file(outfile, docfile), "%s: bytes differ", pg->res[i].id);
		unlink(outfile);
	}
	if (rc == 0 && ca) {
		long size;
		/* the pinned version only: 1.2 refuses 1.3 and 1.3 refuses 1.2 */
		char resolve[160], url[160], out[64];
		snprintf(resolve, sizeof(resolve), "%s:443:%s", pg->hosts[0], addr_s[0]);
		snprintf(url, sizeof(url), "https://%s/", pg->hosts[0]);
		char *argv[] = {"curl", "-s", "--max-time", "20", "-o", "/dev/null",
				"--resolve", resolve, "--cacert", (char *)ca,
				m == TLS_12 ? "--tlsv1.3" : "--tls-max",
				m == TLS_12 ? "--tlsv1.3" : "1.2", url, NULL};
		CHECK(run(argv, out, sizeof(out)) == 35, "%s: another TLS version not refused",
		      tls_mode_name(m));
		/* the system's CAs do not vouch for it */
		CHECK(fetch_tls(pg->hosts[0], addr_s[0], "/", "/dev/null",
				"/etc/ssl/certs/ca-certificates.crt", NULL, &size) < 0,
		      "certificate accepted without the run's CA");
	}
	origin_free(or);
	CHECK(stat(rundir, &st) < 0 && errno == ENOENT, "run dir %s remains", rundir);
}

static char nasty[] = "/q\"x\\y$z{};#'%2e%2e?a=/../..&b=${x}";
static char longpath[5001];

/*
 * The test itself, in a namespace of its own.  One long function on
 * purpose: it is a script of steps against one nginx, each a CHECK that
 * reads top to bottom, and splitting it would only pass the origin around.
 */
static int child(const char *base)
{
	if (unshare(CLONE_NEWNET) < 0) {
		fprintf(stderr, "skip: unshare(CLONE_NEWNET): %s\n", strerror(errno));
		return 77;
	}
	/* Orphaned nginx processes of the crash case become ours to reap,
	 * instead of zombies of an init that may not reap. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	/* A strict umask must not keep the workers from the docroot. */
	umask(077);
	char out[4096];
	char *lo_up[] = {"ip", "link", "set", "lo", "up", NULL};
	CHECK(run(lo_up, out, sizeof(out)) == 0, "ip link set lo up");
	CHECK(write_file("/proc/sys/net/ipv4/tcp_fastopen", "519") == 0, "set tcp_fastopen");
	read_file("/proc/sys/net/ipv4/tcp_fastopen", out, sizeof(out));
	CHECK(atoi(out) == 519, "namespace tcp_fastopen is %s", out);

	memset(longpath, 'l', 5000);
	longpath[0] = '/';
	struct page_res res[] = {
		{.id = "root", .parent = -1, .host = 0, .path = "/", .body_bytes = 10000, .wire_bytes = 10000},
		{.id = "css1", .parent = 0, .host = 0, .path = "/style.css?v=1", .body_bytes = 0, .wire_bytes = 0},
		{.id = "css2", .parent = 0, .host = 0, .path = "/style.css?v=2",
		 .body_bytes = 2 * 1024 * 1024, .wire_bytes = 700000, .enc = PAGE_ENC_GZIP},
		{.id = "img", .parent = 0, .host = 1, .path = "/img/a.png", .body_bytes = 5000, .wire_bytes = 5000},
		{.id = "IMG", .parent = 0, .host = 1, .path = "/Img/A.png", .body_bytes = 6000, .wire_bytes = 6000},
		{.id = "nasty", .parent = 0, .host = 1, .path = nasty, .body_bytes = 777, .wire_bytes = 777},
		{.id = "long", .parent = 0, .host = 1, .path = longpath, .body_bytes = 123, .wire_bytes = 123},
	};
	char *hosts[] = {"a.test", "b.test"};
	const char *addr_s[] = {"127.0.0.2", "127.0.0.3"};
	struct page pg = {.name = "netns-origin", .n = sizeof(res) / sizeof(res[0]),
			  .res = res, .nhosts = 2, .hosts = hosts};
	struct in_addr addrs[2];
	inet_pton(AF_INET, addr_s[0], &addrs[0]);
	inet_pton(AF_INET, addr_s[1], &addrs[1]);
	char prefix[32];
	snprintf(prefix, sizeof(prefix), "tfl-t%d", (int)getpid());
	struct origin_opts o = {.addrs = addrs, .naddrs = 2, .fastopen = 16,
				.seed = 1234, .base_dir = base, .prefix = prefix};

	struct origin *or = origin_new(&pg, &o);
	CHECK(or != NULL, "origin_new");
	if (!or)
		return 1;
	int rc = origin_start(or);
	CHECK(rc == 0, "origin_start: %s", strerror(-rc));
	char rundir[512];
	snprintf(rundir, sizeof(rundir), "%s", origin_rundir(or));
	pid_t master = origin_pid(or);
	if (rc == 0) {
		struct stat st;
		struct passwd *pw = getpwnam("nobody");
		CHECK(stat(rundir, &st) == 0 && (st.st_mode & 07777) == 0700,
		      "run dir %s mode %04o", rundir, st.st_mode & 07777);
		CHECK(pw && st.st_uid == pw->pw_uid, "run dir owner %d", (int)st.st_uid);

		char outfile[600], docfile[700], name[BODY_NAME_MAX];
		snprintf(outfile, sizeof(outfile), "%s.fetched", rundir);
		for (size_t i = 0; i < pg.n; i++) {
			long size;
			int h = res[i].host;
			int code = fetch(hosts[h], addr_s[h], res[i].path, outfile, 0, &size);
			CHECK(code == 200 && size == (long)res[i].wire_bytes,
			      "%s: status %d, %ld bytes, want 200, %llu", res[i].id, code,
			      size, (unsigned long long)res[i].wire_bytes);
			body_name(hosts[h], res[i].path, name, sizeof(name));
			snprintf(docfile, sizeof(docfile), "%s/docroot/%s", rundir, name);
			CHECK(same_file(outfile, docfile), "%s: bytes differ from %s",
			      res[i].id, docfile);
			unlink(outfile);
		}
		/* Not a catch-all: other URLs, other cases, other hosts miss. */
		long size;
		CHECK(fetch("a.test", "127.0.0.2", "/style.css", "/dev/null", 0, &size) == 404,
		      "query-less URL served");
		CHECK(fetch("b.test", "127.0.0.3", "/IMG/A.PNG", "/dev/null", 0, &size) == 404,
		      "case variant served");
		CHECK(fetch("a.test", "127.0.0.2", "/img/a.png", "/dev/null", 0, &size) == 404,
		      "URL of b.test served on a.test's address");

		/* Workers run as nobody, the master as root. */
		char pidarg[16];
		snprintf(pidarg, sizeof(pidarg), "%d", (int)master);
		char *ps_w[] = {"ps", "-o", "user=", "--ppid", pidarg, NULL};
		CHECK(run(ps_w, out, sizeof(out)) == 0 && out[0], "ps --ppid %s", pidarg);
		int workers = 0;
		for (char *save, *l = strtok_r(out, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
			CHECK(strcmp(l, "nobody") == 0, "worker user \"%s\"", l);
			workers++;
		}
		CHECK(workers >= 1, "no workers");
		char *ps_m[] = {"ps", "-o", "user=", "-p", pidarg, NULL};
		CHECK(run(ps_m, out, sizeof(out)) == 0 && strncmp(out, "root", 4) == 0,
		      "master user \"%s\"", out);

		/* TFO: the passive counter of this namespace grows. */
		long before = tcpext("TCPFastOpenPassive");
		CHECK(before >= 0, "TCPFastOpenPassive not in /proc/net/netstat");
		for (int k = 0; k < 2; k++) {
			CHECK(fetch("a.test", "127.0.0.2", "/", "/dev/null", 1, &size) == 200 &&
			      size == 10000, "TFO fetch %d", k);
		}
		long after = tcpext("TCPFastOpenPassive");
		CHECK(after >= before + 1, "TCPFastOpenPassive %ld -> %ld", before, after);
		fprintf(stderr, "TCPFastOpenPassive %ld -> %ld\n", before, after);
	}
	origin_free(or);
	struct stat st;
	CHECK(stat(rundir, &st) < 0 && errno == ENOENT, "run dir %s remains", rundir);
	CHECK(master > 0 && kill(-master, 0) < 0 && errno == ESRCH,
	      "nginx process group %d remains", (int)master);

	check_tls(&pg, o, TLS_13, addr_s);
	check_tls(&pg, o, TLS_12, addr_s);

	/* A listener nginx cannot bind: origin_start fails promptly, nginx is
	 * gone, and origin_free still removes everything. */
	struct in_addr bad[2];
	inet_pton(AF_INET, "198.18.0.9", &bad[0]);
	bad[1] = addrs[1];
	o.addrs = bad;
	or = origin_new(&pg, &o);
	CHECK(or != NULL, "origin_new (unassigned address)");
	if (or) {
		rc = origin_start(or);
		CHECK(rc < 0, "origin_start on an unassigned address returned %d", rc);
		CHECK(origin_pid(or) == 0, "nginx still recorded after a failed start");
		snprintf(rundir, sizeof(rundir), "%s", origin_rundir(or));
		origin_free(or);
		CHECK(stat(rundir, &st) < 0 && errno == ENOENT, "run dir %s remains", rundir);
	}

	/* A port already in use on one listen address: origin_start fails
	 * promptly, saying so (nginx's own "Address already in use", from
	 * the log tail it quotes), with no nginx and no run directory left. */
	int busy = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(80), .sin_addr = addrs[1]};
	int one = 1;
	setsockopt(busy, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	CHECK(busy >= 0 && bind(busy, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	      listen(busy, 1) == 0, "occupy 127.0.0.3:80: %s", strerror(errno));
	o.addrs = addrs;
	or = origin_new(&pg, &o);
	CHECK(or != NULL, "origin_new (port in use)");
	if (or) {
		char errpath[] = "/tmp/tfl-origin-err.XXXXXX";
		int ef = mkstemp(errpath), saved = dup(2);
		fflush(stderr);
		dup2(ef, 2);
		rc = origin_start(or);
		fflush(stderr);
		dup2(saved, 2);
		close(saved);
		char msg[8192] = "";
		lseek(ef, 0, SEEK_SET);
		ssize_t mn = read(ef, msg, sizeof(msg) - 1);
		msg[mn > 0 ? mn : 0] = '\0';
		close(ef);
		unlink(errpath);
		fputs(msg, stderr);
		CHECK(rc < 0, "origin_start with the port in use returned %d", rc);
		CHECK(strstr(msg, "Address already in use") && strstr(msg, "127.0.0.3:80"),
		      "the error names the address and the cause: %s", msg);
		CHECK(origin_pid(or) == 0, "nginx still recorded after a failed start");
		snprintf(rundir, sizeof(rundir), "%s", origin_rundir(or));
		origin_free(or);
		CHECK(stat(rundir, &st) < 0 && errno == ENOENT, "run dir %s remains", rundir);
		CHECK(procs_naming(rundir) == 0, "a process naming %s remains", rundir);
	}
	close(busy);

	/* A crashed run: the process holding the origin dies by SIGKILL.  The
	 * death signal takes the master; origin_cleanup finds the rest. */
	int pp[2];
	CHECK(pipe(pp) == 0, "pipe");
	o.addrs = addrs;
	char crash_prefix[48];
	snprintf(crash_prefix, sizeof(crash_prefix), "%s-crash", prefix);
	o.prefix = crash_prefix;
	pid_t crash = fork();
	if (crash == 0) {
		struct origin *c = origin_new(&pg, &o);
		pid_t m = c && origin_start(c) == 0 ? origin_pid(c) : 0;
		if (write(pp[1], &m, sizeof(m)) != sizeof(m))
			_exit(1);
		pause();
		_exit(0);
	}
	pid_t cm = 0;
	CHECK(read(pp[0], &cm, sizeof(cm)) == sizeof(cm) && cm > 0, "crash run started");
	close(pp[0]);
	close(pp[1]);
	kill(crash, SIGKILL);
	waitpid(crash, NULL, 0);
	if (cm > 0) {
		for (int k = 0; k < 500 && kill(cm, 0) == 0 && !zombie(cm); k++)
			usleep(10000);
		fprintf(stderr, "after the crash: %d live nginx processes in group %d\n",
			live_in_group(cm), (int)cm);
		CHECK(origin_cleanup(base, crash_prefix) == 1, "origin_cleanup");
		CHECK(live_in_group(cm) == 0, "nginx of group %d survived cleanup", (int)cm);
	}
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	return failures ? 1 : 0;
}

int main(void)
{
	if (geteuid() != 0) {
		fprintf(stderr, "skip: needs root\n");
		return 77;
	}
	if (access(ORIGIN_NGINX, X_OK) != 0 || system("curl --version >/dev/null 2>&1") != 0) {
		fprintf(stderr, "skip: needs %s and curl\n", ORIGIN_NGINX);
		return 77;
	}
	char host_tfo[64], host_tfo_after[64];
	read_file("/proc/sys/net/ipv4/tcp_fastopen", host_tfo, sizeof(host_tfo));

	char base[64];
	snprintf(base, sizeof(base), "/tmp/tfl-t%d-origin", (int)getpid());
	pid_t pid = fork();
	if (pid == 0)
		_exit(child(base));
	int status;
	waitpid(pid, &status, 0);
	int rc = WIFEXITED(status) ? WEXITSTATUS(status) : 1;
	if (rmdir(base) < 0 && errno != ENOENT) {
		fprintf(stderr, "FAIL: base dir %s not empty: %s\n", base, strerror(errno));
		rc = rc == 77 ? 77 : 1;
		char cmd[128];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
		(void)system(cmd);
	}
	read_file("/proc/sys/net/ipv4/tcp_fastopen", host_tfo_after, sizeof(host_tfo_after));
	if (strcmp(host_tfo, host_tfo_after) != 0) {
		fprintf(stderr, "FAIL: host tcp_fastopen changed: %s -> %s\n", host_tfo,
			host_tfo_after);
		rc = 1;
	}
	fprintf(stderr, "%s\n", rc == 0 ? "PASS" : rc == 77 ? "SKIP" : "FAIL");
	return rc;
}
