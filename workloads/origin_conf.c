/*
 * The origin's files: the docroot (one exact-size body per distinct URL of
 * the page) and nginx.conf (one server block per host, a map from the
 * request URI to the body's file).  Pure: no process, no privilege, so it
 * is unit-tested directly and checked by `nginx -t`.
 */
#include "workloads/origin.h"

#include "common/log.h"
#include "tls/cert.h"
#include "bodies/body.h"
#include "bodies/markup.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Longest path + query served.  nginx must read the request line into one
 * buffer, and a long key's regex quantifier is limited to 65535. */
#define PATH_MAX_BYTES 16000

/* ---- checks ------------------------------------------------------------ */

uint16_t origin_port(const struct origin_opts *o)
{
	return o->port ? o->port : o->tls != TLS_OFF ? 443 : 80;
}

long origin_dup_of(const struct page *pg, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (pg->res[j].host == pg->res[i].host &&
		    strcmp(pg->res[j].path, pg->res[i].path) == 0)
			return (long)j;
	return -1;
}

/* Whether another URL of the same host equals this one ignoring case:
 * nginx would then confuse the two map strings. */
static int case_twin(const struct page *pg, size_t i)
{
	for (size_t j = 0; j < pg->n; j++)
		if (j != i && pg->res[j].host == pg->res[i].host &&
		    strcasecmp(pg->res[j].path, pg->res[i].path) == 0 &&
		    strcmp(pg->res[j].path, pg->res[i].path) != 0)
			return 1;
	return 0;
}

static int host_ok(const char *h)
{
	if (!h[0] || h[0] == '.' || h[0] == '-')
		return 0;
	for (const char *s = h; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '.' || *s == '-' ||
		      *s == '_' || *s == ':'))
			return 0;
	return 1;
}

/*
 * Map keys.  Inside a double-quoted nginx token the parser turns \" into "
 * and \\ into \; every other byte ($ { } ; # included) is literal.  A token
 * must fit nginx's 4 KiB configuration buffer.  Three kinds of key:
 *  - a string, matched exactly but ignoring case (paths start with '/', so
 *    none is taken for a regex or a special parameter like "default");
 *  - for URLs of one host that differ only in case, a case-sensitive
 *    anchored regex of the whole path;
 *  - for paths too long for one token, the regex ^HEAD.{n}TAIL$ with the
 *    exact length; origin_page_check() rejects paths it could confuse.
 * Exact strings win over regexes in nginx, and every regex here matches
 * only its own URL among the page's URLs.
 */
#define TOKEN_MAX 3800   /* bytes of one key token, below nginx's 4096 */
#define LONG_PART 1800   /* token bytes for each of HEAD and TAIL */

enum key_kind { KEY_STRING, KEY_REGEX, KEY_LONG };

static size_t esc_len(unsigned char c, int regex)
{
	if (!regex)
		return c == '"' || c == '\\' ? 2 : 1;
	if (c >= 0x80)
		return 5;      /* \\xHH */
	if (c == '\\')
		return 4;
	if (strchr("^$.|?*+()[]{}", c))
		return 3;
	return c == '"' ? 2 : 1;
}

static void put_esc(FILE *f, const char *s, size_t n, int regex)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (regex && c >= 0x80)
			fprintf(f, "\\\\x%02x", c);
		else if (regex && c == '\\')
			fputs("\\\\\\\\", f);
		else if (regex && strchr("^$.|?*+()[]{}", c))
			fprintf(f, "\\\\%c", c);
		else if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else
			fputc(c, f);
	}
}

static void put_quoted(FILE *f, const char *s)
{
	fputc('"', f);
	put_esc(f, s, strlen(s), 0);
	fputc('"', f);
}

/* Bytes of path (from the start, or from the end) whose regex escape fits
 * LONG_PART. */
static size_t long_part(const char *path, size_t len, int from_end)
{
	size_t n = 0, t = 0;
	while (n < len) {
		unsigned char c = (unsigned char)path[from_end ? len - 1 - n : n];
		if (t + esc_len(c, 1) > LONG_PART)
			break;
		t += esc_len(c, 1);
		n++;
	}
	return n;
}

