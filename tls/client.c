/*
 * TLS for the fetcher, OpenSSL over a pair of memory BIOs (tls/client.h).
 *
 * Why memory BIOs and not SSL_set_fd: OpenSSL would then write the
 * ClientHello by itself, and with 1.3-early the early data in a second
 * write; TCP_FASTOPEN_CONNECT puts only the first write in the SYN.  Here
 * OpenSSL writes into a memory BIO, tls_conn_pending hands the caller all
 * of it at once, and one send() carries the whole first flight.
 *
 * Tickets.  OpenSSL calls new_session() for every NewSessionTicket the
 * server sends (TLS 1.3: after the handshake, two per connection by
 * default in OpenSSL servers).  In 1.3-early each one is kept in the
 * client's list, tagged with its host, and tls_conn_new takes the oldest
 * ticket of its host: a ticket is used once, as RFC 8446 (8.1) advises,
 * so that a server with replay protection could not refuse the early data
 * for a ticket it has seen.  In the other modes tickets are not kept: every
 * connection makes the full handshake the mode is about.
 */
#include "tls/client.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "common/log.h"

#define TLS_TICKETS_MAX 1024   /* per client; the oldest go first */

struct ticket {
	char *host;
	SSL_SESSION *sess;
};

struct tls_client {
	enum tls_mode mode;
	SSL_CTX *ctx;
	struct ticket *t;      /* oldest first */
	size_t n, cap;
	bool no_resume;        /* tls_client_resume(false) */
};

struct tls_conn {
	struct tls_client *cl;
	SSL *ssl;
	BIO *wbio;             /* OpenSSL's output: ciphertext to send */
	BIO *rbio;             /* OpenSSL's input: ciphertext received */
	char *host;
	bool started, ready, early_sent;
	enum tls_early early;
	unsigned char *out;    /* ciphertext drained from wbio, not yet sent */
	size_t out_off, out_len, out_cap;
	char err[200];
};

const char *tls_early_name(enum tls_early e)
{
	static const char *const names[] = {
		[TLS_EARLY_NONE] = "none", [TLS_EARLY_SENT] = "sent",
		[TLS_EARLY_ACCEPTED] = "accepted", [TLS_EARLY_REJECTED] = "rejected",
	};
	return (unsigned)e < sizeof(names) / sizeof(names[0]) ? names[e] : "?";
}

/* OpenSSL's first queued error as one line into @buf (the queue is
 * emptied); "no OpenSSL error" when there is none. */
static void ssl_reason(char *buf, size_t len)
{
	unsigned long e = ERR_get_error();
	if (!e) {
		snprintf(buf, len, "no OpenSSL error");
		return;
	}
	ERR_error_string_n(e, buf, len);
	ERR_clear_error();
}

static void ticket_drop(struct ticket *t)
{
	free(t->host);
	SSL_SESSION_free(t->sess);
}

/* OpenSSL's new-session callback: keeps a copy of the ticket for its host
 * (the connection goes on using @sess).  Returns 0: OpenSSL keeps its own
 * reference. */
static int ticket_new(SSL *ssl, SSL_SESSION *sess)
{
	struct tls_conn *tc = SSL_get_app_data(ssl);
	if (!tc || !tls_modes[tc->cl->mode].early || !SSL_SESSION_is_resumable(sess))
		return 0;
	struct tls_client *cl = tc->cl;
	if (cl->n == TLS_TICKETS_MAX) {
		ticket_drop(&cl->t[0]);
		memmove(cl->t, cl->t + 1, --cl->n * sizeof(*cl->t));
	}
	if (cl->n == cl->cap) {
		size_t cap = cl->cap ? 2 * cl->cap : 16;
		struct ticket *t = realloc(cl->t, cap * sizeof(*t));
		if (!t)
			return 0;   /* one ticket fewer: a later connection says so */
		cl->t = t;
		cl->cap = cap;
	}
	/* A copy: the connection goes on using (and changing) @sess. */
	char *host = strdup(tc->host);
	SSL_SESSION *copy = SSL_SESSION_dup(sess);
	if (!host || !copy) {
		free(host);
		SSL_SESSION_free(copy);
		return 0;
	}
	cl->t[cl->n++] = (struct ticket){ .host = host, .sess = copy };
	return 0;
}

