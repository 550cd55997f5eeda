#include "verify/tfo.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"

/*
 * /proc/net/netstat and /proc/net/snmp come in line pairs: "Prefix: names"
 * then "Prefix: values".  Finds name under prefix.
 */
static int lookup(const char *text, const char *prefix, const char *name,
		  uint64_t *out)
{
	size_t plen = strlen(prefix), nlen = strlen(name);
	const char *line = text;
	while (line && *line) {
		const char *next = strchr(line, '\n');
		next = next ? next + 1 : NULL;
		if (strncmp(line, prefix, plen) || !next ||
		    strncmp(next, prefix, plen)) {
			line = next;
			continue;
		}
		/* Walk the name and value lines in step. */
		const char *n = line + plen, *v = next + plen;
		for (;;) {
			n += strspn(n, " ");
			v += strspn(v, " ");
			if (*n == '\n' || !*n)
				break;
			size_t nl = strcspn(n, " \n"), vl = strcspn(v, " \n");
			if (vl == 0)
				return -EINVAL;
			if (nl == nlen && !strncmp(n, name, nlen)) {
				char *end;
				errno = 0;
				unsigned long long x = strtoull(v, &end, 10);
				if (errno || end != v + vl)
					return -EINVAL;
				*out = x;
				return 0;
			}
			n += nl;
			v += vl;
		}
		/* The value line has been walked too: skip both. */
		line = strchr(next, '\n');
		line = line ? line + 1 : NULL;
	}
	return -ENOENT;
}

int tfo_counters_parse(const char *netstat, const char *snmp,
		       struct tfo_counters *c)
{
	static const struct {
		const char *name;
		size_t off;
		int snmp;
	} f[] = {
		{ "TCPFastOpenActive", offsetof(struct tfo_counters, active), 0 },
		{ "TCPFastOpenActiveFail", offsetof(struct tfo_counters, active_fail), 0 },
		{ "TCPFastOpenPassive", offsetof(struct tfo_counters, passive), 0 },
		{ "TCPFastOpenPassiveFail", offsetof(struct tfo_counters, passive_fail), 0 },
		{ "TCPFastOpenListenOverflow", offsetof(struct tfo_counters, listen_overflow), 0 },
		{ "TCPFastOpenCookieReqd", offsetof(struct tfo_counters, cookie_reqd), 0 },
		{ "TCPFastOpenBlackhole", offsetof(struct tfo_counters, blackhole), 0 },
		{ "TCPSynRetrans", offsetof(struct tfo_counters, syn_retrans), 0 },
		{ "RetransSegs", offsetof(struct tfo_counters, retrans_segs), 1 },
		{ "ActiveOpens", offsetof(struct tfo_counters, active_opens), 1 },
	};
	struct tfo_counters tmp;
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		uint64_t *dst = (uint64_t *)((char *)&tmp + f[i].off);
		int rc = lookup(f[i].snmp ? snmp : netstat,
				f[i].snmp ? "Tcp:" : "TcpExt:", f[i].name, dst);
		if (rc) {
			log_err("%s: %s: %s", f[i].snmp ? "/proc/net/snmp" :
				"/proc/net/netstat", f[i].name,
				rc == -ENOENT ? "counter not found" :
				"malformed (names and values disagree, or not a number)");
			return rc;
		}
	}
	*c = tmp;
	return 0;
}

static int slurp(const char *path, char **out)
{
	FILE *f = fopen(path, "re");
	if (!f) {
		int e = errno;
		log_err("%s: open: %s", path, strerror(e));
		return -e;
	}
	size_t cap = 16384, len = 0;
	char *buf = malloc(cap);
	int rc = 0;
	while (buf) {
		len += fread(buf + len, 1, cap - len - 1, f);
		if (len < cap - 1)
			break;
		char *nb = realloc(buf, cap *= 2);
		if (!nb)
			free(buf);
		buf = nb;
	}
	if (!buf) {
		rc = -ENOMEM;
	} else if (ferror(f)) {
		rc = -EIO;
		log_err("%s: read: I/O error", path);
		free(buf);
	} else {
		buf[len] = 0;
		*out = buf;
	}
	fclose(f);
	return rc;
}

int tfo_counters_read(struct tfo_counters *c)
{
	char *ns = NULL, *sn = NULL;
	int rc = slurp("/proc/net/netstat", &ns);
	if (!rc)
		rc = slurp("/proc/net/snmp", &sn);
	if (!rc)
		rc = tfo_counters_parse(ns, sn, c);
	free(ns);
	free(sn);
	return rc;
}

