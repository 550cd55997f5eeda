/*
 * The netem backend against the real kernel (root; exit 77 otherwise).
 *
 *  1. probe() agrees with the kernel's configuration: on a kernel built
 *     without sch_netem it answers 0 with a reason saying "not available".
 *  2. In a throwaway namespace (a forked child that unshares its network
 *     namespace) holding a veth pair:
 *     - without netem, start() fails with -ENOENT, logs one error naming
 *       the qdisc, the interface and the call, and leaves no bridge, no
 *       enslaved port, no qdisc and no port brought up behind it;
 *     - start() refuses an existing bridge of its name and leaves it alone;
 *     - the tbf that start() would hang under netem is accepted by this
 *       kernel as a root qdisc and reads back with the planned figures;
 *     - with netem (another kernel), start/stats/stop work and clean up.
 *  3. The host's links and qdiscs are the same before and after.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/if.h>
#include <linux/pkt_sched.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/qdisc/tbf.h>
#include <netlink/route/tc.h>

#include "emulator/backend.h"
#include "emulator/link.h"
#include "emulator/netem.h"

static int failures;

#define CHECK(cond, ...) do { \
	if (!(cond)) { \
		fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
		fprintf(stderr, __VA_ARGS__); \
		fputc('\n', stderr); \
		failures++; \
	} \
} while (0)

/* ---- what the kernel says about netem, independently of libnl ---- */

enum truth { NETEM_UNKNOWN, NETEM_ABSENT, NETEM_PRESENT };

static enum truth netem_truth(void)
{
	struct stat st;
	if (stat("/sys/module/sch_netem", &st) == 0)
		return NETEM_PRESENT;
	FILE *f = popen("gzip -dc /proc/config.gz 2>/dev/null", "r");
	if (!f)
		return NETEM_UNKNOWN;
	char line[256];
	enum truth t = NETEM_UNKNOWN;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "# CONFIG_NET_SCH_NETEM is not set", 33))
			t = NETEM_ABSENT;
		else if (!strncmp(line, "CONFIG_NET_SCH_NETEM=y", 22))
			t = NETEM_PRESENT;
	}
	pclose(f);
	return t;
}

/* ---- the host, before and after ---- */

struct snap {
	char *lines[1024];
	int n;
};

static void snap_take(struct snap *s)
{
	s->n = 0;
	FILE *f = popen("ip -o link show 2>&1; tc qdisc show 2>&1", "r");
	if (!f) {
		perror("popen ip/tc");
		exit(1);
	}
	char line[1024];
	while (s->n < 1024 && fgets(line, sizeof(line), f))
		s->lines[s->n++] = strdup(line);
	pclose(f);
}

static void snap_free(struct snap *s)
{
	for (int i = 0; i < s->n; i++)
		free(s->lines[i]);
	s->n = 0;
}

static int snap_has(const struct snap *s, const char *line)
{
	for (int i = 0; i < s->n; i++)
		if (!strcmp(s->lines[i], line))
			return 1;
	return 0;
}

/*
 * Other tests may change the host at the same time (the machine is shared),
 * so a difference fails only when it is ours: our interface prefix, the
 * bridge name, or a netem/tbf qdisc.  Other differences are shown.
 */
static void snap_compare(const struct snap *a, const struct snap *b, const char *prefix)
{
	const struct snap *x[2] = { a, b }, *y[2] = { b, a };
	const char *what[2] = { "gone", "new" };
	for (int k = 0; k < 2; k++)
		for (int i = 0; i < x[k]->n; i++) {
			const char *l = x[k]->lines[i];
			if (snap_has(y[k], l))
				continue;
			int ours = strstr(l, prefix) || strstr(l, NETEM_BRIDGE) ||
				   strstr(l, "qdisc netem") || strstr(l, "qdisc tbf");
			if (ours)
				CHECK(0, "host changed (%s): %s", what[k], l);
			else
				fprintf(stderr, "note: host changed by someone else (%s): %s",
					what[k], l);
		}
	CHECK(a->n > 0, "no host snapshot");
}

/* ---- the throwaway namespace ---- */

struct ifstate {
	int exists, index, master, up;
};

static struct ifstate if_state(struct nl_sock *sk, const char *name)
{
	struct ifstate s = { 0 };
	struct rtnl_link *l;
	int err = rtnl_link_get_kernel(sk, 0, name, &l);
	if (err < 0) {
		if (err != -NLE_OBJ_NOTFOUND && err != -NLE_NODEV)
			fprintf(stderr, "%s: RTM_GETLINK: %s\n", name, nl_geterror(err));
		return s;
	}
	s.exists = 1;
	s.index = rtnl_link_get_ifindex(l);
	s.master = rtnl_link_get_master(l);
	s.up = !!(rtnl_link_get_flags(l) & IFF_UP);
	rtnl_link_put(l);
	return s;
}

