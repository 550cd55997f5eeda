#include "os/iface.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/ethtool.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/neighbour.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/log.h"
#include "common/nlerr.h"

int iface_sock_new(struct nl_sock **out)
{
	struct nl_sock *sk = nl_socket_alloc();
	int err;

	if (!sk) {
		log_err("netlink: nl_socket_alloc: out of memory");
		return -ENOMEM;
	}
	err = nl_connect(sk, NETLINK_ROUTE);
	if (err < 0) {
		log_err("netlink: nl_connect(NETLINK_ROUTE): %s", nl_geterror(err));
		nl_socket_free(sk);
		return nlerr_to_errno(err);
	}
	*out = sk;
	return 0;
}

void iface_sock_free(struct nl_sock *sk)
{
	if (sk)
		nl_socket_free(sk);
}

int iface_veth_add(struct nl_sock *sk, const char *name, const char *peer_name, int peer_ns_fd)
{
	struct rtnl_link *link = rtnl_link_veth_alloc(), *peer;
	int err;

	if (!link) {
		log_err("veth %s: rtnl_link_veth_alloc: out of memory", name);
		return -ENOMEM;
	}
	rtnl_link_set_name(link, name);
	peer = rtnl_link_veth_get_peer(link);
	rtnl_link_set_name(peer, peer_name);
	rtnl_link_set_ns_fd(peer, peer_ns_fd);
	err = rtnl_link_add(sk, link, NLM_F_CREATE | NLM_F_EXCL);
	rtnl_link_put(peer);
	rtnl_link_put(link);
	if (err < 0) {
		log_err("veth %s/%s: RTM_NEWLINK: %s", name, peer_name, nl_geterror(err));
		return nlerr_to_errno(err);
	}
	return 0;
}

int iface_index(struct nl_sock *sk, const char *name)
{
	struct rtnl_link *link;
	int err = rtnl_link_get_kernel(sk, 0, name, &link);
	if (err < 0)
		return nlerr_to_errno(err);
	int idx = rtnl_link_get_ifindex(link);
	rtnl_link_put(link);
	return idx;
}

static int set_up(struct nl_sock *sk, const char *name, bool up)
{
	struct rtnl_link *link, *change;
	int err = rtnl_link_get_kernel(sk, 0, name, &link);

	if (err < 0) {
		log_err("link %s: RTM_GETLINK: %s", name, nl_geterror(err));
		return nlerr_to_errno(err);
	}
	change = rtnl_link_alloc();
	if (!change) {
		rtnl_link_put(link);
		return -ENOMEM;
	}
	if (up)
		rtnl_link_set_flags(change, IFF_UP);
	else
		rtnl_link_unset_flags(change, IFF_UP);
	err = rtnl_link_change(sk, link, change, 0);
	rtnl_link_put(change);
	rtnl_link_put(link);
	if (err < 0) {
		log_err("link %s: set %s: %s", name, up ? "up" : "down", nl_geterror(err));
		return nlerr_to_errno(err);
	}
	return 0;
}

int iface_up(struct nl_sock *sk, const char *name)
{
	return set_up(sk, name, true);
}

int iface_down(struct nl_sock *sk, const char *name)
{
	return set_up(sk, name, false);
}

int iface_addr_add(struct nl_sock *sk, const char *name, struct in_addr in, int prefixlen)
{
	char text[INET_ADDRSTRLEN];
	int idx = iface_index(sk, name), err;
	struct rtnl_addr *addr;
	struct nl_addr *local;

	inet_ntop(AF_INET, &in, text, sizeof(text));
	if (idx < 0) {
		log_err("addr %s/%d on %s: no such interface", text, prefixlen, name);
		return idx;
	}
	addr = rtnl_addr_alloc();
	local = nl_addr_build(AF_INET, &in, sizeof(in));
	if (!addr || !local) {
		rtnl_addr_put(addr);
		nl_addr_put(local);
		return -ENOMEM;
	}
	nl_addr_set_prefixlen(local, prefixlen);
	rtnl_addr_set_ifindex(addr, idx);
	rtnl_addr_set_local(addr, local);
	err = rtnl_addr_add(sk, addr, 0);
	nl_addr_put(local);
	rtnl_addr_put(addr);
	if (err < 0) {
		log_err("addr %s/%d on %s: RTM_NEWADDR: %s", text, prefixlen, name, nl_geterror(err));
		return nlerr_to_errno(err);
	}
	return 0;
}