void tfo_counters_diff(const struct tfo_counters *before,
		       const struct tfo_counters *after,
		       struct tfo_counters *delta)
{
	const uint64_t *b = (const uint64_t *)before;
	const uint64_t *a = (const uint64_t *)after;
	uint64_t *d = (uint64_t *)delta;
	for (size_t i = 0; i < sizeof(*delta) / sizeof(uint64_t); i++)
		d[i] = a[i] > b[i] ? a[i] - b[i] : 0;
}

int tfo_mode_read(int *mode)
{
	const char *path = "/proc/sys/net/ipv4/tcp_fastopen";
	FILE *f = fopen(path, "re");
	if (!f) {
		int e = errno;
		log_err("%s: open: %s", path, strerror(e));
		return -e;
	}
	int rc = fscanf(f, "%d", mode) == 1 ? 0 : -EINVAL;
	if (rc)
		log_err("%s: not a number", path);
	fclose(f);
	return rc;
}

#define FAIL(...) do { snprintf(reason, len, __VA_ARGS__); return false; } while (0)

/* With the client's TFO off, no TFO counter may rise on either side: the
 * check both verdicts share.  True, or false with @reason saying which. */
static bool counters_off(const struct tfo_check *c, char *reason, size_t len)
{
	const struct tfo_counters *cl = c->client, *sv = c->server;
	if (cl->active || cl->active_fail)
		FAIL("tcp_fastopen=%d (client off) but TCPFastOpenActive "
		     "rose by %" PRIu64 " and ActiveFail by %" PRIu64,
		     c->mode, cl->active, cl->active_fail);
	if (sv && (sv->passive || sv->passive_fail))
		FAIL("tcp_fastopen=%d (client off) but the server's "
		     "TCPFastOpenPassive rose by %" PRIu64 " and PassiveFail by %" PRIu64,
		     c->mode, sv->passive, sv->passive_fail);
	return true;
}

/* The verdict when the link dropped packets: unacked SYN data is a
 * fallback, valid while the kernel's counters tell the same story. */
static bool verdict_with_drops(struct tfo_check *c, size_t acked, char *reason, size_t len)
{
	const struct tfo_counters *cl = c->client, *sv = c->server;
	size_t unacked = c->new_conns - acked;
	if (cl->active != acked)
		FAIL("TCPFastOpenActive rose by %" PRIu64 " but %zu connections had "
		     "SYN data acked", cl->active, acked);
	if (cl->active_fail > unacked)
		FAIL("TCPFastOpenActiveFail rose by %" PRIu64 " but only %zu connections "
		     "lacked acked SYN data", cl->active_fail, unacked);
	if (sv && (sv->passive < acked || sv->passive_fail || sv->listen_overflow))
		FAIL("server TCPFastOpenPassive rose by %" PRIu64 " for %zu acked, "
		     "PassiveFail by %" PRIu64 ", ListenOverflow by %" PRIu64,
		     sv->passive, acked, sv->passive_fail, sv->listen_overflow);
	c->fallbacks = unacked;
	snprintf(reason, len, "ok: tcp_fastopen=%d%s, %zu of %zu connections with SYN "
		 "data acked, %zu fell back after %" PRIu64 " drops on the link "
		 "(TCPFastOpenActiveFail +%" PRIu64 ", TCPSynRetrans +%" PRIu64 ")",
		 c->mode, c->warm ? " (warm)" : "", acked, c->new_conns, unacked,
		 c->link_drops, cl->active_fail, cl->syn_retrans);
	return true;
}

/*
 * The verdict for a client that reports no connection of its own (a
 * browser): the kernel's count of active opens stands for the connections,
 * and the TFO counters must account for every one of them (or none).
 */
