/* Unit tests of tls/cert.c: the files it writes are a chain that OpenSSL
 * itself verifies for every host, the key matches and stays private, the
 * CA's key is nowhere, and bad input leaves nothing behind. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "tls/cert.h"

static int setup(void **state)
{
	char *dir = strdup("/tmp/tfl-test-cert-XXXXXX");
	assert_non_null(mkdtemp(dir));
	assert_int_equal(chmod(dir, 0700), 0);
	*state = dir;
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", (char *)*state);
	assert_int_equal(system(cmd), 0);
	free(*state);
	return 0;
}

static size_t count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	assert_non_null(d);
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static FILE *open_in(const char *dir, const char *name)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	return f;
}

static X509 *load_cert(const char *dir, const char *name)
{
	FILE *f = open_in(dir, name);
	X509 *x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	assert_non_null(x);
	return x;
}

/* Whether the file holds the text @needle anywhere. */
static int file_has(const char *dir, const char *name, const char *needle)
{
	FILE *f = open_in(dir, name);
	char buf[8192];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return strstr(buf, needle) != NULL;
}

/* X509_verify_cert of @cert against the CA in @ca alone, for a TLS server. */
static int verify(X509 *ca, X509 *cert)
{
	X509_STORE *store = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	assert_true(store && ctx && X509_STORE_add_cert(store, ca));
	assert_true(X509_STORE_CTX_init(ctx, store, cert, NULL));
	X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_SERVER);
	int ok = X509_verify_cert(ctx);
	if (ok != 1)
		print_message("verify: %s\n",
			      X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	return ok;
}

static void test_chain_and_names(void **state)
{
	const char *dir = *state;
	const char *hosts[] = {"www.example.test", "cdn.Example.test", "10.1.2.3",
			       "static.example.test:8080"};
	assert_int_equal(tls_cert_make(dir, hosts, 4), 0);
	assert_int_equal(count_entries(dir), 3);

	X509 *ca = load_cert(dir, TLS_CA_FILE), *cert = load_cert(dir, TLS_CERT_FILE);
	assert_int_equal(verify(ca, cert), 1);
	/* a store without the CA trusts nothing of it */
	X509 *other = load_cert(dir, TLS_CERT_FILE);
	assert_int_not_equal(verify(other, ca), 1);
	X509_free(other);

	assert_int_equal(X509_check_host(cert, "www.example.test", 0, 0, NULL), 1);
	assert_int_equal(X509_check_host(cert, "cdn.example.test", 0, 0, NULL), 1);
	assert_int_equal(X509_check_host(cert, "static.example.test", 0, 0, NULL), 1);
	assert_int_equal(X509_check_ip_asc(cert, "10.1.2.3", 0), 1);
	/* only those: an IPv4 literal is no DNS name, and no other name fits */
	assert_int_equal(X509_check_host(cert, "other.example.test", 0, 0, NULL), 0);
	assert_int_equal(X509_check_ip_asc(cert, "10.1.2.4", 0), 0);
	assert_int_equal(X509_check_host(cert, "10.1.2.3", 0, X509_CHECK_FLAG_NEVER_CHECK_SUBJECT,
					 NULL), 0);

	/* valid now, an hour back, and for about a week */
	time_t now = time(NULL), back = now - 3500, week = now + 6 * 86400;
	assert_true(X509_cmp_time(X509_get0_notBefore(cert), &back) < 0);
	assert_true(X509_cmp_time(X509_get0_notAfter(cert), &week) > 0);
	week = now + 8 * 86400;
	assert_true(X509_cmp_time(X509_get0_notAfter(cert), &week) < 0);

	FILE *f = open_in(dir, TLS_KEY_FILE);
	EVP_PKEY *key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	assert_non_null(key);
	assert_true(EVP_PKEY_is_a(key, "RSA"));
	assert_int_equal(EVP_PKEY_get_bits(key), 2048);
	assert_int_equal(X509_check_private_key(cert, key), 1);
	assert_int_equal(X509_check_private_key(ca, key), 0);

	/* the CA key exists nowhere: no private key but key.pem's */
	assert_false(file_has(dir, TLS_CA_FILE, "PRIVATE KEY"));
	assert_false(file_has(dir, TLS_CERT_FILE, "PRIVATE KEY"));
	assert_true(file_has(dir, TLS_KEY_FILE, "PRIVATE KEY"));

	char path[256];
	struct stat st;
	snprintf(path, sizeof(path), "%s/%s", dir, TLS_KEY_FILE);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);

	EVP_PKEY_free(key);
	X509_free(cert);
	X509_free(ca);
}

/* Two calls make two unrelated CAs: a run trusts only its own. */
static void test_ca_per_call(void **state)
{
	const char *dir = *state;
	char sub[2][256];
	const char *hosts[] = {"origin.test"};
	X509 *ca[2], *cert[2];
	for (int i = 0; i < 2; i++) {
		snprintf(sub[i], sizeof(sub[i]), "%s/%d", dir, i);
		assert_int_equal(mkdir(sub[i], 0700), 0);
		assert_int_equal(tls_cert_make(sub[i], hosts, 1), 0);
		ca[i] = load_cert(sub[i], TLS_CA_FILE);
		cert[i] = load_cert(sub[i], TLS_CERT_FILE);
	}
	assert_int_equal(verify(ca[0], cert[0]), 1);
	assert_int_not_equal(verify(ca[0], cert[1]), 1);
	assert_int_not_equal(verify(ca[1], cert[0]), 1);
	for (int i = 0; i < 2; i++) {
		X509_free(ca[i]);
		X509_free(cert[i]);
	}
}

static void test_bad_input(void **state)
{
	const char *dir = *state;
	const char *hosts[] = {"origin.test", "bad host", ""};
	assert_int_equal(tls_cert_make(dir, hosts, 0), -EINVAL);
	assert_int_equal(tls_cert_make(dir, NULL, 1), -EINVAL);
	assert_int_equal(tls_cert_make(dir, hosts + 1, 1), -EINVAL);
	assert_int_equal(tls_cert_make(dir, hosts + 2, 1), -EINVAL);
	assert_int_equal(tls_cert_make(dir, hosts, 2), -EINVAL);
	assert_int_equal(count_entries(dir), 0);

	char missing[256];
	snprintf(missing, sizeof(missing), "%s/missing", dir);
	assert_int_equal(tls_cert_make(missing, hosts, 1), -ENOENT);
	assert_int_equal(count_entries(dir), 0);
}

/* A file already there (a second call, or an attacker's symlink) is not
 * overwritten, and the files written before it are removed again. */
static void test_existing_file_kept(void **state)
{
	const char *dir = *state;
	const char *hosts[] = {"origin.test"};
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", dir, TLS_KEY_FILE);
	assert_int_equal(symlink("/nonexistent-target", path), 0);
	assert_int_equal(tls_cert_make(dir, hosts, 1), -EEXIST);
	assert_int_equal(count_entries(dir), 1);
	struct stat st;
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(access("/nonexistent-target", F_OK), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_chain_and_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ca_per_call, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_input, setup, teardown),
		cmocka_unit_test_setup_teardown(test_existing_file_kept, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