static enum key_kind key_kind(const struct page *pg, size_t i)
{
	const char *p = pg->res[i].path;
	size_t t = 0;
	for (const char *s = p; *s; s++)
		t += esc_len((unsigned char)*s, 1);
	if (t > TOKEN_MAX)
		return KEY_LONG;
	return case_twin(pg, i) ? KEY_REGEX : KEY_STRING;
}

/* Whether the KEY_LONG pattern of path a matches path b. */
static int long_matches(const char *a, const char *b)
{
	size_t len = strlen(a);
	if (strlen(b) != len)
		return 0;
	size_t h = long_part(a, len, 0), t = long_part(a, len, 1);
	return memcmp(a, b, h) == 0 && memcmp(a + len - t, b + len - t, t) == 0;
}

static void put_map_key(FILE *f, const struct page *pg, size_t i)
{
	const char *p = pg->res[i].path;
	size_t len = strlen(p);
	switch (key_kind(pg, i)) {
	case KEY_STRING:
		put_quoted(f, p);
		break;
	case KEY_REGEX:
		fputs("\"~^", f);
		put_esc(f, p, len, 1);
		fputs("$\"", f);
		break;
	case KEY_LONG: {
		size_t h = long_part(p, len, 0), t = long_part(p, len, 1);
		fputs("\"~^", f);
		put_esc(f, p, h, 1);
		fprintf(f, ".{%zu}", len - h - t);
		put_esc(f, p + len - t, t, 1);
		fputs("$\"", f);
		break;
	}
	}
}

int origin_res_problem(const struct page *pg, size_t i, char *why, size_t len)
{
	const struct page_res *r = &pg->res[i];
	if (r->host < 0 || (size_t)r->host >= pg->nhosts) {
		snprintf(why, len, "host index %d out of range", r->host);
		return -EINVAL;
	}
	if (!host_ok(pg->hosts[r->host])) {
		snprintf(why, len, "host \"%.80s\": not a plain host name", pg->hosts[r->host]);
		return -EINVAL;
	}
	size_t plen = strlen(r->path);
	if (r->path[0] != '/' || plen > PATH_MAX_BYTES) {
		snprintf(why, len, "path must start with '/' and have at most %d bytes",
			 PATH_MAX_BYTES);
		return -EINVAL;
	}
	for (size_t k = 0; k < plen; k++) {
		unsigned char c = (unsigned char)r->path[k];
		if (c <= 0x20 || c == 0x7f) {
			snprintf(why, len, "path byte %zu (0x%02x) cannot appear in a request line",
				 k, c);
			return -EINVAL;
		}
	}
	/* A long path's pattern must match no other URL of its host. */
	int is_long = key_kind(pg, i) == KEY_LONG;
	for (size_t k = 0; is_long && k < pg->n; k++) {
		if (pg->res[k].host != r->host || strcmp(pg->res[k].path, r->path) == 0 ||
		    !long_matches(r->path, pg->res[k].path))
			continue;
		snprintf(why, len, "path too long for nginx to tell it from %s (line %d)",
			 pg->res[k].id, pg->res[k].line);
		return -EINVAL;
	}
	long j = origin_dup_of(pg, i);
	if (j >= 0 && (pg->res[j].wire_bytes != r->wire_bytes || pg->res[j].enc != r->enc)) {
		snprintf(why, len, "same URL as %s (line %d) with another size "
			 "(%llu vs %llu wire bytes, %s vs %s)", pg->res[j].id, pg->res[j].line,
			 (unsigned long long)r->wire_bytes, (unsigned long long)pg->res[j].wire_bytes,
			 page_enc_name(r->enc), page_enc_name(pg->res[j].enc));
		return -EINVAL;
	}
	return 0;
}

int origin_page_check(const struct page *pg)
{
	char why[256];
	for (size_t h = 0; h < pg->nhosts; h++)
		if (!host_ok(pg->hosts[h])) {
			log_err("origin: host \"%s\": not a plain host name", pg->hosts[h]);
			return -EINVAL;
		}
	for (size_t i = 0; i < pg->n; i++)
		if (origin_res_problem(pg, i, why, sizeof(why)) < 0) {
			log_err("origin: resource %s (line %d): %s", pg->res[i].id, pg->res[i].line, why);
			return -EINVAL;
		}
	return 0;
}

