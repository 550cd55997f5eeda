/*
 * The client side of TLS for the fetcher: OpenSSL over memory BIOs, so that
 * the caller owns every socket write.  That is what TFO needs: the whole
 * first flight (the ClientHello, and with 1.3-early the request as early
 * data) leaves in one send(), which TCP_FASTOPEN_CONNECT puts in the SYN.
 *
 * A tls_client is one SSL_CTX pinned to a tls_mode (version, cipher suite,
 * group, all as the origin pins them) trusting one CA file, plus a store of
 * session tickets per host name: every ticket a server sends is kept, and a
 * connection in 1.3-early takes one (each ticket is used once, as RFC 8446
 * advises for early data; nginx 1.22 with OpenSSL 3.0 would accept a reused
 * one too, workloads/origin_conf.c says why).
 *
 * A tls_conn is one connection's TLS state.  The caller moves bytes:
 *   ciphertext out:  tls_conn_pending / tls_conn_sent
 *   ciphertext in:   tls_conn_received
 *   plaintext:       tls_conn_write / tls_conn_read
 * No function here does I/O on a socket or blocks.
 */
#ifndef TFOLAB_TLS_CLIENT_H
#define TFOLAB_TLS_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/vocab.h"

/* What happened to a connection's early data. */
enum tls_early {
	TLS_EARLY_NONE,          /* none sent (no ticket, or not 1.3-early) */
	TLS_EARLY_SENT,          /* sent, the handshake not done yet */
	TLS_EARLY_ACCEPTED,      /* the server took it */
	TLS_EARLY_REJECTED,      /* the server refused it: the request was sent
				    again after the handshake */
};

/* tls_early_name - "none", "sent", "accepted", "rejected"; "?" otherwise. */
const char *tls_early_name(enum tls_early e);

/* One connection's account, from OpenSSL itself. */
struct tls_info {
	int version;             /* negotiated, as on the wire (0x0304); 0 if
				    the handshake did not finish */
	bool resumed;            /* SSL_session_reused */
	enum tls_early early;
	char cipher[48];         /* SSL_CIPHER_get_name; "" before the end */
	char group[16];          /* key exchange group, e.g. "x25519"; "" if
				    unknown */
};

struct tls_client;
struct tls_conn;

/*
 * tls_client_new - a client for mode @m (not TLS_OFF) trusting only the CA
 * certificate(s) in @ca_file.  Returns NULL after logging the OpenSSL call
 * and its error.
 */
struct tls_client *tls_client_new(enum tls_mode m, const char *ca_file);

/* Frees the client and its stored tickets; NULL is a no-op.  Its
 * connections must be freed first. */
void tls_client_free(struct tls_client *cl);

/* tls_client_tickets - how many unused tickets are stored for @host. */
size_t tls_client_tickets(const struct tls_client *cl, const char *host);

/*
 * tls_client_resume - whether new connections take stored tickets (in
 * 1.3-early; on from the start).  Off for a load that only collects them:
 * full handshakes bring two tickets each from OpenSSL servers, a resumed
 * connection one at most, often after the load has ended.  NULL is a no-op.
 */
void tls_client_resume(struct tls_client *cl, bool on);

/*
 * tls_conn_new - TLS for a new connection to @host (the SNI and the name
 * the certificate must carry).  In 1.3-early, takes one stored ticket for
 * @host if there is one (the connection then resumes and may send early
 * data).  Returns NULL after logging.
 */
struct tls_conn *tls_conn_new(struct tls_client *cl, const char *host);

void tls_conn_free(struct tls_conn *tc);

/* Does the connection hold a ticket whose session takes early data? */
bool tls_conn_can_early(const struct tls_conn *tc);

/*
 * tls_conn_start - makes the first flight: the ClientHello, followed, when
 * tls_conn_can_early and @early is not NULL, by the @len bytes of @early as
 * early data.  *@taken = the early bytes taken (0 or @len).  Call once.
 * Returns 0 or -EPROTO with tls_conn_error set.
 */
int tls_conn_start(struct tls_conn *tc, const void *early, size_t len, size_t *taken);

/* Was tls_conn_start called? */
bool tls_conn_started(const struct tls_conn *tc);

/*
 * tls_conn_received - feeds @n ciphertext bytes read from the socket (they
 * are copied: @buf is free again on return) and advances the handshake.
 * Returns 1 when this call finished the handshake, 0 otherwise, or -EPROTO
 * (a TLS failure: alert, verification, version) with tls_conn_error set.
 */
int tls_conn_received(struct tls_conn *tc, const void *buf, size_t n);

/* Is the handshake done? */
bool tls_conn_ready(const struct tls_conn *tc);

/*
 * tls_conn_pending - the ciphertext waiting to be sent: *@buf, *@len (0 if
 * none).  The pointer stays valid until the next call on @tc.
 * tls_conn_sent - @n of those bytes were sent.
 */
void tls_conn_pending(struct tls_conn *tc, const void **buf, size_t *len);
void tls_conn_sent(struct tls_conn *tc, size_t n);

/*
 * tls_conn_write - encrypts all @n plaintext bytes (after the handshake).
 * Returns 0 or -EPROTO.
 */
int tls_conn_write(struct tls_conn *tc, const void *buf, size_t n);

/*
 * tls_conn_read - decrypted bytes, at most @n: > 0 bytes, 0 when none are
 * ready (more ciphertext needed), -EPIPE once the server closed TLS
 * (close_notify), -EPROTO on a failure with tls_conn_error set.
 */
ssize_t tls_conn_read(struct tls_conn *tc, void *buf, size_t n);

/* tls_conn_info - OpenSSL's own account of the connection so far. */
void tls_conn_info(const struct tls_conn *tc, struct tls_info *out);

/* The last failure, one line ("" if none): OpenSSL's reason, the alert,
 * or the verification error. */
const char *tls_conn_error(const struct tls_conn *tc);

#endif