/* The kind of the root qdisc of @ifindex ("" if none is listed). */
static void root_kind(struct nl_sock *sk, int ifindex, char *kind, int len)
{
	struct nl_cache *c;
	kind[0] = '\0';
	if (rtnl_qdisc_alloc_cache(sk, &c) < 0)
		return;
	struct rtnl_qdisc *q = rtnl_qdisc_get_by_parent(c, ifindex, TC_H_ROOT);
	if (q) {
		snprintf(kind, len, "%s", rtnl_tc_get_kind(TC_CAST(q)));
		rtnl_qdisc_put(q);
	}
	nl_cache_free(c);
}

/* Runs start() with stderr captured into @err. */
static int start_captured(const struct link_params *p, const char *c, const char *s,
			  struct link_backend **b, char *err, int len)
{
	fflush(stderr);
	FILE *tmp = tmpfile();
	int saved = dup(2);
	if (!tmp || saved < 0) {
		perror("tmpfile/dup");
		exit(1);
	}
	dup2(fileno(tmp), 2);
	int rc = link_netem_ops.start(p, c, s, NULL, b);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(tmp);
	size_t n = fread(err, 1, len - 1, tmp);
	err[n] = '\0';
	fclose(tmp);
	fprintf(stderr, "start() said: %s", n ? err : "(nothing)\n");
	return rc;
}

