/*
 * The origin server: the real nginx serving every resource of a page with a
 * body of exactly body_bytes pseudo-random bytes, one server block per host
 * of the page, each listening on its own address (TCP Fast Open optional).
 *
 * Everything lives in one private run directory RUN = BASE/PREFIX-origin-XXXXXX
 * (mode 0700, owned by the unprivileged worker user nobody:nogroup):
 *   RUN/nginx.conf   generated configuration
 *   RUN/docroot/     one flat file per distinct URL, named by body_name()
 *   RUN/error.log    nginx's error log; RUN/stderr.log its stderr
 *   RUN/nginx.pid    pid of the master (also the process group of nginx)
 *   RUN/tmp/         nginx's temporary paths
 *   RUN/tls/         with TLS only (mode 0700, root's: nginx's master reads
 *                    the key before it starts the workers): the run's CA
 *                    and server certificate, tls/cert.h
 *
 * URL to file: a map from $request_uri (path and query, exactly as sent) to
 * the file name, one map per host.  nginx matches map strings ignoring case,
 * so URLs of one host that differ only in letter case are written as
 * case-sensitive anchored regular expressions instead.
 *
 * Content type: every response is application/octet-stream; the page's
 * ctype is not reproduced (it only changes a few header bytes, and the
 * fetcher relies on Content-Length).
 *
 * Browser mode (origin_opts.browser, workloads/origin_bodies.c): the
 * bodies are HTML, CSS, JavaScript and pictures whose references make a
 * browser request exactly the page's resources (bodies/markup.h), text
 * gzip'd to within 2% of its wire size (origin_wire_bytes gives the exact
 * size), every encoding served as gzip; file names end in the kind's
 * extension, which a types block maps to its MIME type; responses carry
 * Timing-Allow-Origin and Access-Control-Allow-Origin "*" and
 * Cache-Control no-store; RUN/access.log logs "HOST \"URI\" STATUS BYTES".
 */
#ifndef TFOLAB_WORKLOADS_ORIGIN_H
#define TFOLAB_WORKLOADS_ORIGIN_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "bodies/body.h"
#include "bodies/markup.h"
#include "common/vocab.h"
#include "workloads/page.h"

#define ORIGIN_NGINX "/usr/sbin/nginx"
#define ORIGIN_USER "nobody"
#define ORIGIN_GROUP "nogroup"

struct origin_opts {
	const struct in_addr *addrs;  /* addrs[i] serves pg->hosts[i]; hosts
	                                 may share an address (name-based) */
	size_t naddrs;                /* must equal pg->nhosts */
	uint16_t port;                /* 0 = 443 with TLS, else 80 */
	int fastopen;                 /* TFO listen queue; 0 = no fastopen */
	enum tls_mode tls;            /* TLS_OFF: plain HTTP; else HTTPS with
	                                 the version, suite, curve pinned */
	uint64_t seed;                /* body seed */
	const char *base_dir;         /* e.g. "/run/tfolab"; created (0755) if
	                                 missing; must be searchable by others */
	const char *prefix;           /* run prefix, e.g. "tfl-1234" */
	const char *nginx;            /* nginx binary; NULL = ORIGIN_NGINX */
	bool browser;                 /* bodies a browser parses (below) */
};

struct origin;

/*
 * Checks the page against o (one address per host, URLs a server can be
 * asked for) and creates the private run directory.  Copies o (and the
 * addresses); pg is borrowed and must stay valid until origin_start returns.
 * Returns NULL after logging on failure (nothing left behind).
 */
struct origin *origin_new(const struct page *pg, const struct origin_opts *o);

/*
 * With TLS, first makes RUN/tls (the run's CA and a certificate naming
 * every host).  Writes the docroot and nginx.conf, then forks nginx in the
 * network namespace of the calling thread.  nginx gets PR_SET_PDEATHSIG=SIGKILL,
 * which fires when the *calling thread* exits, so call it from a thread
 * that lives as long as the origin.  Returns 0 once a worker answers HTTP
 * on every listen address (bounded wait, ORIGIN_START_TIMEOUT_MS; with TLS
 * over a verified handshake of the pinned version, each host by its name),
 * or a
 * negative errno after logging, with the tail of nginx's logs; nginx is
 * then already stopped.  Call once.  The bound only ends a failure: a
 * healthy nginx answers in milliseconds, but under user-mode Linux on a
 * host that steals CPU one once took over 10 s (CI, kernel61 check).
 */
#define ORIGIN_START_TIMEOUT_MS 30000
int origin_start(struct origin *or);

/*
 * origin_wire_bytes - the body bytes resource i goes out with once
 * origin_start succeeded: in browser mode the markup's gzip size (within
 * MARKUP_TOLERANCE of the page's wire_bytes), else the page's wire_bytes.
 */
uint64_t origin_wire_bytes(const struct origin *or, size_t i);

/*
 * origin_body_bytes - the decoded body bytes of resource i once
 * origin_start succeeded: in browser mode the markup's (the page's
 * body_bytes, or more for a body that grew to hold its references), else
 * the page's body_bytes.
 */
uint64_t origin_body_bytes(const struct origin *or, size_t i);

/* Path of the run directory and pid of the nginx master (0 if not running). */
const char *origin_rundir(const struct origin *or);
pid_t origin_pid(const struct origin *or);