static bool verdict_by_counters(struct tfo_check *c, char *reason, size_t len)
{
	const struct tfo_counters *cl = c->client, *sv = c->server;
	uint64_t opens = cl->active_opens;
	bool client_on = c->mode & 0x1;
	bool expect_all = client_on && ((c->mode & 0x4) || c->warm);
	size_t reported = c->new_conns;
	c->fallbacks = 0;
	c->new_conns = (size_t)opens;
	if (!opens)
		FAIL("TcpActiveOpens did not rise: the client opened no connection");
	if (reported > opens)
		FAIL("the client reported %zu connections, the kernel counted %" PRIu64
		     " (TcpActiveOpens)", reported, opens);
	if (cl->active + cl->active_fail > opens)
		FAIL("TCPFastOpenActive rose by %" PRIu64 " and ActiveFail by %" PRIu64
		     " for %" PRIu64 " connections (TcpActiveOpens)", cl->active, cl->active_fail,
		     opens);
	if (!client_on) {
		if (!counters_off(c, reason, len))
			return false;
		snprintf(reason, len, "ok: tcp_fastopen=%d, %" PRIu64 " connections "
			 "(TcpActiveOpens), none with SYN data", c->mode, opens);
		return true;
	}
	if (cl->blackhole)
		FAIL("TCPFastOpenBlackhole rose by %" PRIu64, cl->blackhole);
	if (cl->active_fail && !c->link_drops)
		FAIL("TCPFastOpenActiveFail rose by %" PRIu64 " with no drop on the link",
		     cl->active_fail);
	if (expect_all && cl->active + cl->active_fail != opens)
		FAIL("tcp_fastopen=%d%s: TCPFastOpenActive rose by %" PRIu64 " and ActiveFail by %"
		     PRIu64 " for %" PRIu64 " connections (TcpActiveOpens)", c->mode,
		     c->warm ? " (warm)" : "", cl->active, cl->active_fail, opens);
	if (sv && (sv->passive < cl->active || sv->passive_fail || sv->listen_overflow))
		FAIL("server TCPFastOpenPassive rose by %" PRIu64 " for %" PRIu64 " acked, "
		     "PassiveFail by %" PRIu64 ", ListenOverflow by %" PRIu64,
		     sv->passive, cl->active, sv->passive_fail, sv->listen_overflow);
	c->fallbacks = (size_t)cl->active_fail;
	snprintf(reason, len, "ok: tcp_fastopen=%d%s, %" PRIu64 " of %" PRIu64 " connections "
		 "(TcpActiveOpens) with SYN data acked (TCPFastOpenActive), %" PRIu64
		 " fell back, TCPSynRetrans +%" PRIu64, c->mode, c->warm ? " (warm)" : "",
		 cl->active, opens, cl->active_fail, cl->syn_retrans);
	return true;
}

bool tfo_verdict(struct tfo_check *c, char *reason, size_t len)
{
	const struct tfo_counters *cl = c->client, *sv = c->server;
	if (!c->syn_data)
		return verdict_by_counters(c, reason, len);
	size_t acked = 0, first_unacked = c->new_conns;
	for (size_t i = 0; i < c->new_conns; i++) {
		if (c->syn_data[i])
			acked++;
		else if (first_unacked == c->new_conns)
			first_unacked = i;
	}
	bool client_on = c->mode & 0x1;
	bool expect_all = client_on && ((c->mode & 0x4) || c->warm);
	c->fallbacks = 0;

	if (!client_on) {
		if (acked)
			FAIL("tcp_fastopen=%d (client off) but %zu of %zu "
			     "connections had SYN data acked", c->mode, acked,
			     c->new_conns);
		if (!counters_off(c, reason, len))
			return false;
		snprintf(reason, len, "ok: tcp_fastopen=%d, %zu connections, "
			 "none with SYN data", c->mode, c->new_conns);
		return true;
	}
	if (c->link_drops && (acked < c->new_conns || cl->active_fail) &&
	    !cl->blackhole)
		return verdict_with_drops(c, acked, reason, len);
	if (cl->blackhole)
		FAIL("TCPFastOpenBlackhole rose by %" PRIu64 " (the kernel "
		     "disabled TFO after SYN timeouts)", cl->blackhole);
	if (cl->active_fail)
		FAIL("TCPFastOpenActiveFail rose by %" PRIu64 " (SYN data not "
		     "acked, resent after the handshake, with no drop on the "
		     "link)", cl->active_fail);
	if (expect_all) {
		if (acked != c->new_conns)
			FAIL("tcp_fastopen=%d%s: connection %zu had no SYN data "
			     "acked (%zu of %zu had)", c->mode,
			     c->warm ? " (warm)" : "", first_unacked, acked,
			     c->new_conns);
		if (cl->active != c->new_conns)
			FAIL("TCPFastOpenActive rose by %" PRIu64 ", expected "
			     "%zu (one per new connection)", cl->active,
			     c->new_conns);
		if (sv && sv->passive != c->new_conns)
			FAIL("server TCPFastOpenPassive rose by %" PRIu64
			     ", expected %zu", sv->passive, c->new_conns);
	} else if (cl->active != acked) {
		FAIL("TCPFastOpenActive rose by %" PRIu64 " but %zu connections "
		     "had SYN data acked", cl->active, acked);
	}
	if (sv && (sv->passive_fail || sv->listen_overflow))
		FAIL("server TCPFastOpenPassiveFail rose by %" PRIu64
		     ", ListenOverflow by %" PRIu64, sv->passive_fail,
		     sv->listen_overflow);
	snprintf(reason, len, "ok: tcp_fastopen=%d%s, %zu of %zu connections "
		 "with SYN data acked, TCPFastOpenActive +%" PRIu64
		 ", TCPSynRetrans +%" PRIu64, c->mode, c->warm ? " (warm)" : "",
		 acked, c->new_conns, cl->active, cl->syn_retrans);
	return true;
}