/* ---- docroot ----------------------------------------------------------- */

uint64_t origin_body_seed(const struct page *pg, size_t i, uint64_t seed)
{
	char name[BODY_NAME_MAX];
	body_name(pg->hosts[pg->res[i].host], pg->res[i].path, name, sizeof(name));
	/* The name ends in the URL's 64-bit hash: distinct URLs get distinct
	 * streams, so no two bodies are byte-identical. */
	return seed ^ strtoull(strrchr(name, '-') + 1, NULL, 16);
}

int origin_docroot_build(const struct page *pg, const char *dir, uint64_t seed)
{
	int rc = origin_page_check(pg);
	if (rc < 0)
		return rc;
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0) {
		rc = -errno;
		log_err("origin: docroot %s: open: %s", dir, strerror(errno));
		return rc;
	}
	for (size_t i = 0; i < pg->n && rc == 0; i++) {
		if (origin_dup_of(pg, i) >= 0)
			continue;
		char name[BODY_NAME_MAX];
		body_name(pg->hosts[pg->res[i].host], pg->res[i].path, name, sizeof(name));
		/* The file holds the body as the network carried it. */
		rc = body_write(dfd, name, pg->res[i].wire_bytes,
				origin_body_seed(pg, i, seed));
		if (rc < 0)
			log_err("origin: docroot %s: resource %s (line %d) not written",
				dir, pg->res[i].id, pg->res[i].line);
	}
	close(dfd);
	return rc;
}

/* ---- configuration ----------------------------------------------------- */

static size_t align_up(size_t v, size_t a)
{
	return (v + a - 1) / a * a;
}

/*
 * The http-level TLS directives: the run's certificate, and the version,
 * suite and curve pinned so that runs differ only in what is tested
 * (ssl_ciphers is TLS 1.2's list; TLS 1.3's suites need ssl_conf_command).
 * Session tickets let clients resume; the cache stays nginx's default
 * ("none"), so tickets are stateless, sealed with keys nginx's master
 * makes once per start and every worker inherits.
 *
 * Early data (1.3-early), as measured with nginx 1.22.1 and OpenSSL 3.0.19
 * (Debian 12) in a throwaway namespace, `openssl s_client -sess_out` once,
 * then `s_client -sess_in S -early_data REQ` six times on the same ticket,
 * with worker_processes 1 and 2: every resumption had "Early data was
 * accepted", the same ticket six times, on either worker; and the same
 * with ssl_session_cache shared:SSL:1m, with or without tickets.  OpenSSL's
 * replay protection (single-use sessions) needs its built-in session
 * cache, which nginx keeps out of the way (its "none" default, its shared
 * cache an external one).  So nothing here needs a ticket to be used only
 * once, and a client that uses each ticket once is accepted all the same.
 * Early data is accepted by the server, yet $ssl_early_data may read "-"
 * when the request is parsed after the handshake ended.
 */
static void put_tls(FILE *f, const struct origin_opts *o, const char *rundir)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/tls/%s", rundir, TLS_CERT_FILE);
	fputs("\tssl_certificate ", f), put_quoted(f, path), fputs(";\n", f);
	snprintf(path, sizeof(path), "%s/tls/%s", rundir, TLS_KEY_FILE);
	fputs("\tssl_certificate_key ", f), put_quoted(f, path), fputs(";\n", f);
	/* The pins are common/vocab's, as the fetcher's (tls/client.c). */
	if (o->tls == TLS_12)
		fprintf(f, "\tssl_protocols TLSv1.2;\n\tssl_ciphers %s;\n", tls_modes[o->tls].suite);
	else
		fprintf(f, "\tssl_protocols TLSv1.3;\n\tssl_conf_command Ciphersuites %s;\n",
			tls_modes[o->tls].suite);
	fputs("\tssl_ecdh_curve " TLS_GROUP ";\n"
	      "\tssl_session_tickets on;\n\tssl_session_timeout 1h;\n", f);
	if (tls_modes[o->tls].early)
		fputs("\tssl_early_data on;\n", f);
}

/*
 * Browser mode's http-level directives: each kind's MIME type by the
 * file's extension (markup_kinds), and an access log (RUN/access.log) of
 * what the browser asked for: host, the request URI as sent, status and
 * body bytes sent, one request a line.
 */
