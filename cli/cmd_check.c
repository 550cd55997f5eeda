/*
 * tfolab check [--json] - what this machine supports, one line per item with
 * a verdict (or one JSON object): the kernel, root, the features tfolab
 * uses, and which link backend --link auto picks and why.  Exit status 0
 * when everything tfolab needs is there (netem is optional: without it the
 * userspace backend is used).
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/qdisc/tbf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "cli/commands.h"
#include "common/datadir.h"
#include "emulator/backend.h"
#include "os/iface.h"
#include "os/netns.h"
#include "os/proc.h"

static int failed;
static json_t *checks;  /* --json: the verdicts, printed at the end; else NULL */

/* One line, or one object of --json: {"item", "verdict", "required", "detail"}. */
static void say(const char *item, const char *v, int required, const char *detail)
{
	if (checks)
		json_array_append_new(checks, json_pack("{s:s, s:s, s:b, s:s}", "item", item,
							"verdict", v, "required", required,
							"detail", detail));
	else
		printf("%-28s %-8s %s\n", item, v, detail);
}

static void verdict(const char *item, int ok, int required, const char *detail)
{
	const char *v = ok ? "ok" : required ? "MISSING" : "absent";
	if (!ok && required)
		failed = 1;
	say(item, v, required, detail);
}

static int in_path(const char *prog, char *found, size_t len)
{
	const char *dirs[] = { "/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin" };
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(found, len, "%s/%s", dirs[i], prog);
		if (access(found, X_OK) == 0)
			return 1;
	}
	snprintf(found, len, "not found (apt-get install the package)");
	return 0;
}

static int probe_ns(void *arg)
{
	return 0;
}

/* In a throwaway namespace: can a tbf root qdisc be added to lo? */
static int probe_tbf(void *arg)
{
	struct nl_sock *sk;
	struct rtnl_qdisc *q;
	if (iface_sock_new(&sk) < 0)
		return 2;
	iface_up(sk, "lo");
	int idx = iface_index(sk, "lo");
	q = rtnl_qdisc_alloc();
	rtnl_tc_set_ifindex(TC_CAST(q), idx);
	rtnl_tc_set_parent(TC_CAST(q), TC_H_ROOT);
	rtnl_tc_set_handle(TC_CAST(q), TC_HANDLE(1, 0));
	if (rtnl_tc_set_kind(TC_CAST(q), "tbf") < 0)
		return 3;
	rtnl_qdisc_tbf_set_rate(q, 125000, 1600, 0);
	rtnl_qdisc_tbf_set_limit(q, 100000);
	int err = rtnl_qdisc_add(sk, q, NLM_F_CREATE);
	rtnl_qdisc_put(q);
	iface_sock_free(sk);
	return err < 0 ? 1 : 0;
}

/* In a throwaway namespace: does the per-namespace TFO sysctl take 519, and
 * does the kernel know TCP_FASTOPEN_CONNECT? */
static int probe_tfo(void *arg)
{
	char buf[32] = "";
	int fd = open("/proc/sys/net/ipv4/tcp_fastopen", O_RDWR);
	if (fd < 0)
		return 1;
	if (write(fd, "519", 3) != 3) {
		close(fd);
		return 2;
	}
	lseek(fd, 0, SEEK_SET);
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0 || atoi(buf) != 519)
		return 3;
	int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	int rc = setsockopt(s, IPPROTO_TCP, TCP_FASTOPEN_CONNECT, &one, sizeof(one));
	close(s);
	return rc < 0 ? 4 : 0;
}

