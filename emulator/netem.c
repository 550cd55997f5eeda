/*
 * The netem backend: the kernel emulates the link.
 *
 * Inside the link namespace the two interfaces are joined by a bridge, and
 * each direction is shaped on the egress of the interface it leaves by:
 * the up direction (client -> server) on if_server, the down direction on
 * if_client.  Each egress gets a netem root qdisc (1:) with the delay, the
 * loss and a packet limit and, when the rate is limited, a tbf child
 * (10: under 1:1) with the rate and a byte limit.  How this differs from
 * the model of emulator/link.h is explained in emulator/netem.h.
 *
 * Everything goes through libnl-route; no tc or ip is forked.
 *
 * Host stalls: this backend is no witness.  The kernel's timers run the
 * qdiscs, so when the host takes the CPU away netem and tbf wake up late
 * and every packet due meanwhile leaves late, like the userspace
 * forwarder's; but the qdiscs keep packets, bytes, drops and the queue's
 * depth now, not when a packet was due or when it left.  So there is no
 * mark() and no lateness: a trial on this backend stores its lateness and
 * stall limit as unknown (NULL, "link late unknown"), never as 0 and never
 * as a stall, and the guest's steal time (verify/stall.h), recorded for
 * every trial on either backend, is what is left to judge it by.
 */
#include "emulator/netem.h"

#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/if_link.h>
#include <linux/pkt_sched.h>
#include <netlink/errno.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <netlink/route/link/inet6.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/tc.h>

#include "common/log.h"
#include "common/nlerr.h"
#include "emulator/backend.h"
#include "os/iface.h"
#include "os/netns.h"

enum { DIR_UP = 0, DIR_DOWN = 1 };

struct link_backend {
	struct nl_sock *sk;       /* bound to the link namespace at start() */
	int br_index;             /* the bridge we made; 0 = none */
	struct {
		char name[IF_NAMESIZE];
		int index;
		int was_up;       /* IFF_UP before start(), restored by stop() */
		int qdisc;        /* our root qdisc is installed */
		int tbf;          /* it has the tbf child */
		int loss;         /* loss > 0: netem's own drops are losses */
	} dir[2];                 /* DIR_UP shapes if_server, DIR_DOWN if_client */
};

static int link_lookup(struct nl_sock *sk, const char *name, int *index, int *up)
{
	struct rtnl_link *l = NULL;
	int err = rtnl_link_get_kernel(sk, 0, name, &l);
	if (err < 0) {
		log_err("interface %s: RTM_GETLINK: %s", name, nl_geterror(err));
		return nlerr_to_errno(err);
	}
	*index = rtnl_link_get_ifindex(l);
	*up = !!(rtnl_link_get_flags(l) & IFF_UP);
	rtnl_link_put(l);
	return 0;
}

/*
 * The bridge gets no IPv6 address, so it sends no router solicitations or
 * MLD reports through the shaped ports (they would show in the counters).
 * The kernel takes the address mode only once the device exists, and
 * refuses it without IPv6, which does no harm: hence best effort.
 */
static void bridge_no_ipv6(struct nl_sock *sk, int index)
{
	struct rtnl_link *orig = rtnl_link_alloc(), *chg = rtnl_link_alloc();
	if (orig && chg) {
		rtnl_link_set_ifindex(orig, index);
		rtnl_link_inet6_set_addr_gen_mode(chg, IN6_ADDR_GEN_MODE_NONE);
		int err = rtnl_link_change(sk, orig, chg, 0);
		if (err < 0)
			log_debug("bridge %s: RTM_NEWLINK addrgenmode none: %s", NETEM_BRIDGE,
				  nl_geterror(err));
	}
	if (orig)
		rtnl_link_put(orig);
	if (chg)
		rtnl_link_put(chg);
}

static int bridge_create(struct nl_sock *sk, int *index)
{
	/* Not rtnl_link_bridge_add(): it takes over an existing bridge (no NLM_F_EXCL). */
	struct rtnl_link *br = rtnl_link_bridge_alloc();
	if (!br) {
		log_err("bridge %s: rtnl_link_bridge_alloc: out of memory", NETEM_BRIDGE);
		return -ENOMEM;
	}
	rtnl_link_set_name(br, NETEM_BRIDGE);
	int err = rtnl_link_add(sk, br, NLM_F_CREATE | NLM_F_EXCL);
	rtnl_link_put(br);
	if (err < 0) {
		log_err("bridge %s: RTM_NEWLINK: %s", NETEM_BRIDGE, nl_geterror(err));
		return nlerr_to_errno(err);
	}
	int up, rc = link_lookup(sk, NETEM_BRIDGE, index, &up);
	if (rc < 0) {
		/* Made but not found: delete it by name, nothing to report twice. */
		struct rtnl_link *l = rtnl_link_alloc();
		if (l) {
			rtnl_link_set_name(l, NETEM_BRIDGE);
			rtnl_link_delete(sk, l);
			rtnl_link_put(l);
		}
		return rc;
	}
	bridge_no_ipv6(sk, *index);
	return 0;
}

