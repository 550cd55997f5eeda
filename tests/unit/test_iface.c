/*
 * iface_route_msg: the RTM_NEWROUTE request is parsed back the way the
 * kernel reads it, and a congestion control travels as the string metric
 * RTAX_CC_ALGO nested in RTA_METRICS (what `ip route ... congctl` sends).
 * nlerr_to_errno: libnl's error numbers back to errno.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/errno.h>
#include <netlink/msg.h>
#include <string.h>

#include "common/nlerr.h"
#include "os/iface.h"

static struct in_addr ip(const char *s)
{
	struct in_addr a;
	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a;
}

/* Parses @msg as the kernel would: the rtmsg, then the attributes. */
static struct rtmsg *parse(struct nl_msg *msg, struct nlattr *tb[RTA_MAX + 1])
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	assert_int_equal(nlh->nlmsg_type, RTM_NEWROUTE);
	assert_int_equal(nlh->nlmsg_flags & (NLM_F_CREATE | NLM_F_EXCL), NLM_F_CREATE | NLM_F_EXCL);
	assert_int_equal(nlmsg_parse(nlh, sizeof(struct rtmsg), tb, RTA_MAX, NULL), 0);
	return nlmsg_data(nlh);
}

static void route_with_cc(void **state)
{
	struct nl_msg *msg;
	struct nlattr *tb[RTA_MAX + 1], *m[RTAX_MAX + 1];
	assert_int_equal(iface_route_msg(7, ip("198.18.3.0"), 24, ip("198.18.3.1"), "cubic", &msg), 0);
	struct rtmsg *rtm = parse(msg, tb);
	assert_int_equal(rtm->rtm_family, AF_INET);
	assert_int_equal(rtm->rtm_dst_len, 24);
	assert_int_equal(rtm->rtm_table, RT_TABLE_MAIN);
	assert_int_equal(rtm->rtm_scope, RT_SCOPE_LINK);
	assert_int_equal(rtm->rtm_type, RTN_UNICAST);
	assert_int_equal(nla_get_u32(tb[RTA_OIF]), 7);
	assert_int_equal(nla_len(tb[RTA_DST]), 4);
	assert_int_equal(*(uint32_t *)nla_data(tb[RTA_DST]), ip("198.18.3.0").s_addr);
	assert_int_equal(*(uint32_t *)nla_data(tb[RTA_PREFSRC]), ip("198.18.3.1").s_addr);

	assert_non_null(tb[RTA_METRICS]);
	assert_int_equal(nla_parse_nested(m, RTAX_MAX, tb[RTA_METRICS], NULL), 0);
	assert_non_null(m[RTAX_CC_ALGO]);
	/* A string with its NUL, as the kernel's nla_strscpy expects; no u32. */
	assert_int_equal(nla_len(m[RTAX_CC_ALGO]), 6);
	assert_string_equal(nla_get_string(m[RTAX_CC_ALGO]), "cubic");
	for (int i = 1; i <= RTAX_MAX; i++)
		if (i != RTAX_CC_ALGO)
			assert_null(m[i]);
	nlmsg_free(msg);
}

static void route_without_cc(void **state)
{
	struct nl_msg *msg;
	struct nlattr *tb[RTA_MAX + 1];
	struct in_addr none = { 0 };
	assert_int_equal(iface_route_msg(2, ip("198.18.3.1"), 32, none, NULL, &msg), 0);
	struct rtmsg *rtm = parse(msg, tb);
	assert_int_equal(rtm->rtm_dst_len, 32);
	assert_int_equal(nla_get_u32(tb[RTA_OIF]), 2);
	assert_null(tb[RTA_PREFSRC]);
	assert_null(tb[RTA_METRICS]);
	nlmsg_free(msg);
}

static void bad_input(void **state)
{
	struct nl_msg *msg = (struct nl_msg *)&msg;
	struct in_addr none = { 0 }, dst = ip("198.18.3.0");
	assert_int_equal(iface_route_msg(2, dst, 33, none, NULL, &msg), -EINVAL);
	assert_null(msg);
	assert_int_equal(iface_route_msg(2, dst, 24, none, "", &msg), -EINVAL);
	/* TCP_CA_NAME_MAX is 16 with the NUL. */
	assert_int_equal(iface_route_msg(2, dst, 24, none, "abcdefghijklmnop", &msg), -EINVAL);
	assert_int_equal(iface_route_msg(2, dst, 24, none, "abcdefghijklmno", &msg), 0);
	nlmsg_free(msg);
}

static void nlerr_map(void **state)
{
	assert_int_equal(nlerr_to_errno(0), 0);
	assert_int_equal(nlerr_to_errno(-NLE_OBJ_NOTFOUND), -ENOENT);
	assert_int_equal(nlerr_to_errno(NLE_OBJ_NOTFOUND), -ENOENT);
	assert_int_equal(nlerr_to_errno(-NLE_EXIST), -EEXIST);
	assert_int_equal(nlerr_to_errno(-NLE_PERM), -EPERM);
	assert_int_equal(nlerr_to_errno(-NLE_NODEV), -ENODEV);
	assert_int_equal(nlerr_to_errno(-NLE_FAILURE), -EIO);
	/* The inverse of libnl's own mapping, for every errno it knows. */
	int errs[] = { EEXIST, ENOENT, EINTR, EAGAIN, EINVAL, EACCES, ENOMEM, EAFNOSUPPORT,
		       EPROTONOSUPPORT, EOPNOTSUPP, EPERM, EBUSY, ERANGE, ENODEV, EBADF,
		       EADDRNOTAVAIL };
	for (size_t i = 0; i < sizeof(errs) / sizeof(errs[0]); i++)
		if (nlerr_to_errno(-nl_syserr2nlerr(errs[i])) != -errs[i])
			fail_msg("errno %d -> %s -> %d", errs[i],
				 nl_geterror(nl_syserr2nlerr(errs[i])),
				 nlerr_to_errno(-nl_syserr2nlerr(errs[i])));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(route_with_cc),
		cmocka_unit_test(route_without_cc),
		cmocka_unit_test(bad_input),
		cmocka_unit_test(nlerr_map),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