int iface_route_msg(int ifindex, struct in_addr dst, int prefixlen, struct in_addr src,
		    const char *cc, struct nl_msg **out)
{
	struct rtmsg rtm = {
		.rtm_family = AF_INET, .rtm_dst_len = (unsigned char)prefixlen,
		.rtm_table = RT_TABLE_MAIN, .rtm_protocol = RTPROT_STATIC,
		.rtm_scope = RT_SCOPE_LINK, .rtm_type = RTN_UNICAST,
	};
	struct nl_msg *msg;
	struct nlattr *metrics;

	*out = NULL;
	if (prefixlen < 0 || prefixlen > 32 || (cc && (!*cc || strlen(cc) > 15)))
		return -EINVAL;
	msg = nlmsg_alloc_simple(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL);
	if (!msg)
		return -ENOMEM;
	if (nlmsg_append(msg, &rtm, sizeof(rtm), NLMSG_ALIGNTO) < 0 ||
	    nla_put(msg, RTA_DST, sizeof(dst), &dst) < 0 ||
	    (src.s_addr && nla_put(msg, RTA_PREFSRC, sizeof(src), &src) < 0) ||
	    nla_put_u32(msg, RTA_OIF, (uint32_t)ifindex) < 0)
		goto nomem;
	if (cc) {
		if (!(metrics = nla_nest_start(msg, RTA_METRICS)) ||
		    nla_put_string(msg, RTAX_CC_ALGO, cc) < 0)
			goto nomem;
		nla_nest_end(msg, metrics);
	}
	*out = msg;
	return 0;
nomem:
	nlmsg_free(msg);
	return -ENOMEM;
}

int iface_route_add(struct nl_sock *sk, const char *name, struct in_addr dst, int prefixlen,
		    struct in_addr src, const char *cc)
{
	char text[INET_ADDRSTRLEN], what[INET_ADDRSTRLEN + 64];
	int idx = iface_index(sk, name), err;
	struct nl_msg *msg;

	inet_ntop(AF_INET, &dst, text, sizeof(text));
	snprintf(what, sizeof(what), "route %s/%d dev %s%s%s", text, prefixlen, name,
		 cc ? " congctl " : "", cc ? cc : "");
	if (idx < 0) {
		log_err("%s: no such interface", what);
		return idx;
	}
	err = iface_route_msg(idx, dst, prefixlen, src, cc, &msg);
	if (err < 0) {
		log_err("%s: %s", what, err == -ENOMEM ? "out of memory" : "bad prefix or name");
		return err;
	}
	err = nl_send_sync(sk, msg); /* frees msg; waits for the ack */
	if (err < 0) {
		log_err("%s: RTM_NEWROUTE: %s", what, nl_geterror(err));
		return nlerr_to_errno(err);
	}
	return 0;
}

int iface_mac(struct nl_sock *sk, const char *name, unsigned char mac[6])
{
	struct rtnl_link *link;
	int err = rtnl_link_get_kernel(sk, 0, name, &link);
	if (err < 0) {
		log_err("link %s: RTM_GETLINK: %s", name, nl_geterror(err));
		return nlerr_to_errno(err);
	}
	struct nl_addr *a = rtnl_link_get_addr(link);
	if (!a || nl_addr_get_len(a) != 6) {
		log_err("link %s: no Ethernet address", name);
		rtnl_link_put(link);
		return -ENODEV;
	}
	memcpy(mac, nl_addr_get_binary_addr(a), 6);
	rtnl_link_put(link);
	return 0;
}