static void put_browser_http(FILE *f, const char *rundir)
{
	char path[PATH_MAX];
	fputs("\ttypes {\n", f);
	for (int k = 0; k < MARKUP_KINDS; k++)
		fprintf(f, "\t\t\"%s\" %s;\n", markup_kinds[k].mime, markup_kinds[k].ext + 1);
	fputs("\t}\n\tlog_format tfl '$host \"$request_uri\" $status $body_bytes_sent';\n", f);
	snprintf(path, sizeof(path), "%s/access.log", rundir);
	fputs("\taccess_log ", f), put_quoted(f, path), fputs(" tfl;\n", f);
}

/* The server block of host @h, serving files of @docroot. */
static void put_server(FILE *f, const struct page *pg, const struct origin_opts *o, size_t h,
		       const char *docroot)
{
	char addr[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &o->addrs[h], addr, sizeof(addr));
	fprintf(f, "\tserver {\n\t\tlisten %s:%u%s", addr, origin_port(o),
		o->tls != TLS_OFF ? " ssl" : "");
	/* Socket options may be given once per address:port; hosts that
	 * share an address are then told apart by server_name. */
	int first = 1;
	for (size_t k = 0; k < h; k++)
		first &= o->addrs[k].s_addr != o->addrs[h].s_addr;
	if (first && o->fastopen > 0)
		fprintf(f, " fastopen=%d", o->fastopen);
	if (first)
		fputs(" backlog=4096", f);
	/* host_ok() allows only [A-Za-z0-9._:-]; nginx drops the port of
	 * the Host header before matching, so drop it here too.  A browser
	 * asks for HOST.test (ORIGIN_BROWSER_TLD). */
	int name = (int)strcspn(pg->hosts[h], ":");
	fprintf(f, ";\n\t\tserver_name \"%.*s\"", name, pg->hosts[h]);
	if (o->browser)
		fprintf(f, " \"%.*s%s\"", name, pg->hosts[h], ORIGIN_BROWSER_TLD);
	fputs(";\n\t\tlocation / {\n\t\t\troot ", f);
	put_quoted(f, docroot);
	fprintf(f, ";\n\t\t\ttry_files $tfl_file_%zu =404;\n"
		"\t\t\tadd_header Content-Encoding $tfl_enc_%zu;\n", h, h);
	/* add_header in a location hides the ones above it: all here */
	if (o->browser)
		fputs("\t\t\tadd_header Timing-Allow-Origin \"*\";\n"
		      "\t\t\tadd_header Access-Control-Allow-Origin \"*\";\n"
		      "\t\t\tadd_header Cache-Control no-store;\n", f);
	fputs("\t\t}\n\t}\n", f);
}

