#include "testbed/testbed.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ftw.h>
#include <ifaddrs.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "os/iface.h"
#include "os/netns.h"
#include "testbed/rundir.h"

static atomic_int testbed_seq;

static const char *side_name[] = { "c", "l", "s" };

/*
 * The /24 in 198.18.0.0/15 (RFC 2544, reserved for benchmarking) that no
 * host interface uses.  The namespaces are isolated, so two runs may share a
 * subnet; what must never happen is to shadow an address of the host.
 */
static int pick_subnet(uint32_t *base)
{
	struct ifaddrs *ifa, *i;
	if (getifaddrs(&ifa) < 0) {
		log_err("getifaddrs: %s", strerror(errno));
		return -errno;
	}
	for (uint32_t n = 0; n < 512; n++) {
		uint32_t net = (198u << 24 | 18u << 16) + (n << 8);
		int used = 0;
		for (i = ifa; i && !used; i = i->ifa_next) {
			if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET)
				continue;
			uint32_t a = ntohl(((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr);
			used = (a & 0xffffff00u) == net;
		}
		if (!used) {
			freeifaddrs(ifa);
			*base = net;
			return 0;
		}
	}
	freeifaddrs(ifa);
	log_err("testbed: every /24 of 198.18.0.0/15 is used by a host interface");
	return -EADDRINUSE;
}

int testbed_enter(struct testbed *tb, enum testbed_side side, int *saved)
{
	return netns_enter(tb->fd[side], saved);
}

/*
 * Permanent neighbour entries: on the client for every server address (the
 * MAC of tfls0), on the server for the client (the MAC of tflc0).
 */
static int neigh_setup(struct testbed *tb, enum testbed_side side, const unsigned char peer_mac[6])
{
	struct nl_sock *sk = NULL;
	int saved, rc = testbed_enter(tb, side, &saved);
	if (rc < 0)
		return rc;
	rc = iface_sock_new(&sk);
	if (side == TESTBED_CLIENT)
		for (int i = 0; rc == 0 && i < tb->nservers; i++)
			rc = iface_neigh_add(sk, TESTBED_IF_CLIENT, tb->server_addr[i], peer_mac);
	else if (rc == 0)
		rc = iface_neigh_add(sk, TESTBED_IF_SERVER, tb->client_addr, peer_mac);
	iface_sock_free(sk);
	netns_leave(saved);
	return rc;
}

#define CC_AVAILABLE "/proc/sys/net/ipv4/tcp_available_congestion_control"

/* Is @cc a word of the space-separated @list? */
static bool cc_listed(const char *list, const char *cc)
{
	size_t n = strlen(cc);
	if (!n)
		return false;
	for (const char *p = list; (p = strstr(p, cc)); p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == 0))
			return true;
	return false;
}

/*
 * A route of the testbed, with congestion control @cc as its RTAX_CC_ALGO
 * metric (see iface_route_msg).  When the kernel refuses it and has no @cc,
 * the error says so and lists what it has.
 */
static int route_add(struct testbed *tb, struct nl_sock *sk, const char *ifname,
		     struct in_addr dst, int prefixlen, struct in_addr src, const char *cc)
{
	int rc = iface_route_add(sk, ifname, dst, prefixlen, src, cc);
	char avail[256] = "";
	FILE *f;

	if (rc == 0 || !cc)
		return rc;
	if ((f = fopen(CC_AVAILABLE, "r"))) {
		if (!fgets(avail, sizeof(avail), f))
			avail[0] = 0;
		fclose(f);
		avail[strcspn(avail, "\n")] = 0;
	}
	if (!cc_listed(avail, cc))
		log_err("testbed %s: congestion control '%s' is not available on this kernel "
			"(%s: %s)", tb->prefix, cc, CC_AVAILABLE, avail[0] ? avail : "unreadable");
	return rc;
}

/*
 * The client/server side of one namespace: lo, the veth, addresses, routes;
 * @cc (or NULL) is the congestion control of the routes.
 */
