/*
 * Unit tests of tls/client.c against a real OpenSSL server in the same
 * process, the two joined by memory: the versions, suite and group are the
 * pinned ones, a certificate from another CA or for another name is
 * refused, tickets are kept per host and each is used once, and in
 * 1.3-early the ClientHello and the request leave as one first flight that
 * the server reads as early data.  The certificate is the run's own
 * (tls/cert.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "tls/cert.h"
#include "tls/client.h"

static const char *const hosts[] = { "a.test", "b.test" };
static const char req[] = "GET / HTTP/1.1\r\nHost: a.test\r\n\r\n";

struct fixture {
	char dir[64], other[64];   /* this run's CA, and another run's */
	char ca[96], other_ca[96];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/tfl-test-tls-XXXXXX");
	snprintf(f->other, sizeof(f->other), "/tmp/tfl-test-tls-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	assert_non_null(mkdtemp(f->other));
	assert_int_equal(tls_cert_make(f->dir, hosts, 2), 0);
	assert_int_equal(tls_cert_make(f->other, hosts, 2), 0);
	snprintf(f->ca, sizeof(f->ca), "%s/" TLS_CA_FILE, f->dir);
	snprintf(f->other_ca, sizeof(f->other_ca), "%s/" TLS_CA_FILE, f->other);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[200];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s'", f->dir, f->other);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

/* A server pinned as the origin pins nginx (workloads/origin_conf.c). */
static SSL_CTX *server_ctx(const struct fixture *f, int version, bool early)
{
	char cert[128], key[128];
	snprintf(cert, sizeof(cert), "%s/" TLS_CERT_FILE, f->dir);
	snprintf(key, sizeof(key), "%s/" TLS_KEY_FILE, f->dir);
	SSL_CTX *c = SSL_CTX_new(TLS_server_method());
	assert_non_null(c);
	assert_int_equal(SSL_CTX_use_certificate_chain_file(c, cert), 1);
	assert_int_equal(SSL_CTX_use_PrivateKey_file(c, key, SSL_FILETYPE_PEM), 1);
	SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION);
	SSL_CTX_set_max_proto_version(c, version);
	SSL_CTX_set_max_early_data(c, early ? 16384 : 0);
	/* Stateless tickets that take early data, as the origin's nginx gives
	 * them (workloads/origin_conf.c): with OpenSSL's replay guard on, a
	 * server makes early-data tickets stateful, kept in its own cache. */
	SSL_CTX_set_options(c, SSL_OP_NO_ANTI_REPLAY);
	return c;
}

struct server {
	SSL *ssl;
	BIO *in, *out;
	char got[512];             /* plaintext read, early data included */
	size_t ngot;
	bool early_read;           /* the request came as early data */
	bool early_done;           /* SSL_read_early_data said FINISH */
};

static void server_init(struct server *s, SSL_CTX *c)
{
	memset(s, 0, sizeof(*s));
	s->ssl = SSL_new(c);
	s->in = BIO_new(BIO_s_mem());
	s->out = BIO_new(BIO_s_mem());
	SSL_set_bio(s->ssl, s->in, s->out);
	SSL_set_accept_state(s->ssl);
}

/* Moves the client's pending ciphertext to the server; returns the count. */
static size_t to_server(struct tls_conn *tc, struct server *s)
{
	const void *p;
	size_t len;
	tls_conn_pending(tc, &p, &len);
	if (len)
		assert_int_equal(BIO_write(s->in, p, (int)len), (int)len);
	tls_conn_sent(tc, len);
	return len;
}

/* Lets the server work on what it has (early data first), then moves its
 * output to the client.  Returns what tls_conn_received returned. */
static int server_turn(struct tls_conn *tc, struct server *s)
{
	size_t n = 0;
	int r;
	while (!s->early_done &&
	       (r = SSL_read_early_data(s->ssl, s->got + s->ngot, sizeof(s->got) - s->ngot - 1,
					&n)) != SSL_READ_EARLY_DATA_ERROR) {
		if (r == SSL_READ_EARLY_DATA_FINISH) {
			s->early_done = true;
			break;
		}
		s->ngot += n;
		s->early_read = true;
	}
	if (s->early_done && !SSL_is_init_finished(s->ssl))
		SSL_do_handshake(s->ssl);
	while (SSL_is_init_finished(s->ssl) &&
	       SSL_read_ex(s->ssl, s->got + s->ngot, sizeof(s->got) - s->ngot - 1, &n) == 1)
		s->ngot += n;
	char buf[16384];
	int k, rc = 0;
	while ((k = BIO_read(s->out, buf, sizeof(buf))) > 0)
		if ((rc = tls_conn_received(tc, buf, (size_t)k)) != 0)
			break;
	return rc;
}

