/*
 * The run's throwaway CA and server certificate (tls/cert.h), made with the
 * OpenSSL 3 library: no `openssl` process, no configuration file, and the
 * CA's key never leaves this function's memory.
 *
 * Both keys are RSA 2048.  The server's must be RSA for TLS 1.2's pinned
 * ECDHE-RSA suite; the CA's is RSA too so that the chain uses one
 * signature family, whatever signature algorithms a client pins.
 *
 * A page host may carry a port ("cdn.test:8080": the origin accepts it and
 * nginx matches the name without it), so the port is dropped here as well.
 *
 * Files are created with O_EXCL|O_NOFOLLOW in the directory itself and
 * given their mode with fchmod, whatever the umask; a failure removes the
 * files this call created and nothing else.
 */
#include "tls/cert.h"

#include "common/log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#define KEY_BITS 2048
#define NOT_BEFORE_S (-3600L)              /* an hour ago: clock skew */
#define LIFETIME_S (7L * 24 * 3600)        /* from not-before */
#define CA_NAME "tfolab throwaway CA"
#define HOST_MAX 253                       /* a DNS name's length limit */

/* Logs the failed OpenSSL @call for @dir with the error queue's first
 * entry and empties the queue.  Returns -ENOMEM or -EIO. */
static int ssl_fail(const char *dir, const char *call)
{
	unsigned long e = ERR_get_error();
	char buf[256] = "no OpenSSL error";
	if (e)
		ERR_error_string_n(e, buf, sizeof(buf));
	log_err("tls cert %s: %s: %s", dir, call, buf);
	ERR_clear_error();
	return ERR_GET_REASON(e) == ERR_R_MALLOC_FAILURE ? -ENOMEM : -EIO;
}

/* Length of host @h without its ":port", or 0 when it is not a name a
 * certificate can carry (empty, too long, a byte outside [A-Za-z0-9._-]). */
static size_t host_len(const char *h)
{
	size_t n = strcspn(h, ":");
	if (n == 0 || n > HOST_MAX || h[0] == '.' || h[0] == '-')
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = h[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_'))
			return 0;
	}
	return n;
}

/* The subjectAltName of @hosts: an IP entry for an IPv4 literal, else a DNS
 * entry.  NULL after logging. */
static GENERAL_NAMES *san_of(const char *dir, const char *const *hosts, size_t nhosts)
{
	GENERAL_NAMES *gens = sk_GENERAL_NAME_new_null();
	if (!gens) {
		ssl_fail(dir, "sk_GENERAL_NAME_new_null");
		return NULL;
	}
	for (size_t i = 0; i < nhosts; i++) {
		char name[HOST_MAX + 1];
		size_t n = host_len(hosts[i]);
		memcpy(name, hosts[i], n);
		name[n] = '\0';
		struct in_addr a;
		int ip = inet_pton(AF_INET, name, &a) == 1;
		GENERAL_NAME *g = GENERAL_NAME_new();
		ASN1_STRING *s = ip ? ASN1_OCTET_STRING_new() : ASN1_IA5STRING_new();
		if (!g || !s || !ASN1_STRING_set(s, ip ? (void *)&a : name,
						 ip ? (int)sizeof(a) : (int)n)) {
			ssl_fail(dir, "GENERAL_NAME_new");
			GENERAL_NAME_free(g);
			ASN1_STRING_free(s);
			GENERAL_NAMES_free(gens);
			return NULL;
		}
		GENERAL_NAME_set0_value(g, ip ? GEN_IPADD : GEN_DNS, s);
		if (!sk_GENERAL_NAME_push(gens, g)) {
			ssl_fail(dir, "sk_GENERAL_NAME_push");
			GENERAL_NAME_free(g);
			GENERAL_NAMES_free(gens);
			return NULL;
		}
	}
	return gens;
}

/* Adds extension @nid = @value (OpenSSL's v3 syntax) to @x, issued by
 * @issuer.  0, or a negative errno after logging. */
static int add_ext(const char *dir, X509 *issuer, X509 *x, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (!ext || !X509_add_ext(x, ext, -1)) {
		X509_EXTENSION_free(ext);
		return ssl_fail(dir, OBJ_nid2sn(nid));
	}
	X509_EXTENSION_free(ext);
	return 0;
}

/*
 * A version 3 certificate for @key named @cn, with a random serial, valid
 * from an hour ago for LIFETIME_S, issued by @issuer (NULL: by itself) and
 * signed with @sign_key.  CA:TRUE when @issuer is NULL, else a server
 * certificate naming @gens.  NULL after logging.
 */