/* Pins the context to mode @m exactly as the origin pins its side
 * (workloads/origin_conf.c): one version, one suite, one group. */
static int ctx_pin(SSL_CTX *ctx, enum tls_mode m)
{
	int v = tls_modes[m].version;
	if (!SSL_CTX_set_min_proto_version(ctx, v) || !SSL_CTX_set_max_proto_version(ctx, v))
		return -1;
	if (v == TLS1_2_VERSION && !SSL_CTX_set_cipher_list(ctx, tls_modes[m].suite))
		return -1;
	if (v == TLS1_3_VERSION && !SSL_CTX_set_ciphersuites(ctx, tls_modes[m].suite))
		return -1;
	if (!SSL_CTX_set1_groups_list(ctx, TLS_GROUP))
		return -1;
	return 0;
}

struct tls_client *tls_client_new(enum tls_mode m, const char *ca_file)
{
	char why[160];
	if ((unsigned)m >= TLS_MODES || m == TLS_OFF || !ca_file) {
		log_err("tls client %s: %s", tls_mode_name(m),
			!ca_file ? "no CA file to trust" : "plain HTTP needs no TLS client");
		return NULL;
	}
	struct tls_client *cl = calloc(1, sizeof(*cl));
	if (!cl) {
		log_err("tls client: calloc: %s", strerror(ENOMEM));
		return NULL;
	}
	cl->mode = m;
	ERR_clear_error();
	cl->ctx = SSL_CTX_new(TLS_client_method());
	if (!cl->ctx || ctx_pin(cl->ctx, m) < 0) {
		ssl_reason(why, sizeof(why));
		log_err("tls client %s: SSL_CTX set-up: %s", tls_mode_name(m), why);
		goto fail;
	}
	if (SSL_CTX_load_verify_locations(cl->ctx, ca_file, NULL) != 1) {
		ssl_reason(why, sizeof(why));
		log_err("tls client %s: CA file %s: SSL_CTX_load_verify_locations: %s",
			tls_mode_name(m), ca_file, why);
		goto fail;
	}
	SSL_CTX_set_verify(cl->ctx, SSL_VERIFY_PEER, NULL);
	/* The client cache only calls ticket_new; tls_conn_new chooses. */
	SSL_CTX_set_session_cache_mode(cl->ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
	SSL_CTX_sess_set_new_cb(cl->ctx, ticket_new);
	return cl;
fail:
	tls_client_free(cl);
	return NULL;
}

void tls_client_free(struct tls_client *cl)
{
	if (!cl)
		return;
	for (size_t i = 0; i < cl->n; i++)
		ticket_drop(&cl->t[i]);
	free(cl->t);
	SSL_CTX_free(cl->ctx);
	free(cl);
}

void tls_client_resume(struct tls_client *cl, bool on)
{
	if (cl)
		cl->no_resume = !on;
}

size_t tls_client_tickets(const struct tls_client *cl, const char *host)
{
	size_t k = 0;
	for (size_t i = 0; cl && i < cl->n; i++)
		k += !strcmp(cl->t[i].host, host);
	return k;
}

/* The oldest ticket for @host, removed from the list (the caller frees
 * it), or NULL. */
static SSL_SESSION *ticket_take(struct tls_client *cl, const char *host)
{
	for (size_t i = 0; i < cl->n; i++) {
		if (strcmp(cl->t[i].host, host))
			continue;
		SSL_SESSION *s = cl->t[i].sess;
		free(cl->t[i].host);
		memmove(cl->t + i, cl->t + i + 1, (cl->n - i - 1) * sizeof(*cl->t));
		cl->n--;
		return s;
	}
	return NULL;
}

struct tls_conn *tls_conn_new(struct tls_client *cl, const char *host)
{
	char why[160];
	struct tls_conn *tc = calloc(1, sizeof(*tc));
	if (!tc || !(tc->host = strdup(host))) {
		log_err("tls conn to %s: out of memory", host);
		free(tc);
		return NULL;
	}
	tc->cl = cl;
	ERR_clear_error();
	tc->ssl = SSL_new(cl->ctx);
	tc->rbio = BIO_new(BIO_s_mem());
	tc->wbio = BIO_new(BIO_s_mem());
	if (!tc->ssl || !tc->rbio || !tc->wbio) {
		ssl_reason(why, sizeof(why));
		log_err("tls conn to %s: SSL_new/BIO_new: %s", host, why);
		BIO_free(tc->rbio);
		BIO_free(tc->wbio);
		SSL_free(tc->ssl);
		free(tc->host);
		free(tc);
		return NULL;
	}
	SSL_set_bio(tc->ssl, tc->rbio, tc->wbio);   /* the SSL owns both now */
	SSL_set_app_data(tc->ssl, tc);
	SSL_set_connect_state(tc->ssl);
	if (!SSL_set_tlsext_host_name(tc->ssl, host) || !SSL_set1_host(tc->ssl, host)) {
		ssl_reason(why, sizeof(why));
		log_err("tls conn to %s: SNI and name check: %s", host, why);
		tls_conn_free(tc);
		return NULL;
	}
	if (tls_modes[cl->mode].early && !cl->no_resume) {
		SSL_SESSION *s = ticket_take(cl, host);
		int ok = !s || SSL_set_session(tc->ssl, s);
		SSL_SESSION_free(s);   /* SSL_set_session took its own reference */
		if (!ok) {
			ssl_reason(why, sizeof(why));
			log_err("tls conn to %s: SSL_set_session: %s", host, why);
			tls_conn_free(tc);
			return NULL;
		}
	}
	return tc;
}

void tls_conn_free(struct tls_conn *tc)
{
	if (!tc)
		return;
	SSL_free(tc->ssl);   /* and its BIOs */
	free(tc->out);
	free(tc->host);
	free(tc);
}

bool tls_conn_can_early(const struct tls_conn *tc)
{
	SSL_SESSION *s = SSL_get_session(tc->ssl);
	return tls_modes[tc->cl->mode].early && s && SSL_SESSION_get_max_early_data(s) > 0;
}

/* Moves what OpenSSL wrote into the send buffer.  Returns 0 or -ENOMEM. */
static int drain(struct tls_conn *tc)
{
	size_t pend;
	while ((pend = BIO_ctrl_pending(tc->wbio)) > 0) {
		if (tc->out_len + pend > tc->out_cap) {
			size_t cap = tc->out_cap ? tc->out_cap : 4096;
			while (cap < tc->out_len + pend)
				cap *= 2;
			unsigned char *o = realloc(tc->out, cap);
			if (!o) {
				snprintf(tc->err, sizeof(tc->err), "out of memory for %zu ciphertext bytes",
					 tc->out_len + pend);
				return -ENOMEM;
			}
			tc->out = o;
			tc->out_cap = cap;
		}
		int n = BIO_read(tc->wbio, tc->out + tc->out_len, (int)pend);
		if (n <= 0)
			break;
		tc->out_len += (size_t)n;
	}
	return 0;
}

/* Records why the last call on @tc failed, after SSL_get_error said
 * @code, into tc->err.  Returns -EPROTO. */
static int conn_failed(struct tls_conn *tc, const char *call, int code)
{
	char why[160];
	long v = SSL_get_verify_result(tc->ssl);
	if (v != X509_V_OK)
		snprintf(why, sizeof(why), "certificate: %s", X509_verify_cert_error_string(v));
	else if ((code == SSL_ERROR_SYSCALL || code == SSL_ERROR_SSL) && ERR_peek_error())
		ssl_reason(why, sizeof(why));
	else
		snprintf(why, sizeof(why), "SSL_get_error %d, %zu ciphertext bytes unsent", code,
			 tc->out_len - tc->out_off);
	snprintf(tc->err, sizeof(tc->err), "TLS %s with %s: %s", call, tc->host, why);
	return -EPROTO;
}

int tls_conn_start(struct tls_conn *tc, const void *early, size_t len, size_t *taken)
{
	*taken = 0;
	tc->started = true;
	ERR_clear_error();
	if (early && len && tls_conn_can_early(tc)) {
		size_t w = 0;
		int r = SSL_write_early_data(tc->ssl, early, len, &w);
		if (r != 1 || w != len)
			return conn_failed(tc, "early data", SSL_get_error(tc->ssl, r));
		tc->early_sent = true;
		tc->early = TLS_EARLY_SENT;
		*taken = len;
		return drain(tc) < 0 ? -EPROTO : 0;
	}
	int r = SSL_do_handshake(tc->ssl);
	int code = r == 1 ? SSL_ERROR_NONE : SSL_get_error(tc->ssl, r);
	if (code != SSL_ERROR_WANT_READ && code != SSL_ERROR_WANT_WRITE)
		return conn_failed(tc, "ClientHello", code);
	return drain(tc) < 0 ? -EPROTO : 0;
}

int tls_conn_received(struct tls_conn *tc, const void *buf, size_t n)
{
	if (n && BIO_write(tc->rbio, buf, (int)n) != (int)n) {
		snprintf(tc->err, sizeof(tc->err), "TLS with %s: BIO_write of %zu bytes failed",
			 tc->host, n);
		return -EPROTO;
	}
	if (tc->ready || !tc->started)
		return 0;
	ERR_clear_error();
	int r = SSL_do_handshake(tc->ssl);
	if (r != 1) {
		int code = SSL_get_error(tc->ssl, r);
		if (code != SSL_ERROR_WANT_READ && code != SSL_ERROR_WANT_WRITE)
			return conn_failed(tc, "handshake", code);
		return drain(tc) < 0 ? -EPROTO : 0;
	}
	tc->ready = true;
	if (tc->early_sent)
		tc->early = SSL_get_early_data_status(tc->ssl) == SSL_EARLY_DATA_ACCEPTED ?
			TLS_EARLY_ACCEPTED : TLS_EARLY_REJECTED;
	return drain(tc) < 0 ? -EPROTO : 1;
}

bool tls_conn_started(const struct tls_conn *tc)
{
	return tc->started;
}

bool tls_conn_ready(const struct tls_conn *tc)
{
	return tc->ready;
}

void tls_conn_pending(struct tls_conn *tc, const void **buf, size_t *len)
{
	*buf = tc->out + tc->out_off;
	*len = tc->out_len - tc->out_off;
}

void tls_conn_sent(struct tls_conn *tc, size_t n)
{
	tc->out_off += n;
	if (tc->out_off >= tc->out_len)
		tc->out_off = tc->out_len = 0;
}

int tls_conn_write(struct tls_conn *tc, const void *buf, size_t n)
{
	size_t w = 0;
	ERR_clear_error();
	int r = SSL_write_ex(tc->ssl, buf, n, &w);
	if (r != 1 || w != n)
		return conn_failed(tc, "write", SSL_get_error(tc->ssl, r));
	return drain(tc) < 0 ? -EPROTO : 0;
}

ssize_t tls_conn_read(struct tls_conn *tc, void *buf, size_t n)
{
	size_t got = 0;
	ERR_clear_error();
	int r = SSL_read_ex(tc->ssl, buf, n, &got);
	/* SSL_get_error first: no OpenSSL call may come between. */
	int code = r == 1 ? SSL_ERROR_NONE : SSL_get_error(tc->ssl, r);
	/* Reading may answer the server (a key update, the end of the
	 * handshake): what OpenSSL wrote goes out with the next send. */
	if (drain(tc) < 0)
		return -EPROTO;
	if (r == 1)
		return (ssize_t)got;
	if (code == SSL_ERROR_WANT_READ || code == SSL_ERROR_WANT_WRITE)
		return 0;
	if (code == SSL_ERROR_ZERO_RETURN)
		return -EPIPE;
	return conn_failed(tc, "read", code);
}

void tls_conn_info(const struct tls_conn *tc, struct tls_info *out)
{
	memset(out, 0, sizeof(*out));
	out->early = tc->early;
	if (!tc->ready)
		return;
	out->version = SSL_version(tc->ssl);
	out->resumed = SSL_session_reused(tc->ssl) == 1;
	const SSL_CIPHER *c = SSL_get_current_cipher(tc->ssl);
	snprintf(out->cipher, sizeof(out->cipher), "%s", c ? SSL_CIPHER_get_name(c) : "");
	int nid = SSL_get_negotiated_group(tc->ssl);
	const char *g = nid > 0 ? OBJ_nid2sn(nid) : NULL;
	snprintf(out->group, sizeof(out->group), "%s", g ? g : "");
}

const char *tls_conn_error(const struct tls_conn *tc)
{
	return tc->err;
}
