/*
 * The forwarder's ports (see forward.h): per interface, an AF_PACKET socket
 * that reads every frame through a receive ring and one that only sends.
 */
#include "emulator/forward.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

/* --- sockets ------------------------------------------------------------- */

int forward_fail(char *err, int errlen, int e, const char *fmt, ...)
{
	char what[200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(err, errlen, "%s: %s", what, strerror(e));
	return -e;
}

static int set_buf(int fd, int force, int plain, int bytes)
{
	if (setsockopt(fd, SOL_SOCKET, force, &bytes, sizeof(bytes)) == 0)
		return 0;
	return setsockopt(fd, SOL_SOCKET, plain, &bytes, sizeof(bytes));
}

/* An AF_PACKET socket bound to @idx; @proto 0 binds without receiving. */
static int packet_open(const char *ifname, unsigned idx, uint16_t proto, char *err, int errlen)
{
	/* Protocol 0 until bind, so no frame of another interface slips in. */
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return forward_fail(err, errlen, errno, "interface %s: socket(AF_PACKET)", ifname);
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(proto),
		.sll_ifindex = (int)idx,
	};
	int one = 1, rc;
	if (proto) {
		if (setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one)) < 0) {
			rc = forward_fail(err, errlen, errno,
				  "interface %s: setsockopt(PACKET_IGNORE_OUTGOING)", ifname);
			goto error;
		}
		int v = TPACKET_V2;
		if (setsockopt(fd, SOL_PACKET, PACKET_VERSION, &v, sizeof(v)) < 0) {
			rc = forward_fail(err, errlen, errno, "interface %s: setsockopt(PACKET_VERSION)",
				  ifname);
			goto error;
		}
		struct tpacket_req req = {
			.tp_block_size = FORWARD_RING_BLOCK,
			.tp_block_nr = FORWARD_RING_BLOCKS,
			.tp_frame_size = FORWARD_RING_FRAME,
			.tp_frame_nr = FORWARD_RING_BLOCKS * (FORWARD_RING_BLOCK / FORWARD_RING_FRAME),
		};
		if (setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req)) < 0) {
			rc = forward_fail(err, errlen, errno, "interface %s: setsockopt(PACKET_RX_RING)",
				  ifname);
			goto error;
		}
	} else {
		if (set_buf(fd, SO_SNDBUFFORCE, SO_SNDBUF, 8 << 20) < 0) {
			rc = forward_fail(err, errlen, errno, "interface %s: setsockopt(SO_SNDBUF)",
				  ifname);
			goto error;
		}
		if (setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one)) < 0) {
			rc = forward_fail(err, errlen, errno,
				  "interface %s: setsockopt(PACKET_QDISC_BYPASS)", ifname);
			goto error;
		}
	}
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		rc = forward_fail(err, errlen, errno, "interface %s: bind(AF_PACKET)", ifname);
		goto error;
	}
	return fd;
error:
	close(fd);
	return rc;
}

int forward_port_open(struct forward_port *port, const char *ifname, char *err, int errlen)
{
	memset(port, 0, sizeof(*port));
	port->rx = port->tx = -1;
	unsigned idx = if_nametoindex(ifname);
	if (idx == 0)
		return forward_fail(err, errlen, errno, "interface %s: if_nametoindex", ifname);
	int rc = port->tx = packet_open(ifname, idx, 0, err, errlen);
	if (rc < 0)
		goto error;
	rc = port->rx = packet_open(ifname, idx, ETH_P_ALL, err, errlen);
	if (rc < 0)
		goto error;
	port->frame_size = FORWARD_RING_FRAME;
	port->frame_nr = FORWARD_RING_BLOCKS * (FORWARD_RING_BLOCK / FORWARD_RING_FRAME);
	port->ring_len = (size_t)FORWARD_RING_BLOCKS * FORWARD_RING_BLOCK;
	port->ring = mmap(NULL, port->ring_len, PROT_READ | PROT_WRITE, MAP_SHARED, port->rx, 0);
	if (port->ring == MAP_FAILED) {
		port->ring = NULL;
		rc = forward_fail(err, errlen, errno, "interface %s: mmap(PACKET_RX_RING)", ifname);
		goto error;
	}
	/* A bridge takes every frame; veth does not filter by address, but
	 * other devices do.  The membership ends with the socket. */
	struct packet_mreq mr = { .mr_ifindex = (int)idx, .mr_type = PACKET_MR_PROMISC };
	if (setsockopt(port->rx, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr)) < 0) {
		rc = forward_fail(err, errlen, errno, "interface %s: setsockopt(PACKET_MR_PROMISC)",
			  ifname);
		goto error;
	}
	return 0;
error:
	forward_port_close(port);
	return rc;
}

void forward_port_close(struct forward_port *port)
{
	if (port->ring)
		munmap(port->ring, port->ring_len);
	port->ring = NULL;
	if (port->rx >= 0)
		close(port->rx);
	if (port->tx >= 0)
		close(port->tx);
	port->rx = port->tx = -1;
}
