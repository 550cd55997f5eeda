/*
 * A session: one testbed with the origin server of one page running in its
 * server namespace, ready for page loads (trials, run/trial.h).
 *
 * Each condition of an experiment gets one session; its trials alternate
 * TFO off and on in the same session (testbed_set_tfo between trials), so
 * that slow drift of a noisy machine hits both alike.
 */
#ifndef TFOLAB_RUN_SESSION_H
#define TFOLAB_RUN_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "common/vocab.h"
#include "emulator/link.h"
#include "testbed/testbed.h"
#include "workloads/page.h"

struct origin;
struct tls_client;

struct session_opts {
	struct page *pg;                        /* borrowed; outlives the session;
	                                           with markup its wire sizes and
	                                           encodings become the bodies'
	                                           (origin_wire_bytes) */
	const struct link_backend_ops *backend;
	struct link_params link;
	const char *cc;                         /* NULL = namespace default */
	int fastopen_qlen;                      /* nginx listen fastopen=N */
	enum tls_mode tls;                      /* TLS_OFF: HTTP on 80; else
	                                           HTTPS on 443 (origin.h) */
	uint64_t seed;                          /* body bytes */
	bool markup;                            /* bodies a browser parses
	                                           (origin_opts.browser), for
	                                           every fetcher of the run */
};

struct session {
	struct testbed *tb;
	struct origin *origin;
	const struct page *pg;
	int tfo_sysctl;                         /* current value, -1 = unset */
	enum tls_mode tls;                      /* what the origin serves */
	struct tls_client *tls_client;          /* trusting the origin's CA and
	                                           keeping the tickets of the
	                                           session's loads; NULL for
	                                           HTTP */
};

/*
 * session_serve - start the origin (nginx) of @pg in @tb's server namespace,
 * one server address per host of the page (tb needs pg->nhosts addresses),
 * over HTTPS unless @tls is TLS_OFF (origin_ca_file() then names the CA to
 * trust); with @browser, bodies a browser parses (origin.h's browser
 * mode).  Free it with origin_free().  0 or a negative errno, nothing left
 * behind.
 */
int session_serve(struct testbed *tb, const struct page *pg, int fastopen, enum tls_mode tls,
		  uint64_t seed, bool browser, struct origin **out);

/* session_up - testbed + origin (+ the TLS client for HTTPS).  0, or a
 * negative errno with nothing left. */
int session_up(const struct session_opts *o, struct session **out);

/* session_down - stop nginx, tear the testbed down, free.  NULL is a no-op. */
int session_down(struct session *s);

#endif
