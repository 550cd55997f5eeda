/*
 * Interfaces, addresses and routes, through libnl-route (never by forking
 * `ip`).  Every function acts in the network namespace of the socket @sk,
 * which is the namespace its creator was in when it called iface_sock_new().
 */
#ifndef TFOLAB_OS_IFACE_H
#define TFOLAB_OS_IFACE_H

#include <netinet/in.h>

struct nl_msg;
struct nl_sock;

/* iface_sock_new - a connected NETLINK_ROUTE socket in the calling thread's namespace. */
int iface_sock_new(struct nl_sock **sk);
void iface_sock_free(struct nl_sock *sk);

/*
 * iface_veth_add - a veth pair @name <-> @peer, with @name in the socket's
 * namespace and @peer created directly in namespace @peer_ns_fd, so that it
 * never appears in any other namespace (the host's in particular).
 */
int iface_veth_add(struct nl_sock *sk, const char *name, const char *peer, int peer_ns_fd);

/* iface_up / iface_down - set / clear IFF_UP on @name: 0 or a negative errno (logged). */
int iface_up(struct nl_sock *sk, const char *name);
int iface_down(struct nl_sock *sk, const char *name);

/* iface_index - the ifindex of @name, or a negative errno. */
int iface_index(struct nl_sock *sk, const char *name);

/* iface_addr_add - add @addr/@prefixlen to @name. */
int iface_addr_add(struct nl_sock *sk, const char *name, struct in_addr addr, int prefixlen);

/*
 * iface_route_msg - the RTM_NEWROUTE request (NLM_F_CREATE | NLM_F_EXCL) for
 * a direct (scope link) route to @dst/@prefixlen through @ifindex, with
 * preferred source @src (0.0.0.0 = none), in the main table.  With @cc it
 * carries RTA_METRICS { RTAX_CC_ALGO = "@cc" }, a NUL-terminated string (what
 * `ip route ... congctl @cc` sends): every TCP connection on the route, both
 * the ones it opens and the ones it accepts, then uses that congestion
 * control, whatever the namespace's default.  libnl-route 3.7 cannot say
 * this (rtnl_route_set_metric() writes every metric as a u32), so the
 * message is composed here with libnl core.  Pure: no socket, no kernel.
 * Returns 0 and *@out (nlmsg_free it); -EINVAL for a @prefixlen outside
 * 0..32 or a @cc that is empty or longer than 15 characters (the kernel's
 * TCP_CA_NAME_MAX); -ENOMEM.
 */
int iface_route_msg(int ifindex, struct in_addr dst, int prefixlen, struct in_addr src,
		    const char *cc, struct nl_msg **out);

/*
 * iface_route_add - send iface_route_msg() for interface @name and wait for
 * the kernel's answer.  @cc NULL = no congestion control metric.  On error
 * it is logged with the route, and a negative errno is returned (-EINVAL,
 * among others, when the kernel has no congestion control @cc).
 */
int iface_route_add(struct nl_sock *sk, const char *name, struct in_addr dst, int prefixlen,
		    struct in_addr src, const char *cc);

/* iface_mac - the hardware address of @name (6 bytes into @mac). */
int iface_mac(struct nl_sock *sk, const char *name, unsigned char mac[6]);

/*
 * iface_neigh_add - a permanent neighbour entry @addr -> @mac on @name, so
 * that no ARP exchange crosses the emulated link (it would add a round trip
 * to the first packet of a run that no real WAN path has).
 */
int iface_neigh_add(struct nl_sock *sk, const char *name, struct in_addr addr,
		    const unsigned char mac[6]);

/*
 * iface_offloads_off - turn TSO, GSO, GRO, scatter-gather and TX checksum
 * offload off on @name in the calling thread's namespace, so that every
 * emulated packet is at most one MTU and carries a complete checksum (the
 * userspace forwarder passes frames on as they are).
 */
int iface_offloads_off(const char *name);

#endif