static int side_setup(struct testbed *tb, enum testbed_side side, const char *cc,
		      unsigned char mac[6])
{
	const char *ifname = side == TESTBED_CLIENT ? TESTBED_IF_CLIENT : TESTBED_IF_SERVER;
	struct nl_sock *sk = NULL;
	int saved, rc;
	struct in_addr none = { 0 };

	rc = testbed_enter(tb, side, &saved);
	if (rc < 0)
		return rc;
	rc = iface_sock_new(&sk);
	if (rc < 0)
		goto end;
	if ((rc = iface_up(sk, "lo")) < 0 || (rc = iface_offloads_off(ifname)) < 0 ||
	    (rc = iface_up(sk, ifname)) < 0)
		goto end;
	if (side == TESTBED_CLIENT) {
		struct in_addr net = { htonl(ntohl(tb->client_addr.s_addr) & 0xffffff00u) };
		if ((rc = iface_addr_add(sk, ifname, tb->client_addr, 32)) < 0 ||
		    (rc = route_add(tb, sk, ifname, net, 24, tb->client_addr, cc)) < 0)
			goto end;
	} else {
		for (int i = 0; i < tb->nservers; i++)
			if ((rc = iface_addr_add(sk, ifname, tb->server_addr[i], 32)) < 0)
				goto end;
		if ((rc = route_add(tb, sk, ifname, tb->client_addr, 32, none, cc)) < 0)
			goto end;
	}
	rc = iface_mac(sk, ifname, mac);
end:
	iface_sock_free(sk);
	netns_leave(saved);
	return rc;
}

/* Sysctls every namespace gets: no IPv6 (no router solicitations or DAD
 * chatter on the emulated link). */
static int ns_quiet(struct testbed *tb, enum testbed_side side)
{
	int rc = netns_sysctl_write(tb->fd[side], "net/ipv6/conf/all/disable_ipv6", "1");
	if (rc == 0)
		rc = netns_sysctl_write(tb->fd[side], "net/ipv6/conf/default/disable_ipv6", "1");
	return rc == -ENOENT ? 0 : rc; /* a kernel without IPv6 is fine */
}

int testbed_set_tfo(struct testbed *tb, int value)
{
	char v[16];
	snprintf(v, sizeof(v), "%d", value);
	int rc = netns_sysctl_write(tb->fd[TESTBED_CLIENT], "net/ipv4/tcp_fastopen", v);
	if (rc == 0)
		rc = netns_sysctl_write(tb->fd[TESTBED_SERVER], "net/ipv4/tcp_fastopen", v);
	return rc;
}

/*
 * The congestion control in use.  A chosen one (@cc) is the RTAX_CC_ALGO
 * metric of every route side_setup adds, so every connection between client
 * and server uses it.  It is not the namespaces' default
 * (net.ipv4.tcp_congestion_control): outside the host's namespace that can
 * only be one of the host's net.ipv4.tcp_allowed_congestion_control (reno
 * and bbr here, not cubic), which we never change.  With no @cc it is that
 * default, which a new namespace inherits from the host.
 */
static int cc_record(struct testbed *tb, const char *cc)
{
	if (cc) {
		snprintf(tb->cc, sizeof(tb->cc), "%s", cc);
		return 0;
	}
	return netns_sysctl_read(tb->fd[TESTBED_CLIENT], "net/ipv4/tcp_congestion_control", tb->cc,
				 sizeof(tb->cc));
}

/*
 * The link namespace: both veth pairs, and the backend between them.  With
 * no backend the testbed is a bare veth pair client <-> server (no link
 * namespace), the baseline that the emulator's overhead is measured against.
 */
static int link_setup(struct testbed *tb, const struct testbed_opts *o)
{
	struct nl_sock *sk = NULL;
	int saved, rc;

	rc = testbed_enter(tb, o->backend ? TESTBED_LINK : TESTBED_CLIENT, &saved);
	if (rc < 0)
		return rc;
	rc = iface_sock_new(&sk);
	if (rc < 0)
		goto end;
	if (!o->backend) {
		rc = iface_veth_add(sk, TESTBED_IF_CLIENT, TESTBED_IF_SERVER, tb->fd[TESTBED_SERVER]);
		goto end;
	}
	if ((rc = iface_veth_add(sk, TESTBED_IF_LINK_C, TESTBED_IF_CLIENT, tb->fd[TESTBED_CLIENT])) < 0 ||
	    (rc = iface_veth_add(sk, TESTBED_IF_LINK_S, TESTBED_IF_SERVER, tb->fd[TESTBED_SERVER])) < 0 ||
	    (rc = iface_up(sk, "lo")) < 0 ||
	    (rc = iface_offloads_off(TESTBED_IF_LINK_C)) < 0 ||
	    (rc = iface_offloads_off(TESTBED_IF_LINK_S)) < 0 ||
	    (rc = iface_up(sk, TESTBED_IF_LINK_C)) < 0 || (rc = iface_up(sk, TESTBED_IF_LINK_S)) < 0)
		goto end;
end:
	iface_sock_free(sk);
	netns_leave(saved);
	return rc;
}