static int bridge_delete(struct nl_sock *sk, int index)
{
	struct rtnl_link *l = rtnl_link_alloc();
	if (!l) {
		log_err("bridge %s: rtnl_link_alloc: out of memory", NETEM_BRIDGE);
		return -ENOMEM;
	}
	rtnl_link_set_ifindex(l, index);
	int err = rtnl_link_delete(sk, l);
	rtnl_link_put(l);
	if (err < 0) {
		log_err("bridge %s: RTM_DELLINK: %s", NETEM_BRIDGE, nl_geterror(err));
		return nlerr_to_errno(err);
	}
	return 0;
}

static const char *dir_name(int i)
{
	return i == DIR_UP ? "up" : "down";
}

/* Sends @msg (freed) and waits for the kernel's answer. */
static int qdisc_send(struct nl_sock *sk, struct nl_msg *msg, const char *kind,
		      const char *ifname, const char *dir)
{
	int err = nl_send_sync(sk, msg);
	if (err < 0) {
		log_err("qdisc %s on %s (%s): RTM_NEWQDISC: %s", kind, ifname, dir,
			nl_geterror(err));
		return nlerr_to_errno(err);
	}
	return 0;
}

static int dir_install(struct link_backend *b, int i, const struct link_dir *d)
{
	struct nl_msg *nm, *tm;
	if (d->drop_syn_data) {
		/* netem drops at random; it cannot pick out SYNs with data. */
		log_err("qdisc netem on %s (%s): drop-syn-data needs the userspace link "
			"(--link userspace)", b->dir[i].name, dir_name(i));
		return -EOPNOTSUPP;
	}
	int rc = netem_build_msgs(d, b->dir[i].index, &nm, &tm);
	if (rc < 0) {
		log_err("qdisc netem on %s (%s): building RTM_NEWQDISC: %s",
			b->dir[i].name, dir_name(i), strerror(-rc));
		return rc;
	}
	rc = qdisc_send(b->sk, nm, "netem", b->dir[i].name, dir_name(i));
	if (rc < 0) {
		nlmsg_free(tm);
		return rc;
	}
	b->dir[i].qdisc = 1;
	b->dir[i].loss = d->loss > 0;
	if (!tm)
		return 0;
	rc = qdisc_send(b->sk, tm, "tbf", b->dir[i].name, dir_name(i));
	if (rc < 0)
		return rc;
	b->dir[i].tbf = 1;
	return 0;
}

static void dir_uninstall(struct link_backend *b, int i)
{
	if (!b->dir[i].qdisc)
		return;
	/* Deleting the root takes its tbf child with it. */
	struct rtnl_qdisc *q = rtnl_qdisc_alloc();
	if (!q) {
		log_err("qdisc netem on %s: rtnl_qdisc_alloc: out of memory", b->dir[i].name);
		return;
	}
	rtnl_tc_set_ifindex(TC_CAST(q), b->dir[i].index);
	rtnl_tc_set_parent(TC_CAST(q), TC_H_ROOT);
	rtnl_tc_set_handle(TC_CAST(q), NETEM_ROOT_HANDLE);
	int err = rtnl_qdisc_delete(b->sk, q);
	rtnl_qdisc_put(q);
	if (err < 0)
		log_err("qdisc netem on %s: RTM_DELQDISC: %s", b->dir[i].name, nl_geterror(err));
	b->dir[i].qdisc = b->dir[i].tbf = 0;
}

static void netem_stop(struct link_backend *b)
{
	if (!b)
		return;
	if (b->sk) {
		for (int i = 0; i < 2; i++)
			dir_uninstall(b, i);
		/* Deleting the bridge releases its ports. */
		if (b->br_index)
			bridge_delete(b->sk, b->br_index);
		for (int i = 0; i < 2; i++)
			if (b->dir[i].index && !b->dir[i].was_up)
				iface_down(b->sk, b->dir[i].name);
		iface_sock_free(b->sk);
	}
	free(b);
}

