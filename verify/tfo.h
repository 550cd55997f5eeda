/*
 * Did TCP Fast Open do what the run claims?  A TFO result is only worth
 * something if every new connection really carried data in its SYN and the
 * server acknowledged it (and, with TFO off, none did).  We check that two
 * ways: per connection (TCP_INFO's TCPI_OPT_SYN_DATA, recorded by the
 * fetcher) and per network namespace (the TcpExt counters), and call the
 * run invalid when they disagree with the mode.
 */
#ifndef TFOLAB_VERIFY_TFO_H
#define TFOLAB_VERIFY_TFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* TcpExt counters from /proc/net/netstat, plus Tcp RetransSegs from
 * /proc/net/snmp, of one network namespace. */
struct tfo_counters {
	uint64_t active;          /* TCPFastOpenActive: our SYN data acked */
	uint64_t active_fail;     /* TCPFastOpenActiveFail */
	uint64_t passive;         /* TCPFastOpenPassive: SYN data accepted */
	uint64_t passive_fail;    /* TCPFastOpenPassiveFail */
	uint64_t listen_overflow; /* TCPFastOpenListenOverflow */
	uint64_t cookie_reqd;     /* TCPFastOpenCookieReqd */
	uint64_t blackhole;       /* TCPFastOpenBlackhole */
	uint64_t syn_retrans;     /* TCPSynRetrans */
	uint64_t retrans_segs;    /* Tcp RetransSegs */
	uint64_t active_opens;    /* Tcp ActiveOpens: connections the
				     namespace's clients opened */
};

/*
 * Parses the text of /proc/net/netstat and /proc/net/snmp (NUL-terminated).
 * Returns 0, or -ENOENT (logged, naming the counter) when one is missing,
 * or -EINVAL when a header line and its value line disagree.
 */
int tfo_counters_parse(const char *netstat, const char *snmp,
		       struct tfo_counters *c);

/* Reads the counters of the calling thread's network namespace.  Returns 0
 * or a negative errno (logged). */
int tfo_counters_read(struct tfo_counters *c);

/* delta = after - before, per counter (0 where a counter went down). */
void tfo_counters_diff(const struct tfo_counters *before,
		       const struct tfo_counters *after,
		       struct tfo_counters *delta);

/* Reads net.ipv4.tcp_fastopen of the current namespace into *mode.
 * Returns 0 or a negative errno (logged). */
int tfo_mode_read(int *mode);

struct tfo_check {
	int mode;                 /* net.ipv4.tcp_fastopen of the client */
	bool warm;                /* cookies were fetched by a warm-up load */
	size_t new_conns;         /* connections the load opened (without
				     syn_data: in, those the client reported,
				     never more than the kernel counted; out,
				     the kernel's count) */
	const bool *syn_data;     /* per connection: SYN data acked; NULL
				     when the client cannot tell (a browser):
				     then new_conns is set from the client's
				     TcpActiveOpens and the counters alone
				     decide */
	const struct tfo_counters *client;  /* delta of the client's ns */
	const struct tfo_counters *server;  /* delta of the server's ns, or
					       NULL to leave it unchecked;
					       may equal client when both
					       share a namespace */
	uint64_t link_drops;      /* packets the link dropped or lost over the
				     load (queue and loss, both directions) */
	size_t fallbacks;         /* out: connections that fell back (SYN data
				     not acked after drops on the link) */
};

/*
 * The verdict.  When the client sends SYN data without cookies (0x1 and
 * 0x4, e.g. 519) or with warm cookies (e.g. 3 after warm-up), every new
 * connection must have its SYN data acked, TCPFastOpenActive must rise by
 * the connection count and no TFO failure counter may rise (on the server:
 * TCPFastOpenPassive by the count, no PassiveFail or ListenOverflow).  With
 * the client side off (0x1 clear, e.g. 0) no connection may carry SYN data
 * and no TFO counter may rise.  Cold cookies (3 without warm-up) only need
 * the flags and TCPFastOpenActive to agree.
 *
 * TFO's own failures are results: when the link dropped packets during the
 * load, a connection whose SYN data was not acked fell back as RFC 7413
 * says (the data resent after the handshake; TCPFastOpenActiveFail, or no
 * SYN data at all once the kernel's per-destination syn_loss state skips
 * TFO).  Such a trial stays valid and c->fallbacks counts those
 * connections, provided the counters still agree (TCPFastOpenActive = the
 * acked connections, ActiveFail <= the unacked ones).  Without a drop on
 * the link, an unacked connection is unexplained and the trial invalid.
 * Without per-connection flags (syn_data NULL), TcpActiveOpens counts the
 * connections: with TFO on every one must be in TCPFastOpenActive (or, after
 * drops on the link, ActiveFail), with it off none.
 * Returns true when valid; reason (len bytes) always says why, in one line.
 */
bool tfo_verdict(struct tfo_check *c, char *reason, size_t len);

#endif