int origin_conf_write(FILE *f, const struct page *pg, const struct origin_opts *o,
		      const char *rundir)
{
	if (o->naddrs != pg->nhosts) {
		log_err("origin: %zu addresses for %zu hosts", o->naddrs, pg->nhosts);
		return -EINVAL;
	}
	if ((unsigned)o->tls >= TLS_MODES) {
		log_err("origin: TLS mode %d out of range", (int)o->tls);
		return -EINVAL;
	}
	int rc = origin_page_check(pg);
	if (rc < 0)
		return rc;

	size_t maxpath = 1, maxkey = 1, maxhost = 1;
	for (size_t i = 0; i < pg->n; i++) {
		size_t len = strlen(pg->res[i].path);
		if (len > maxpath)
			maxpath = len;
		/* the fetcher pads a request to req_bytes with one X-Pad header
		 * (a POST's body counted in, from a HAR): a line must fit too */
		if (pg->res[i].req_bytes > maxpath)
			maxpath = pg->res[i].req_bytes;
		if (key_kind(pg, i) == KEY_STRING && len > maxkey)
			maxkey = len;
	}
	for (size_t h = 0; h < pg->nhosts; h++)
		if (strlen(pg->hosts[h]) > maxhost)
			maxhost = strlen(pg->hosts[h]);

	char path[PATH_MAX];
	fputs("# Generated by tfolab (workloads/origin.c) for one run; do not edit.\n", f);
	fprintf(f, "user %s %s;\nworker_processes 1;\ndaemon off;\nmaster_process on;\n",
		ORIGIN_USER, ORIGIN_GROUP);
	snprintf(path, sizeof(path), "%s/nginx.pid", rundir);
	fputs("pid ", f), put_quoted(f, path), fputs(";\n", f);
	snprintf(path, sizeof(path), "%s/nginx.lock", rundir);
	fputs("lock_file ", f), put_quoted(f, path), fputs(";\n", f);
	snprintf(path, sizeof(path), "%s/error.log", rundir);
	fputs("error_log ", f), put_quoted(f, path), fputs(" warn;\n", f);
	fputs("events {\n\tworker_connections 1024;\n}\nhttp {\n", f);
	static const char *const temps[] = {"client_body", "proxy", "fastcgi",
					    "uwsgi", "scgi"};
	for (size_t i = 0; i < sizeof(temps) / sizeof(temps[0]); i++) {
		snprintf(path, sizeof(path), "%s/tmp/%s", rundir, temps[i]);
		fprintf(f, "\t%s_temp_path ", temps[i]);
		put_quoted(f, path);
		fputs(";\n", f);
	}
	if (o->browser)
		put_browser_http(f, rundir);
	else
		fputs("\taccess_log off;\n\ttypes { }\n", f);
	fputs("\tdefault_type application/octet-stream;\n"
	      "\tsendfile on;\n\ttcp_nopush off;\n\ttcp_nodelay on;\n\tgzip off;\n"
	      "\tkeepalive_timeout 120s;\n\tkeepalive_requests 10000;\n"
	      "\tetag off;\n\tserver_tokens off;\n", f);
	/* Sizes nginx needs for long URLs and host names: a map bucket holds a
	 * key plus two pointers; the request line and the padding header must
	 * each fit one buffer. */
	fprintf(f, "\tlarge_client_header_buffers 4 %zuk;\n",
		align_up(maxpath + 1024, 8192) / 1024);
	fprintf(f, "\tmap_hash_bucket_size %zu;\n\tmap_hash_max_size %zu;\n",
		align_up(maxkey + 32, 64), pg->n * 4 > 2048 ? pg->n * 4 : 2048);
	fprintf(f, "\tserver_names_hash_bucket_size %zu;\n", align_up(maxhost + 32, 64));
	if (o->tls != TLS_OFF)
		put_tls(f, o, rundir);

	for (size_t h = 0; h < pg->nhosts; h++) {
		fprintf(f, "\tmap $request_uri $tfl_file_%zu {\n\t\tdefault \"/.tfl-missing\";\n", h);
		for (size_t i = 0; i < pg->n; i++) {
			if ((size_t)pg->res[i].host != h || origin_dup_of(pg, i) >= 0)
				continue;
			char name[ORIGIN_FILE_MAX];
			origin_file_name(pg, i, o->browser, name, sizeof(name));
			fputs("\t\t", f);
			put_map_key(f, pg, i);
			fprintf(f, " \"/%s\";\n", name);
		}
		fputs("\t}\n", f);
		/* The encoded bodies' Content-Encoding; add_header sends no
		 * header for the empty default. */
		fprintf(f, "\tmap $request_uri $tfl_enc_%zu {\n\t\tdefault \"\";\n", h);
		for (size_t i = 0; i < pg->n; i++) {
			enum page_enc e = o->browser ? origin_browser_enc(pg, i) : pg->res[i].enc;
			if ((size_t)pg->res[i].host != h || origin_dup_of(pg, i) >= 0 ||
			    e == PAGE_ENC_IDENTITY)
				continue;
			fputs("\t\t", f);
			put_map_key(f, pg, i);
			fprintf(f, " \"%s\";\n", page_enc_name(e));
		}
		fputs("\t}\n", f);
	}

	snprintf(path, sizeof(path), "%s/docroot", rundir);
	for (size_t h = 0; h < pg->nhosts; h++)
		put_server(f, pg, o, h, path);
	fputs("}\n", f);
	if (fflush(f) != 0 || ferror(f)) {
		log_err("origin: nginx.conf: write: %s", strerror(errno));
		return -EIO;
	}
	return 0;
}