static int netem_start(const struct link_params *p, const char *if_client,
		       const char *if_server, const char *event_log,
		       struct link_backend **out)
{
	const struct link_dir *dirs[2] = { &p->up, &p->down };
	const char *names[2] = { if_server, if_client };
	struct netem_plan pl;
	int rc;

	*out = NULL;
	/* Refuse what the kernel cannot carry before touching anything. */
	for (int i = 0; i < 2; i++) {
		if (netem_plan(dirs[i], &pl) < 0) {
			char buf[128];
			link_dir_format(dirs[i], buf, sizeof(buf));
			log_err("netem: %s direction \"%s\": out of the kernel's range", dir_name(i), buf);
			return -ERANGE;
		}
		if (strlen(names[i]) >= IF_NAMESIZE) {
			log_err("netem: interface name \"%s\" is too long", names[i]);
			return -EINVAL;
		}
	}
	if (event_log)
		log_warn("netem: no per-packet event log with this backend (%s not written)",
			 event_log);

	struct link_backend *b = calloc(1, sizeof(*b));
	if (!b) {
		log_err("netem: calloc: out of memory");
		return -ENOMEM;
	}
	if ((rc = iface_sock_new(&b->sk)) < 0)
		goto error;
	for (int i = 0; i < 2; i++) {
		snprintf(b->dir[i].name, sizeof(b->dir[i].name), "%s", names[i]);
		rc = link_lookup(b->sk, names[i], &b->dir[i].index, &b->dir[i].was_up);
		if (rc < 0)
			goto error;
	}
	rc = bridge_create(b->sk, &b->br_index);
	if (rc < 0)
		goto error;
	for (int i = 0; i < 2; i++) {
		int err = rtnl_link_enslave_ifindex(b->sk, b->br_index, b->dir[i].index);
		if (err < 0) {
			log_err("interface %s: RTM_NEWLINK master %s: %s", b->dir[i].name,
				NETEM_BRIDGE, nl_geterror(err));
			rc = nlerr_to_errno(err);
			goto error;
		}
	}
	if ((rc = iface_up(b->sk, NETEM_BRIDGE)) < 0)
		goto error;
	for (int i = 0; i < 2; i++)
		if ((rc = iface_up(b->sk, b->dir[i].name)) < 0)
			goto error;
	for (int i = 0; i < 2; i++)
		if ((rc = dir_install(b, i, dirs[i])) < 0)
			goto error;
	*out = b;
	return 0;
error:
	netem_stop(b);
	return rc;
}

/*
 * Counters of one direction.  Delivered = what left the root qdisc; the
 * kernel counts frame bytes, so 14 bytes a packet come off (packets count
 * GSO segments, so this holds for super-packets too).  netem's drops include
 * those of its tbf child, so queue drops are tbf's and the rest are netem's
 * own: its random losses and, when loss is 0 or there is no tbf, its limit.
 * The qdiscs keep no maximum queue depth (RTNL_TC_QLEN is the depth now,
 * which link_stats has no field for) and no delivery times, so max_queue_*
 * and first_ns/last_ns stay 0.
 */
static int dir_stats(struct link_backend *b, struct nl_cache *c, int i, struct link_stats *s)
{
	memset(s, 0, sizeof(*s));
	if (!b->dir[i].qdisc)
		return 0;
	struct rtnl_qdisc *n = rtnl_qdisc_get(c, b->dir[i].index, NETEM_ROOT_HANDLE);
	if (!n) {
		log_err("qdisc netem on %s: not in RTM_GETQDISC dump", b->dir[i].name);
		return -ENOENT;
	}
	uint64_t pkts = rtnl_tc_get_stat(TC_CAST(n), RTNL_TC_PACKETS);
	uint64_t bytes = rtnl_tc_get_stat(TC_CAST(n), RTNL_TC_BYTES);
	uint64_t drops = rtnl_tc_get_stat(TC_CAST(n), RTNL_TC_DROPS);
	rtnl_qdisc_put(n);
	uint64_t qdrops = 0;
	if (b->dir[i].tbf) {
		struct rtnl_qdisc *t = rtnl_qdisc_get(c, b->dir[i].index, NETEM_TBF_HANDLE);
		if (!t) {
			log_err("qdisc tbf on %s: not in RTM_GETQDISC dump", b->dir[i].name);
			return -ENOENT;
		}
		qdrops = rtnl_tc_get_stat(TC_CAST(t), RTNL_TC_DROPS);
		rtnl_qdisc_put(t);
	}
	uint64_t own = drops > qdrops ? drops - qdrops : 0;
	s->pkts = pkts;
	s->bytes = bytes > pkts * 14 ? bytes - pkts * 14 : 0;
	if (b->dir[i].loss) {
		s->drops_loss = own;
		s->drops_queue = qdrops;
	} else {
		s->drops_queue = qdrops + own;
	}
	return 0;
}

