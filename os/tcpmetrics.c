#include "os/tcpmetrics.h"

#include <errno.h>
#include <linux/tcp_metrics.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include "common/log.h"

int tcpmetrics_flush(void)
{
	struct nl_sock *sk = nl_socket_alloc();
	struct nl_msg *msg = NULL;
	int family, err;

	if (!sk)
		return -ENOMEM;
	if ((err = genl_connect(sk)) < 0) {
		log_err("tcp_metrics: genl_connect: %s", nl_geterror(err));
		goto end;
	}
	family = genl_ctrl_resolve(sk, TCP_METRICS_GENL_NAME);
	if (family < 0) {
		err = family;
		log_err("tcp_metrics: resolve generic netlink family: %s", nl_geterror(err));
		goto end;
	}
	msg = nlmsg_alloc();
	if (!msg || !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, NLM_F_ACK,
				 TCP_METRICS_CMD_DEL, TCP_METRICS_GENL_VERSION)) {
		err = -NLE_NOMEM;
		goto end;
	}
	/* A DEL without an address attribute flushes every entry. */
	err = nl_send_sync(sk, msg);
	msg = NULL; /* nl_send_sync frees it */
	if (err < 0)
		log_err("tcp_metrics: TCP_METRICS_CMD_DEL (flush): %s", nl_geterror(err));
end:
	nlmsg_free(msg);
	nl_socket_free(sk);
	return err < 0 ? -EIO : 0;
}