int iface_neigh_add(struct nl_sock *sk, const char *name, struct in_addr in,
		    const unsigned char mac[6])
{
	char text[INET_ADDRSTRLEN];
	int idx = iface_index(sk, name), err;
	struct rtnl_neigh *n = rtnl_neigh_alloc();
	struct nl_addr *dst = nl_addr_build(AF_INET, &in, sizeof(in));
	struct nl_addr *ll = nl_addr_build(AF_LLC, mac, 6);

	inet_ntop(AF_INET, &in, text, sizeof(text));
	if (idx < 0 || !n || !dst || !ll) {
		log_err("neighbour %s on %s: %s", text, name, idx < 0 ? "no such interface" : "out of memory");
		err = idx < 0 ? idx : -ENOMEM;
		goto end;
	}
	rtnl_neigh_set_ifindex(n, idx);
	rtnl_neigh_set_dst(n, dst);
	rtnl_neigh_set_lladdr(n, ll);
	rtnl_neigh_set_state(n, NUD_PERMANENT);
	err = rtnl_neigh_add(sk, n, NLM_F_CREATE | NLM_F_REPLACE);
	if (err < 0) {
		log_err("neighbour %s on %s: RTM_NEWNEIGH: %s", text, name, nl_geterror(err));
		err = nlerr_to_errno(err);
	}
end:
	rtnl_neigh_put(n);
	nl_addr_put(dst);
	nl_addr_put(ll);
	return err;
}

/*
 * Offloads are switched off by feature name, through ETHTOOL_SFEATURES: the
 * legacy ETHTOOL_STSO leaves newer TSO variants on (tx-tcp-accecn-segmentation
 * on 6.x kernels), and feature bit numbers are not ABI, their names are.
 */
static const char *const offload_prefixes[] = {
	"tx-tcp", "tx-generic-segmentation", "tx-udp-segmentation", "rx-gro",
	"tx-checksum", "tx-scatter-gather", "rx-udp-gro-forwarding",
};

static int wants_off(const char *feature)
{
	for (size_t i = 0; i < sizeof(offload_prefixes) / sizeof(offload_prefixes[0]); i++)
		if (!strncmp(feature, offload_prefixes[i], strlen(offload_prefixes[i])))
			return 1;
	return 0;
}

static int ethtool_ioctl(int fd, const char *name, void *data)
{
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	ifr.ifr_data = data;
	return ioctl(fd, SIOCETHTOOL, &ifr) < 0 ? -errno : 0;
}

int iface_offloads_off(const char *name)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc;
	struct ethtool_sset_info *info = NULL;
	struct ethtool_gstrings *strs = NULL;
	struct ethtool_sfeatures *set = NULL;
	uint32_t n, blocks;

	if (fd < 0) {
		log_err("ethtool %s: socket: %s", name, strerror(errno));
		return -errno;
	}
	info = calloc(1, sizeof(*info) + sizeof(uint32_t));
	if (!info) {
		rc = -ENOMEM;
		goto end;
	}
	info->cmd = ETHTOOL_GSSET_INFO;
	info->sset_mask = 1ull << ETH_SS_FEATURES;
	if ((rc = ethtool_ioctl(fd, name, info)) < 0 || !info->sset_mask) {
		log_err("ethtool %s: ETHTOOL_GSSET_INFO: %s", name, rc < 0 ? strerror(-rc) : "no feature names");
		rc = rc < 0 ? rc : -EOPNOTSUPP;
		goto end;
	}
	n = info->data[0];
	blocks = (n + 31) / 32;
	strs = calloc(1, sizeof(*strs) + (size_t)n * ETH_GSTRING_LEN);
	set = calloc(1, sizeof(*set) + blocks * sizeof(set->features[0]));
	if (!strs || !set) {
		rc = -ENOMEM;
		goto end;
	}
	strs->cmd = ETHTOOL_GSTRINGS;
	strs->string_set = ETH_SS_FEATURES;
	strs->len = n;
	if ((rc = ethtool_ioctl(fd, name, strs)) < 0) {
		log_err("ethtool %s: ETHTOOL_GSTRINGS: %s", name, strerror(-rc));
		goto end;
	}
	set->cmd = ETHTOOL_SFEATURES;
	set->size = blocks;
	for (uint32_t i = 0; i < n; i++) {
		char feature[ETH_GSTRING_LEN + 1];
		memcpy(feature, strs->data + (size_t)i * ETH_GSTRING_LEN, ETH_GSTRING_LEN);
		feature[ETH_GSTRING_LEN] = 0;
		if (wants_off(feature))
			set->features[i / 32].valid |= 1u << (i % 32); /* requested bit stays 0 */
	}
	rc = ethtool_ioctl(fd, name, set);
	if (rc < 0)
		log_err("ethtool %s: ETHTOOL_SFEATURES (offloads off): %s", name, strerror(-rc));
	else
		rc = 0; /* a positive return only flags features that stay fixed */
end:
	free(info);
	free(strs);
	free(set);
	close(fd);
	return rc;
}
