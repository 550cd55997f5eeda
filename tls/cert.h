/*
 * The run's throwaway certificate authority.  An HTTPS run must not trust
 * anything outside itself, nor leave a key behind: each origin makes its own
 * CA and one server certificate that names every host of the page, in its
 * own 0700 run directory, and the directory goes with the run.
 *
 *   DIR/ca.pem     the CA's certificate: what clients trust (TFOLAB_CA)
 *   DIR/cert.pem   the server certificate, signed by the CA, every host of
 *                  the page as a subjectAltName DNS name
 *   DIR/key.pem    its private key (RSA 2048, so that TLS 1.2's pinned
 *                  ECDHE-RSA suite works), mode 0600
 *
 * The CA's own key is never written: it lives in memory while it signs.
 */
#ifndef TFOLAB_TLS_CERT_H
#define TFOLAB_TLS_CERT_H

#include <stddef.h>

#define TLS_CA_FILE "ca.pem"
#define TLS_CERT_FILE "cert.pem"
#define TLS_KEY_FILE "key.pem"

/*
 * tls_cert_make - writes the three files above into the existing directory
 * @dir for the @nhosts host names @hosts (at least one; each a DNS name or
 * an IPv4 address, which goes in as an IP subjectAltName).  Valid from an
 * hour ago for 7 days.  Returns 0, or a negative errno after logging the
 * OpenSSL call and its error (nothing half-written is left: a failure
 * removes what it wrote).
 */
int tls_cert_make(const char *dir, const char *const *hosts, size_t nhosts);

#endif