static int link_start(struct testbed *tb, const struct testbed_opts *o)
{
	int saved, rc;
	if (!o->backend)
		return 0;
	rc = testbed_enter(tb, TESTBED_LINK, &saved);
	if (rc < 0)
		return rc;
	rc = o->backend->start(&o->link, TESTBED_IF_LINK_C, TESTBED_IF_LINK_S, o->event_log, &tb->link);
	if (rc == 0)
		tb->ops = o->backend;
	netns_leave(saved);
	return rc;
}

int testbed_up(const struct testbed_opts *o, struct testbed **out)
{
	struct testbed *tb;
	uint32_t base = 0;
	int rc;

	if (o->nservers < 1 || o->nservers > TESTBED_MAX_SERVERS) {
		log_err("testbed: %d server addresses requested (1..%d)", o->nservers, TESTBED_MAX_SERVERS);
		return -EINVAL;
	}
	rc = pick_subnet(&base);
	if (rc < 0)
		return rc;
	tb = calloc(1, sizeof(*tb));
	if (!tb)
		return -ENOMEM;
	tb->fd[0] = tb->fd[1] = tb->fd[2] = -1;
	tb->lock_fd = -1;
	snprintf(tb->prefix, sizeof(tb->prefix), TESTBED_PREFIX "%d-%d", (int)getpid(),
		 atomic_fetch_add(&testbed_seq, 1));
	tb->client_addr.s_addr = htonl(base + 1);
	tb->nservers = o->nservers;
	for (int i = 0; i < o->nservers; i++)
		tb->server_addr[i].s_addr = htonl(base + 2 + i);

	rc = rundir_create(tb->prefix, tb->run_dir, sizeof(tb->run_dir));
	if (rc < 0)
		goto error;
	/* Held until testbed_down: while it is, no cleanup takes us for a crash. */
	rc = tb->lock_fd = rundir_lock(tb->run_dir);
	if (rc < 0)
		goto error;
	for (int s = 0; s < 3; s++) {
		if (s == TESTBED_LINK && !o->backend)
			continue;
		snprintf(tb->ns[s], sizeof(tb->ns[s]), "%s-%s", tb->prefix, side_name[s]);
		rc = netns_add(tb->ns[s], &tb->fd[s]);
		if (rc < 0)
			goto error;
		rc = ns_quiet(tb, s);
		if (rc < 0)
			goto error;
	}
	unsigned char mac_c[6], mac_s[6];
	if ((rc = link_setup(tb, o)) < 0 || (rc = side_setup(tb, TESTBED_CLIENT, o->cc, mac_c)) < 0 ||
	    (rc = side_setup(tb, TESTBED_SERVER, o->cc, mac_s)) < 0 ||
	    (rc = neigh_setup(tb, TESTBED_CLIENT, mac_s)) < 0 ||
	    (rc = neigh_setup(tb, TESTBED_SERVER, mac_c)) < 0)
		goto error;
	if (o->tfo_sysctl >= 0 && (rc = testbed_set_tfo(tb, o->tfo_sysctl)) < 0)
		goto error;
	if ((rc = cc_record(tb, o->cc)) < 0)
		goto error;
	if ((rc = link_start(tb, o)) < 0)
		goto error;
	*out = tb;
	return 0;
error:
	testbed_down(tb);
	return rc;
}

int testbed_link_stats(struct testbed *tb, struct link_stats *up, struct link_stats *down)
{
	memset(up, 0, sizeof(*up));
	memset(down, 0, sizeof(*down));
	if (!tb->ops)
		return 0;
	return tb->ops->stats(tb->link, up, down);
}

bool testbed_link_mark(struct testbed *tb)
{
	if (!tb->ops || !tb->ops->mark)
		return false;
	tb->ops->mark(tb->link);
	return true;
}

int testbed_down(struct testbed *tb)
{
	int rc = 0;

	if (!tb)
		return 0;
	if (tb->ops) {
		int saved;
		/* Some backends (netem) undo kernel state from inside the namespace. */
		if (testbed_enter(tb, TESTBED_LINK, &saved) == 0) {
			tb->ops->stop(tb->link);
			netns_leave(saved);
		} else {
			tb->ops->stop(tb->link);
		}
		tb->ops = NULL;
	}
	for (int s = 2; s >= 0; s--) {
		if (tb->fd[s] >= 0)
			close(tb->fd[s]);
		if (tb->ns[s][0]) {
			int e = netns_del(tb->ns[s]);
			if (e < 0 && e != -ENOENT && rc == 0)
				rc = e;
		}
	}
	if (tb->run_dir[0]) {
		int e = rundir_remove(tb->run_dir);
		if (e < 0 && rc == 0)
			rc = e;
	}
	if (tb->lock_fd >= 0)
		close(tb->lock_fd);
	free(tb);
	return rc;
}