static int netem_stats(struct link_backend *b, struct link_stats *up, struct link_stats *down)
{
	struct nl_cache *c;
	int err = rtnl_qdisc_alloc_cache(b->sk, &c);
	if (err < 0) {
		log_err("netem: qdiscs: RTM_GETQDISC: %s", nl_geterror(err));
		return nlerr_to_errno(err);
	}
	int rc = dir_stats(b, c, DIR_UP, up);
	if (rc == 0)
		rc = dir_stats(b, c, DIR_DOWN, down);
	nl_cache_free(c);
	return rc;
}

/*
 * The probe, in a throwaway namespace: add netem on lo.  Writes the reason
 * to the pipe *@arg and returns 0 when netem is available, 1 when the
 * kernel refused it, 2 when the probe itself failed.
 */
static int probe_child(void *arg)
{
	int fd = *(int *)arg, status = 2, lo;
	char why[256] = "";
	struct nl_sock *sk = NULL;
	struct rtnl_qdisc *q = NULL, *t;

	if (iface_sock_new(&sk) < 0) {
		snprintf(why, sizeof(why), "netem probe: no netlink socket");
		goto end;
	}
	if ((lo = iface_index(sk, "lo")) < 0 || iface_up(sk, "lo") < 0) {
		snprintf(why, sizeof(why), "netem probe: lo: %s", lo < 0 ? strerror(-lo) : "cannot set it up");
		goto end;
	}
	struct link_dir d = { .delay_ns = 1000000, .limit_pkts = LINK_MIN_QUEUE_PKTS };
	if (netem_build_qdiscs(&d, lo, &q, &t) < 0) {
		snprintf(why, sizeof(why), "netem probe: building the qdisc: out of memory");
		goto end;
	}
	int err = rtnl_qdisc_add(sk, q, NLM_F_CREATE | NLM_F_EXCL);
	status = err < 0;
	if (err == -NLE_OBJ_NOTFOUND)
		snprintf(why, sizeof(why),
			 "sch_netem is not available in this kernel (RTM_NEWQDISC netem: %s)",
			 nl_geterror(err));
	else if (err < 0)
		snprintf(why, sizeof(why), "netem cannot be added (RTM_NEWQDISC netem on lo: %s)",
			 nl_geterror(err));
	else
		snprintf(why, sizeof(why), "sch_netem is available");
end:
	if (q)
		rtnl_qdisc_put(q);
	iface_sock_free(sk);
	ssize_t n = write(fd, why, strlen(why));
	(void)n;
	return status;
}

/*
 * 1 if netem can be added, in a throwaway namespace (netns_throwaway_run)
 * so that the caller's namespace is never touched; the reason either way
 * in @why.  Call it before starting threads: the child uses libnl after
 * fork().
 */
static int netem_probe(char *why, int len)
{
	int fds[2];
	if (len > 0)
		why[0] = '\0';
	if (pipe(fds) < 0) {
		snprintf(why, len, "netem probe: pipe: %s", strerror(errno));
		return 0;
	}
	fflush(NULL);
	int st = netns_throwaway_run(probe_child, &fds[1]);
	close(fds[1]);
	/* The child has exited: what it wrote waits in the pipe (< PIPE_BUF). */
	char buf[256];
	size_t got = 0;
	for (;;) {
		ssize_t n = read(fds[0], buf + got, sizeof(buf) - 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += n;
		if (got == sizeof(buf) - 1)
			break;
	}
	buf[got] = '\0';
	close(fds[0]);
	if (st < 0) {
		snprintf(why, len, "cannot make a namespace to probe netem: %s", strerror(-st));
		return 0;
	}
	snprintf(why, len, "%s", got ? buf : "netem probe: no answer from the child");
	return st == 0;
}

const struct link_backend_ops link_netem_ops = {
	.name = "netem",
	.probe = netem_probe,
	.start = netem_start,
	.stats = netem_stats,
	.stop = netem_stop,
};