/*
 * One connection: the first flight (with @early as early data if the
 * connection can send it), then turns until the handshake is done and the
 * server has the request, then a response read back.  Returns 0 or the
 * client's failure.
 */
static int exchange(struct tls_conn *tc, struct server *s, bool early, size_t *first_flight)
{
	size_t taken = 0;
	int rc = tls_conn_start(tc, early ? req : NULL, early ? strlen(req) : 0, &taken);
	if (rc)
		return rc;
	*first_flight = to_server(tc, s);
	for (int turn = 0; turn < 6 && !tls_conn_ready(tc); turn++) {
		if ((rc = server_turn(tc, s)) < 0)
			return rc;
		to_server(tc, s);
	}
	if (!tls_conn_ready(tc))
		return -1;
	struct tls_info ti;
	tls_conn_info(tc, &ti);
	if (!taken || ti.early == TLS_EARLY_REJECTED)
		assert_int_equal(tls_conn_write(tc, req, strlen(req)), 0);
	to_server(tc, s);
	server_turn(tc, s);   /* the request, and the tickets go out */
	assert_int_equal(SSL_write(s->ssl, "HTTP/1.1 200 OK\r\n\r\n", 19), 19);
	server_turn(tc, s);
	char buf[64];
	ssize_t n = tls_conn_read(tc, buf, sizeof(buf));
	assert_int_equal(n, 19);
	s->got[s->ngot] = 0;
	assert_string_equal(s->got, req);
	return 0;
}

static void full_handshakes(void **state)
{
	struct fixture *f = *state;
	static const struct { enum tls_mode m; int v; const char *cipher; } cases[] = {
		{ TLS_12, 0x0303, "ECDHE-RSA-AES128-GCM-SHA256" },
		{ TLS_13, 0x0304, "TLS_AES_128_GCM_SHA256" },
	};
	for (size_t i = 0; i < 2; i++) {
		SSL_CTX *sc = server_ctx(f, TLS1_3_VERSION, false);
		struct tls_client *cl = tls_client_new(cases[i].m, f->ca);
		assert_non_null(cl);
		for (int k = 0; k < 2; k++) {   /* the second makes a full handshake too */
			struct server s;
			server_init(&s, sc);
			struct tls_conn *tc = tls_conn_new(cl, "b.test");
			size_t first;
			assert_int_equal(exchange(tc, &s, false, &first), 0);
			struct tls_info ti;
			tls_conn_info(tc, &ti);
			assert_int_equal(ti.version, cases[i].v);
			assert_string_equal(ti.cipher, cases[i].cipher);
			assert_string_equal(ti.group, "X25519");
			assert_false(ti.resumed);
			assert_int_equal(ti.early, TLS_EARLY_NONE);
			tls_conn_free(tc);
			SSL_free(s.ssl);
		}
		/* Only 1.3-early keeps tickets. */
		assert_int_equal(tls_client_tickets(cl, "b.test"), 0);
		tls_client_free(cl);
		SSL_CTX_free(sc);
	}
}