static X509 *cert_new(const char *dir, EVP_PKEY *key, const char *cn, X509 *issuer,
		      EVP_PKEY *sign_key, GENERAL_NAMES *gens)
{
	X509 *x = X509_new();
	BIGNUM *serial = BN_new();
	X509_NAME *name = X509_NAME_new();
	int ok = x && serial && name &&
		 X509_set_version(x, X509_VERSION_3) &&
		 BN_rand(serial, 63, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) &&
		 BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(x)) &&
		 X509_gmtime_adj(X509_getm_notBefore(x), NOT_BEFORE_S) &&
		 X509_gmtime_adj(X509_getm_notAfter(x), NOT_BEFORE_S + LIFETIME_S) &&
		 X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
					    (const unsigned char *)cn, -1, -1, 0) &&
		 X509_set_subject_name(x, name) &&
		 X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name) &&
		 X509_set_pubkey(x, key);
	BN_free(serial);
	X509_NAME_free(name);
	if (!ok) {
		ssl_fail(dir, "X509_new");
		X509_free(x);
		return NULL;
	}
	X509 *iss = issuer ? issuer : x;
	if (add_ext(dir, iss, x, NID_subject_key_identifier, "hash") < 0 ||
	    add_ext(dir, iss, x, NID_authority_key_identifier, "keyid:always") < 0)
		goto fail;
	if (!issuer) {
		if (add_ext(dir, iss, x, NID_basic_constraints, "critical,CA:TRUE") < 0 ||
		    add_ext(dir, iss, x, NID_key_usage, "critical,keyCertSign,cRLSign") < 0)
			goto fail;
	} else {
		if (add_ext(dir, iss, x, NID_basic_constraints, "critical,CA:FALSE") < 0 ||
		    add_ext(dir, iss, x, NID_key_usage,
			    "critical,digitalSignature,keyEncipherment") < 0 ||
		    add_ext(dir, iss, x, NID_ext_key_usage, "serverAuth") < 0)
			goto fail;
		if (!X509_add1_ext_i2d(x, NID_subject_alt_name, gens, 0, X509V3_ADD_DEFAULT)) {
			ssl_fail(dir, "X509_add1_ext_i2d subjectAltName");
			goto fail;
		}
	}
	if (!X509_sign(x, sign_key, EVP_sha256())) {
		ssl_fail(dir, "X509_sign");
		goto fail;
	}
	return x;
fail:
	X509_free(x);
	return NULL;
}

/* Writes @x (or, when NULL, the private key @key) as PEM to the new file
 * @name of directory @dfd with @mode.  0, or a negative errno after
 * logging; -EEXIST leaves an existing file alone. */
static int pem_write(const char *dir, int dfd, const char *name, mode_t mode, X509 *x,
		     EVP_PKEY *key)
{
	int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0) {
		int rc = -errno;
		log_err("tls cert %s/%s: open: %s", dir, name, strerror(errno));
		return rc;
	}
	int rc = 0;
	if (fchmod(fd, mode) < 0) {
		rc = -errno;
		log_err("tls cert %s/%s: fchmod: %s", dir, name, strerror(errno));
	}
	BIO *b = rc ? NULL : BIO_new_fd(fd, BIO_NOCLOSE);
	if (!rc && (!b || !(x ? PEM_write_bio_X509(b, x)
			      : PEM_write_bio_PrivateKey(b, key, NULL, NULL, 0, NULL, NULL)) ||
		    BIO_flush(b) != 1))
		rc = ssl_fail(dir, x ? "PEM_write_bio_X509" : "PEM_write_bio_PrivateKey");
	BIO_free(b);
	if (close(fd) < 0 && !rc) {
		rc = -errno;
		log_err("tls cert %s/%s: close: %s", dir, name, strerror(errno));
	}
	if (rc < 0)
		unlinkat(dfd, name, 0);
	return rc;
}

/* Makes the keys and certificates and writes them to @dfd; on failure
 * removes the files it created.  0 or a negative errno, logged. */
static int make_in(const char *dir, int dfd, const char *const *hosts, size_t nhosts)
{
	static const char *const files[] = {TLS_CA_FILE, TLS_CERT_FILE, TLS_KEY_FILE};
	EVP_PKEY *ca_key = EVP_RSA_gen(KEY_BITS), *key = EVP_RSA_gen(KEY_BITS);
	GENERAL_NAMES *gens = san_of(dir, hosts, nhosts);
	X509 *ca = NULL, *cert = NULL;
	char cn[65];
	int rc = -EIO;
	size_t written = 0;

	if (!ca_key || !key) {
		rc = ssl_fail(dir, "EVP_RSA_gen");
		goto end;
	}
	/* A CN holds 64 bytes at most; the SAN is what clients check. */
	snprintf(cn, sizeof(cn), "%.*s", (int)host_len(hosts[0]), hosts[0]);
	if (!gens || !(ca = cert_new(dir, ca_key, CA_NAME, NULL, ca_key, NULL)) ||
	    !(cert = cert_new(dir, key, cn, ca, ca_key, gens)))
		goto end;
	X509 *const certs[] = {ca, cert, NULL};
	static const mode_t modes[] = {0644, 0644, 0600};
	for (rc = 0; written < 3 && rc == 0; written++)
		rc = pem_write(dir, dfd, files[written], modes[written], certs[written], key);
	if (rc < 0)
		for (size_t i = 0; i + 1 < written; i++)
			unlinkat(dfd, files[i], 0);
end:
	X509_free(cert);
	X509_free(ca);
	GENERAL_NAMES_free(gens);
	EVP_PKEY_free(key);
	EVP_PKEY_free(ca_key);
	return rc;
}

int tls_cert_make(const char *dir, const char *const *hosts, size_t nhosts)
{
	if (!dir || !hosts || nhosts == 0) {
		log_err("tls cert %s: no host to name", dir ? dir : "(null)");
		return -EINVAL;
	}
	for (size_t i = 0; i < nhosts; i++)
		if (!hosts[i] || !host_len(hosts[i])) {
			log_err("tls cert %s: host %zu \"%s\": not a DNS name or IPv4 address",
				dir, i + 1, hosts[i] ? hosts[i] : "(null)");
			return -EINVAL;
		}
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0) {
		int rc = -errno;
		log_err("tls cert %s: open: %s", dir, strerror(errno));
		return rc;
	}
	int rc = make_in(dir, dfd, hosts, nhosts);
	close(dfd);
	return rc;
}
