/*
 * Did TLS do what the run claims?  An HTTPS result means something only if
 * every connection spoke the version the condition names, and, in
 * 1.3-early, resumed its session and had its request accepted as early
 * data; otherwise the load measured another protocol.  The account is
 * OpenSSL's own (struct tls_info, read by the fetcher on each connection).
 * TFO is judged apart (verify/tfo.h): cookies and tickets are independent.
 */
#ifndef TFOLAB_VERIFY_TLS_H
#define TFOLAB_VERIFY_TLS_H

#include <stdbool.h>
#include <stddef.h>

#include "common/vocab.h"
#include "workloads/fetch.h"

/*
 * tls_verdict - the verdict on the @n connections @conns of a load in mode
 * @m, whose hosts are named by @hosts (page.hosts).  TLS_OFF: no connection
 * may have spoken TLS.  Otherwise there must be connections, and every one
 * must have finished its handshake at the mode's version: in 1.2 and 1.3 a
 * full handshake, in 1.3-early resumed, with its early data accepted.  Returns true when valid; @reason (@len bytes)
 * always says why in one line: the first connection that disagrees, or
 * what all of them did.
 */
bool tls_verdict(enum tls_mode m, const struct fetch_conn *conns, size_t n,
		 const char *const *hosts, char *reason, size_t len);

#endif