static void early_data(void **state)
{
	struct fixture *f = *state;
	SSL_CTX *sc = server_ctx(f, TLS1_3_VERSION, true);
	struct tls_client *cl = tls_client_new(TLS_13_EARLY, f->ca);
	assert_non_null(cl);
	struct server s;
	size_t first, first_full;
	/* No ticket yet: a full handshake, which brings tickets for a.test. */
	server_init(&s, sc);
	struct tls_conn *tc = tls_conn_new(cl, "a.test");
	assert_false(tls_conn_can_early(tc));
	assert_int_equal(exchange(tc, &s, true, &first_full), 0);
	assert_false(s.early_read);
	tls_conn_free(tc);
	SSL_free(s.ssl);
	size_t tickets = tls_client_tickets(cl, "a.test");
	assert_true(tickets >= 1);
	assert_int_equal(tls_client_tickets(cl, "b.test"), 0);
	/* With resumption off (a warm-up): a full handshake that takes no
	 * ticket and brings more. */
	tls_client_resume(cl, false);
	server_init(&s, sc);
	tc = tls_conn_new(cl, "a.test");
	assert_false(tls_conn_can_early(tc));
	assert_int_equal(exchange(tc, &s, true, &first_full), 0);
	struct tls_info ti;
	tls_conn_info(tc, &ti);
	assert_false(ti.resumed);
	tls_conn_free(tc);
	SSL_free(s.ssl);
	tls_client_resume(cl, true);
	assert_true(tls_client_tickets(cl, "a.test") > tickets);
	tickets = tls_client_tickets(cl, "a.test");
	/* Resumed without early data: the size of a resumed ClientHello. */
	size_t first_resumed;
	server_init(&s, sc);
	tc = tls_conn_new(cl, "a.test");
	assert_int_equal(tls_client_tickets(cl, "a.test"), tickets - 1);
	assert_int_equal(exchange(tc, &s, false, &first_resumed), 0);
	tls_conn_info(tc, &ti);
	assert_true(ti.resumed);
	assert_int_equal(ti.early, TLS_EARLY_NONE);
	tls_conn_free(tc);
	SSL_free(s.ssl);
	/* With early data: the request rides in the same first flight, which
	 * grows by at least the request and its record's overhead. */
	server_init(&s, sc);
	tc = tls_conn_new(cl, "a.test");
	assert_true(tls_conn_can_early(tc));
	assert_int_equal(exchange(tc, &s, true, &first), 0);
	assert_true(s.early_read);
	assert_true(first >= first_resumed + strlen(req) + 17);
	tls_conn_info(tc, &ti);
	assert_true(ti.resumed);
	assert_int_equal(ti.early, TLS_EARLY_ACCEPTED);
	tls_conn_free(tc);
	SSL_free(s.ssl);
	/* A server that resumes but refuses the early data: the account says
	 * rejected, and the request reaches it once, sent after the handshake. */
	server_init(&s, sc);
	SSL_set_max_early_data(s.ssl, 0);
	tc = tls_conn_new(cl, "a.test");
	assert_true(tls_conn_can_early(tc));
	assert_int_equal(exchange(tc, &s, true, &first), 0);
	tls_conn_info(tc, &ti);
	assert_true(ti.resumed);
	assert_int_equal(ti.early, TLS_EARLY_REJECTED);
	assert_false(s.early_read);
	tls_conn_free(tc);
	SSL_free(s.ssl);
	tls_client_free(cl);
	SSL_CTX_free(sc);
}

static void refusals(void **state)
{
	struct fixture *f = *state;
	SSL_CTX *sc = server_ctx(f, TLS1_3_VERSION, false);
	struct server s;
	size_t first;
	/* Another run's CA. */
	struct tls_client *cl = tls_client_new(TLS_13, f->other_ca);
	server_init(&s, sc);
	struct tls_conn *tc = tls_conn_new(cl, "a.test");
	assert_int_equal(exchange(tc, &s, false, &first), -EPROTO);
	assert_non_null(strstr(tls_conn_error(tc), "certificate"));
	assert_non_null(strstr(tls_conn_error(tc), "a.test"));
	tls_conn_free(tc);
	SSL_free(s.ssl);
	tls_client_free(cl);
	/* A name the certificate does not carry. */
	cl = tls_client_new(TLS_13, f->ca);
	server_init(&s, sc);
	tc = tls_conn_new(cl, "c.test");
	assert_int_equal(exchange(tc, &s, false, &first), -EPROTO);
	assert_non_null(strstr(tls_conn_error(tc), "certificate"));
	tls_conn_free(tc);
	SSL_free(s.ssl);
	tls_client_free(cl);
	/* A server that only speaks 1.2 cannot serve the 1.3 pin. */
	SSL_CTX *old = server_ctx(f, TLS1_2_VERSION, false);
	cl = tls_client_new(TLS_13, f->ca);
	server_init(&s, old);
	tc = tls_conn_new(cl, "a.test");
	assert_int_equal(exchange(tc, &s, false, &first), -EPROTO);
	tls_conn_free(tc);
	SSL_free(s.ssl);
	tls_client_free(cl);
	/* Bad set-up. */
	assert_null(tls_client_new(TLS_OFF, f->ca));
	assert_null(tls_client_new(TLS_13, "/nonexistent/ca.pem"));
	SSL_CTX_free(sc);
	SSL_CTX_free(old);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(full_handshakes),
		cmocka_unit_test(early_data),
		cmocka_unit_test(refusals),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