int cmd_check(int argc, char **argv)
{
	char detail[512], why[256] = "";

	int json = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf("usage: tfolab check [--json]\nReport, one line each with a verdict, what "
			       "this machine supports.\n  --json   one JSON object instead: {\"ok\": "
			       "true|false, \"checks\": [{\"item\",\n           \"verdict\" (ok, "
			       "MISSING, absent or unknown), \"required\", \"detail\"}, ...]}\n"
			       "Exit status 0 when all that tfolab needs is there.\n");
			return 0;
		}
		if (strcmp(argv[i], "--json")) {
			fprintf(stderr, "tfolab check: unexpected argument '%s' (see tfolab check --help)\n",
				argv[i]);
			return 2;
		}
		json = 1;
	}
	failed = 0;
	checks = json ? json_array() : NULL;
	struct utsname u;
	if (uname(&u) == 0)
		snprintf(detail, sizeof(detail), "%s %s %s", u.sysname, u.release, u.machine);
	else
		snprintf(detail, sizeof(detail), "uname: %s", strerror(errno));
	say("kernel", "ok", 0, detail);
	int root = proc_has_admin_caps();
	verdict("root (CAP_SYS_ADMIN+NET_ADMIN)", root, 1,
		root ? "yes" : "run as root to create namespaces");
	int tun = access("/dev/net/tun", R_OK | W_OK) == 0;
	verdict("/dev/net/tun", tun, 0, tun ? "present" : "absent (the AF_PACKET forwarder does not need it)");
	if (root) {
		int ns = netns_throwaway_run(probe_ns, NULL) == 0;
		verdict("network namespaces", ns, 1, ns ? "unshare(CLONE_NEWNET) works" : "cannot create one");
		/* The same choice as a run's: auto probes netem in a throwaway namespace. */
		const struct link_backend_ops *ops = NULL;
		int chose = link_backend_choose(BACKEND_AUTO, &ops, why, sizeof(why));
		int netem = chose == 0 && ops == &link_netem_ops;
		snprintf(detail, sizeof(detail), "%s", netem ? "sch_netem works: netem backend available"
			 : chose < 0 ? "cannot choose a backend (above)" : why);
		verdict("netem qdisc", netem, 0, detail);
		snprintf(detail, sizeof(detail), "%s: %s", chose < 0 ? "none" : ops->name,
			 netem ? why : "netem is unavailable (netem qdisc, above)");
		verdict("link backend (--link auto)", chose == 0, 1, detail);
		int tbf = netns_throwaway_run(probe_tbf, NULL) == 0;
		verdict("tbf qdisc", tbf, 0, tbf ? "works" : "cannot add a tbf qdisc");
		int rc = netns_throwaway_run(probe_tfo, NULL);
		snprintf(detail, sizeof(detail), "%s",
			 rc == 0 ? "net.ipv4.tcp_fastopen per namespace, TCP_FASTOPEN_CONNECT"
			 : rc == 4 ? "no TCP_FASTOPEN_CONNECT socket option"
				   : "net.ipv4.tcp_fastopen cannot be set in a namespace");
		verdict("TCP Fast Open", rc == 0, 1, detail);
	} else {
		say("namespaces, netem, tbf, TFO", "unknown", 1, "needs root to probe");
		say("link backend (--link auto)", "unknown", 1, "needs root to probe netem");
	}
	char cc[256] = "";
	FILE *f = fopen("/proc/sys/net/ipv4/tcp_available_congestion_control", "r");
	if (f) {
		if (!fgets(cc, sizeof(cc), f))
			cc[0] = 0;
		fclose(f);
		cc[strcspn(cc, "\n")] = 0;
	}
	verdict("congestion control", cc[0] != 0, 0, cc);
	static const struct { const char *prog, *item; int required; } progs[] = {
		{ "nginx", "nginx (origin server)", 1 },
		{ "gnuplot", "gnuplot (plots)", 1 },
		{ "sqlite3", "sqlite3 (results CLI)", 0 },
		{ "iperf3", "iperf3 (bench, tests)", 0 },
		{ "ping", "ping (bench, tests)", 0 },
		{ "curl", "curl (tests)", 0 },
	};
	for (size_t i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
		int ok = in_path(progs[i].prog, detail, sizeof(detail));
		verdict(progs[i].item, ok, progs[i].required, detail);
	}
	/* Browser mode's TFO preload library: the one this binary would use. */
	int pre = preload_path(detail, sizeof(detail)) == 0;
	if (!pre)
		snprintf(detail + strlen(detail), sizeof(detail) - strlen(detail),
			 ": not found (build or install tfolab; or set TFOLAB_PRELOAD)");
	verdict("TFO preload library", pre, 0, detail);
	if (checks) {
		json_t *out = json_pack("{s:b, s:o}", "ok", !failed, "checks", checks);
		checks = NULL;
		if (!out || json_dumpf(out, stdout, JSON_INDENT(2)) < 0) {
			fprintf(stderr, "tfolab check: cannot write the JSON\n");
			json_decref(out);
			return 1;
		}
		printf("\n");
		json_decref(out);
	}
	return failed ? 1 : 0;
}