static int count(const char *hay, const char *needle)
{
	int n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

static void check_clean(struct nl_sock *sk, const char *c, const char *s)
{
	struct ifstate br = if_state(sk, NETEM_BRIDGE);
	CHECK(!br.exists, "bridge %s left behind", NETEM_BRIDGE);
	const char *names[2] = { c, s };
	for (int i = 0; i < 2; i++) {
		struct ifstate st = if_state(sk, names[i]);
		CHECK(st.exists, "%s is gone", names[i]);
		CHECK(st.master == 0, "%s still has master %d", names[i], st.master);
		CHECK(!st.up, "%s was left up (it was down before start)", names[i]);
		char kind[32];
		root_kind(sk, st.index, kind, sizeof(kind));
		CHECK(strcmp(kind, "netem") && strcmp(kind, "tbf"), "%s has a %s root qdisc",
		      names[i], kind);
	}
}

/* The tbf as built for @d is accepted by the kernel and reads back as planned. */
static void check_tbf_in_kernel(struct nl_sock *sk, const struct link_dir *d, const char *ifname)
{
	struct ifstate st = if_state(sk, ifname);
	struct rtnl_qdisc *n, *t;
	struct netem_plan pl;
	CHECK(netem_plan(d, &pl) == 0, "plan");
	CHECK(netem_build_qdiscs(d, st.index, &n, &t) == 0 && t, "build");
	if (!t)
		return;
	rtnl_qdisc_put(n);
	rtnl_tc_set_parent(TC_CAST(t), TC_H_ROOT);  /* no netem to hang under here */
	int err = rtnl_qdisc_add(sk, t, NLM_F_CREATE | NLM_F_EXCL);
	rtnl_qdisc_put(t);
	CHECK(err == 0, "tbf on %s: RTM_NEWQDISC: %s", ifname, nl_geterror(err));
	if (err)
		return;
	struct nl_cache *c;
	CHECK(rtnl_qdisc_alloc_cache(sk, &c) == 0, "RTM_GETQDISC");
	struct rtnl_qdisc *q = rtnl_qdisc_get(c, st.index, NETEM_TBF_HANDLE);
	CHECK(q != NULL, "tbf not listed on %s", ifname);
	if (q) {
		CHECK(!strcmp(rtnl_tc_get_kind(TC_CAST(q)), "tbf"), "kind");
		int rate = rtnl_qdisc_tbf_get_rate(q), limit = rtnl_qdisc_tbf_get_limit(q);
		int bucket = rtnl_qdisc_tbf_get_rate_bucket(q);
		fprintf(stderr, "kernel tbf on %s: rate %d B/s limit %d B bucket %d B\n",
			ifname, rate, limit, bucket);
		CHECK(rate == (int)pl.tbf_rate, "rate %d, planned %u", rate, pl.tbf_rate);
		CHECK(limit == (int)pl.tbf_limit, "limit %d, planned %u", limit, pl.tbf_limit);
		CHECK(bucket >= (int)pl.tbf_burst - 2 && bucket <= (int)pl.tbf_burst + 2,
		      "bucket %d, planned %u", bucket, pl.tbf_burst);
		rtnl_qdisc_delete(sk, q);
		rtnl_qdisc_put(q);
	}
	nl_cache_free(c);
}

static int child(int netem_ok, const char *c, const char *s)
{
	if (unshare(CLONE_NEWNET) < 0) {
		perror("unshare(CLONE_NEWNET)");
		return 1;
	}
	struct nl_sock *sk = nl_socket_alloc();
	if (!sk || nl_connect(sk, NETLINK_ROUTE) < 0) {
		fprintf(stderr, "netlink socket failed\n");
		return 1;
	}
	int err = rtnl_link_veth_add(sk, c, s, getpid());
	if (err < 0) {
		fprintf(stderr, "veth %s/%s: RTM_NEWLINK: %s\n", c, s, nl_geterror(err));
		return 1;
	}
	CHECK(!if_state(sk, c).up && !if_state(sk, s).up, "veths start down");

	struct link_params p;
	link_params_init(&p);
	p.up.rate_bps = 256000;
	p.up.delay_ns = 50000000;
	p.down.rate_bps = 4000000;
	p.down.delay_ns = 50000000;
	link_params_finish(&p);

	char msg[4096];
	struct link_backend *b = (struct link_backend *)&p;  /* must become NULL */
	int rc = start_captured(&p, c, s, &b, msg, sizeof(msg));
	if (!netem_ok) {
		CHECK(rc == -ENOENT, "start() = %d (%s), want -ENOENT", rc, strerror(-rc));
		CHECK(b == NULL, "start() failed but handed out state");
		/* The up direction is installed first, on the server side. */
		char want[128];
		snprintf(want, sizeof(want), "qdisc netem on %s", s);
		CHECK(strstr(msg, want), "message does not name \"%s\"", want);
		CHECK(strstr(msg, "RTM_NEWQDISC"), "message does not name the call");
		CHECK(strstr(msg, "Object not found"), "message does not give the cause");
		CHECK(count(msg, "error:") == 1, "%d errors logged, want exactly 1",
		      count(msg, "error:"));
		/* The qdisc step comes after the bridge, enslaving and up steps. */
		check_clean(sk, c, s);
	} else {
		CHECK(rc == 0, "start() = %d with netem available", rc);
		if (rc == 0) {
			CHECK(if_state(sk, NETEM_BRIDGE).exists, "no bridge");
			CHECK(if_state(sk, c).master == if_state(sk, NETEM_BRIDGE).index, "not enslaved");
			char kind[32];
			root_kind(sk, if_state(sk, s).index, kind, sizeof(kind));
			CHECK(!strcmp(kind, "netem"), "root of %s is \"%s\"", s, kind);
			struct link_stats up, down;
			CHECK(link_netem_ops.stats(b, &up, &down) == 0, "stats");
			link_netem_ops.stop(b);
			check_clean(sk, c, s);
		}
	}

	/* An existing bridge of our name is refused and left alone. */
	err = rtnl_link_bridge_add(sk, NETEM_BRIDGE);
	CHECK(err == 0, "bridge add: %s", nl_geterror(err));
	b = NULL;
	rc = start_captured(&p, c, s, &b, msg, sizeof(msg));
	CHECK(rc == -EEXIST, "start() over an existing bridge = %d, want -EEXIST", rc);
	CHECK(strstr(msg, "bridge " NETEM_BRIDGE ": RTM_NEWLINK"), "message names the bridge");
	CHECK(if_state(sk, NETEM_BRIDGE).exists, "someone else's bridge was deleted");
	CHECK(if_state(sk, c).master == 0 && if_state(sk, s).master == 0, "ports enslaved");

	check_tbf_in_kernel(sk, &p.down, c);
	check_tbf_in_kernel(sk, &p.up, s);
	link_netem_ops.stop(NULL);  /* a no-op */
	nl_socket_free(sk);
	return failures ? 1 : 0;
}

int main(void)
{
	if (geteuid() != 0) {
		fprintf(stderr, "netem_probe: needs root, skipping\n");
		return 77;
	}
	char c[IFNAMSIZ], s[IFNAMSIZ], prefix[IFNAMSIZ - 2];
	snprintf(prefix, sizeof(prefix), "tfl-t%d-", (int)getpid());
	snprintf(c, sizeof(c), "%sc", prefix);
	snprintf(s, sizeof(s), "%ss", prefix);

	struct snap before, after;
	snap_take(&before);

	enum truth t = netem_truth();
	char why[256];
	int avail = link_netem_ops.probe(why, sizeof(why));
	fprintf(stderr, "probe: %d (%s); kernel config says %s\n", avail, why,
		t == NETEM_ABSENT ? "no netem" : t == NETEM_PRESENT ? "netem" : "unknown");
	CHECK(avail == 0 || avail == 1, "probe returned %d", avail);
	CHECK(why[0], "probe gave no reason");
	if (t == NETEM_ABSENT) {
		CHECK(avail == 0, "probe says netem works on a kernel without it");
		CHECK(strstr(why, "not available"), "reason \"%s\" does not say so", why);
	} else if (t == NETEM_PRESENT) {
		CHECK(avail == 1, "probe says no netem on a kernel with it: %s", why);
	}

	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (pid == 0)
		exit(child(avail, c, s));  /* exit(), so that LeakSanitizer checks the child */
	int st;
	if (waitpid(pid, &st, 0) < 0) {
		perror("waitpid");
		return 1;
	}
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the namespace checks failed (status %d)", st);

	snap_take(&after);
	snap_compare(&before, &after, prefix);
	snap_free(&before);
	snap_free(&after);
	if (failures) {
		fprintf(stderr, "netem_probe: %d failures\n", failures);
		return 1;
	}
	fprintf(stderr, "netem_probe: ok\n");
	return 0;
}