/*
 * origin_ca_file - path of the CA certificate that clients must trust
 * (RUN/tls/ca.pem; written by origin_start, gone with origin_free), or
 * NULL when the origin serves plain HTTP.  Owned by or.
 */
const char *origin_ca_file(const struct origin *or);

/* origin_port - the port every listen address serves (o->port, else 443
 * with TLS and 80 without). */
uint16_t origin_port(const struct origin_opts *o);

/*
 * Stops nginx (SIGTERM to the master, bounded wait, then SIGKILL to its
 * whole process group), removes the run directory and frees or.  NULL is
 * a no-op.
 */
void origin_free(struct origin *or);

/*
 * Checks that nginx can serve every resource of pg: each host a plain name
 * ([A-Za-z0-9._:-]), each path starting with '/' without control bytes or
 * spaces and at most 16000 bytes, one size per URL, long URLs that nginx
 * can tell apart.  Returns 0, or -EINVAL after logging the resource.
 */
int origin_page_check(const struct page *pg);

/*
 * Why resource i of pg cannot be served, in why (one line, no prefix):
 * -EINVAL and why filled, or 0 when it can.  Logs nothing; the importer
 * names the input's entry with it.
 */
int origin_res_problem(const struct page *pg, size_t i, char *why, size_t len);

/*
 * Undo for a crashed run: for every entry of base_dir named PREFIX*-origin-*
 * (so prefix "tfl-" matches every run), kills (SIGKILL) the nginx processes
 * of the process group recorded in its nginx.pid, workers included, and
 * removes the directory.  Also kills a live run with a matching prefix.
 * Returns the number of directories removed, or a negative errno.
 */
int origin_cleanup(const char *base_dir, const char *prefix);

/*
 * Creates in the existing directory `dir` one file per distinct URL of the
 * page (name body_name(host, path)) with exactly body_bytes bytes of the
 * stream for seed ^ hash-of-name.  The same URL listed twice is written
 * once; listed twice with different sizes it is an error (-EINVAL).
 * Returns 0 or a negative errno after logging.
 */
int origin_docroot_build(const struct page *pg, const char *dir, uint64_t seed);

/* Index of an earlier resource with the same host and path, or -1. */
long origin_dup_of(const struct page *pg, size_t i);

/* ---- browser mode (workloads/origin_bodies.c) ---- */

/*
 * A browser asks for a page's hosts as HOST.test (RFC 6761 reserves .test
 * for testing): Chromium 156 turns http:// into https:// for the real
 * names of the Table 1 pages (its HSTS preload list holds wikipedia.org and
 * amazon.com, and HTTPS-Upgrades tries every name over TLS first), and a
 * .test name can never reach a real server.  Each host keeps its own
 * address, so nginx serves it whatever Host says.
 */
#define ORIGIN_BROWSER_TLD ".test"

/*
 * origin_browser_url - "http://HOST.test[:PORT]PATH" (https with @tls) of
 * resource @i, as the browser mode's bodies reference it and the browser
 * requests it; the port only when not the scheme's.  Returns the length,
 * or -ENAMETOOLONG when @len is too small.
 */
int origin_browser_url(const struct page *pg, size_t i, uint16_t port, int tls, char *out,
		       size_t len);

/* The Content-Encoding resource i is served with in browser mode:
 * identity, or gzip for every encoding. */
enum page_enc origin_browser_enc(const struct page *pg, size_t i);

/* The docroot file name of resource i: body_name(), and in browser mode
 * the kind's extension.  out holds ORIGIN_FILE_MAX bytes. */
#define ORIGIN_FILE_MAX (BODY_NAME_MAX + 8)
void origin_file_name(const struct page *pg, size_t i, int browser, char *out, size_t len);

/* The markup spec of resource i (bodies/markup.h): its children as
 * references with absolute URLs for o's scheme and port.  os owns the
 * references; release with origin_spec_release.  0 or -ENOMEM (logged). */
struct origin_spec {
	struct markup_spec spec;
	struct markup_ref *refs;
};
int origin_spec_make(const struct page *pg, size_t i, const struct origin_opts *o,
		     struct origin_spec *os);
void origin_spec_release(struct origin_spec *os);

/*
 * Browser mode's origin_docroot_build: one markup body per distinct URL,
 * made, checked (markup_check) and written as sent (gzip or identity);
 * size[i] (pg->n entries) receives each resource's size on the wire and
 * decoded (a body whose references need more room grows).  A gzip size
 * out of tolerance is logged as a warning and served.  0, or a negative
 * errno after logging (a picture with children: -EINVAL).
 */
struct origin_size {
	uint64_t wire, decoded;
};
int origin_docroot_browser(const struct page *pg, const char *dir,
			   const struct origin_opts *o, struct origin_size *size);

/* The seed of the body of resource i, as origin_docroot_build uses it. */
uint64_t origin_body_seed(const struct page *pg, size_t i, uint64_t seed);

/*
 * Writes the nginx configuration for pg and o to f, with run directory
 * `rundir` (docroot rundir/docroot).  Returns 0, or -EINVAL after logging
 * when a URL or host cannot be served (control bytes or spaces in a path,
 * a path longer than nginx can hash, a host that is not a plain name),
 * or -EIO when writing fails.
 */
int origin_conf_write(FILE *f, const struct page *pg, const struct origin_opts *o,
		      const char *rundir);

#endif
