/*
 * HAR 1.2 (JSON, parsed with jansson) to a page.
 *
 * Which entries: those whose pageref is the chosen page's id (o->page,
 * 1-based over log.pages; the first page by default).  Without log.pages,
 * every entry; with it, entries without a pageref belong to no page.  data:,
 * blob: and other non-HTTP URLs and failed entries (status 0, or an _error
 * on the entry or its response) are skipped and counted by reason.
 *
 * Order and ids: entries are sorted by startedDateTime (file order among
 * equal or unreadable times) and numbered 0, 1, ...; entry 0 is the root.
 *
 * Sizes: the wire size (the body as transferred, which is what the
 * emulated link carries) is response.bodySize, else response._transferSize
 * (or the entry's) minus response.headersSize when both are known, else
 * response.content.size, else _objectSize (WebPageTest's body size), else
 * _bytesIn (WebPageTest, headers included).  The decoded size (what the
 * browser parses) is response.content.size, else the wire size.  The
 * encoding is the response's Content-Encoding header when it is gzip,
 * deflate, br or zstd, else identity; an identity body has one size, so
 * when the two differ without such a header the wire size is used for both
 * (a counted warning).  A value counts when it is a number >= 0 or a string
 * holding one.  Taking a fallback for the wire size is a counted warning;
 * when none exists the body is 0 bytes and that is another counted warning,
 * never silent.
 *
 * Request bytes: request.headersSize (> 0) plus request.bodySize (> 0); when
 * headersSize is unknown, import_req_estimate plus the body.
 *
 * Connection: "connection" (Chrome) or "_socket" (WebPageTest), renumbered
 * 0, 1, ... in order of first use; none given: conn -1 (the fetcher picks).
 * A page's connection goes to one host, so a connection that carried
 * several hosts (HTTP/2 coalescing, or an id reused) becomes one per host,
 * a counted warning.
 *
 * Parent: _initiator (a URL string, or an object with "url" or a
 * stack.callFrames[].url) naming the latest earlier entry with that URL;
 * otherwise the root (a counted warning when an initiator was given but
 * matched nothing).  No reference offsets: ref_offset is -1, so a child is
 * requested once its parent completed.
 */
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common/log.h"
#include "workloads/import_int.h"

#define HAR_MAX_ERRORS 20

struct hentry {
	size_t index;           /* in log.entries */
	int64_t t_ns;
	const char *url;        /* borrowed from the JSON tree */
	const char *initiator;  /* borrowed, or NULL */
	char *conn_key;         /* connection or _socket as text, or NULL */
	char *host, *path, *ctype;
	uint64_t body, wire;    /* decoded and wire body bytes */
	enum page_enc enc;
	uint32_t req;
	int parent, conn;
};

struct har {
	const char *name;
	int nerr;
	struct import_report *rep;
	struct hentry *e;
	size_t n;
};

static void herr(struct har *h, size_t i, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void herr(struct har *h, size_t i, const char *field, const char *fmt, ...)
{
	if (++h->nerr > HAR_MAX_ERRORS)
		return;
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_err("%s: log.entries[%zu].%s: %s", h->name, i, field, msg);
}

/* A number, or a string holding one (WebPageTest writes "1234"). */
static int jnum(const json_t *v, long long *out)
{
	double d;
	if (json_is_integer(v)) {
		*out = json_integer_value(v);
		return 0;
	}
	if (json_is_real(v)) {
		d = json_real_value(v);
	} else if (json_is_string(v)) {
		const char *s = json_string_value(v);
		char *end;
		errno = 0;
		d = strtod(s, &end);
		if (end == s || *end || errno)
			return -1;
	} else {
		return -1;
	}
	if (!(d > -1e18 && d < 1e18))
		return -1;
	*out = (long long)d;
	return 0;
}

/* "2016-01-24T15:42:23.303+01:00" (or Z, or +0100) to ns since the epoch. */
static int parse_time(const char *s, int64_t *ns)
{
	struct tm tm = { 0 };
	int n = 0;
	if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon,
			 &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6)
		return -1;
	s += n;
	int64_t frac = 0, scale = 1000000000;
	if (*s == '.') {
		for (s++; *s >= '0' && *s <= '9'; s++)
			if (scale > 1) {
				scale /= 10;
				frac += (*s - '0') * scale;
			}
	}
	int off = 0;
	if (*s == '+' || *s == '-') {
		/* +HH, +HH:MM or +HHMM */
		const char *d = s + 1;
		int dig[4], nd = 0;
		for (; nd < 4 && ((*d >= '0' && *d <= '9') || (nd == 2 && *d == ':')); d++)
			if (*d != ':')
				dig[nd++] = *d - '0';
		if (nd != 2 && nd != 4)
			return -1;
		int hh = dig[0] * 10 + dig[1], mm = nd == 4 ? dig[2] * 10 + dig[3] : 0;
		off = (hh * 60 + mm) * 60 * (*s == '-' ? -1 : 1);
	} else if (*s && *s != 'Z') {
		return -1;
	}
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	time_t t = timegm(&tm);
	if (t == (time_t)-1 || t < -9000000000ll || t > 9000000000ll)   /* ns fit in 64 bits */
		return -1;
	*ns = ((int64_t)t - off) * 1000000000 + frac;
	return 0;
}

/* Lower-cased scheme of url into buf ("" if none). */
static void url_scheme(const char *url, char *buf, size_t len)
{
	size_t i = 0;
	for (; url[i] && url[i] != ':' && i + 1 < len; i++)
		buf[i] = (char)tolower((unsigned char)url[i]);
	buf[url[i] == ':' ? i : 0] = '\0';
}

/* host (lower case, no user or port) and path+query (no fragment). */
static int url_split(const char *url, char **host, char **path)
{
	const char *s = strstr(url, "://");
	if (!s)
		return -EINVAL;
	s += 3;
	size_t alen = strcspn(s, "/?#");
	const char *a = s, *ae = s + alen;
	for (const char *c = a; c < ae; c++)   /* user:pass@ */
		if (*c == '@')
			a = c + 1;
	const char *he = ae;
	if (*a == '[') {
		const char *rb = memchr(a, ']', (size_t)(ae - a));
		he = rb ? rb + 1 : ae;
	} else {
		const char *colon = memchr(a, ':', (size_t)(ae - a));
		if (colon)
			he = colon;
	}
	if (he == a)
		return -EINVAL;
	if (!(*host = strndup(a, (size_t)(he - a))))
		return -ENOMEM;
	for (char *c = *host; *c; c++) {
		*c = (char)tolower((unsigned char)*c);
		if ((unsigned char)*c <= ' ' || *c == '/' || *c == '#')
			*c = '_';
	}
	size_t plen = strcspn(ae, "#");
	if (!(*path = import_path_encode(ae, plen))) {
		free(*host);
		*host = NULL;
		return -ENOMEM;
	}
	return 0;
}

static char *mime_clean(const char *m)
{
	if (!m)
		m = "";
	while (*m == ' ')
		m++;
	size_t len = strcspn(m, "; \t\r\n,");
	if (len == 0 || *m == '#')
		return strdup("other");
	char *s = strndup(m, len);
	for (char *c = s; c && *c; c++)
		*c = (char)((unsigned char)*c < ' ' ? '_' : tolower((unsigned char)*c));
	return s;
}

static const char *initiator_url(const json_t *e)
{
	const json_t *in = json_object_get(e, "_initiator");
	if (json_is_string(in))
		return *json_string_value(in) ? json_string_value(in) : NULL;
	if (!json_is_object(in))
		return NULL;
	const json_t *u = json_object_get(in, "url");
	if (json_is_string(u) && *json_string_value(u))
		return json_string_value(u);
	const json_t *frames = json_object_get(json_object_get(in, "stack"), "callFrames");
	size_t i;
	const json_t *f;
	json_array_foreach(frames, i, f) {
		u = json_object_get(f, "url");
		if (json_is_string(u) && *json_string_value(u))
			return json_string_value(u);
	}
	return NULL;
}

static int failed(const json_t *e, const json_t *resp)
{
	long long status;
	const json_t *errs[2] = { json_object_get(e, "_error"), json_object_get(resp, "_error") };
	for (int k = 0; k < 2; k++)
		if (errs[k] && !json_is_null(errs[k]) &&
		    !(json_is_string(errs[k]) && !*json_string_value(errs[k])))
			return 1;
	return !json_is_object(resp) || jnum(json_object_get(resp, "status"), &status) ||
	       status == 0;
}

/* The response's Content-Encoding when it is one coding we replay (gzip,
 * deflate, br, zstd; any case, blanks around it), else identity. */
static enum page_enc resp_enc(const json_t *resp)
{
	size_t i;
	const json_t *hd;
	json_array_foreach(json_object_get(resp, "headers"), i, hd) {
		const char *n = json_string_value(json_object_get(hd, "name"));
		const char *v = json_string_value(json_object_get(hd, "value"));
		if (!n || !v || strcasecmp(n, "content-encoding"))
			continue;
		char low[16];
		v += strspn(v, " \t");
		size_t len = strlen(v);
		while (len && (v[len - 1] == ' ' || v[len - 1] == '\t'))
			len--;
		if (len >= sizeof(low))
			return PAGE_ENC_IDENTITY;
		for (size_t k = 0; k < len; k++)
			low[k] = (char)tolower((unsigned char)v[k]);
		int e = page_enc_parse(low, len);
		return e > 0 ? (enum page_enc)e : PAGE_ENC_IDENTITY;
	}
	return PAGE_ENC_IDENTITY;
}

/* Sets x->wire, x->body and x->enc by the rules at the top of the file. */
static void pick_sizes(struct har *h, size_t i, const json_t *e, const json_t *resp,
		       struct hentry *x)
{
	long long ts = -1, hs = -1, cs = -1, n = -1;
	const json_t *content = json_object_get(resp, "content");
	const json_t *tj = json_object_get(resp, "_transferSize");
	if (!tj)
		tj = json_object_get(e, "_transferSize");
	int has_cs = jnum(json_object_get(content, "size"), &cs) == 0 && cs >= 0;
	int has_tx = jnum(tj, &ts) == 0 && ts >= 0 &&
		     jnum(json_object_get(resp, "headersSize"), &hs) == 0 && hs >= 0 && ts >= hs;
	const char *src = NULL;
	x->wire = x->body = 0;
	x->enc = resp_enc(resp);
	if (jnum(json_object_get(resp, "bodySize"), &n) == 0 && n >= 0) {
		src = "response.bodySize";
	} else if (has_tx) {
		n = ts - hs;
		src = "_transferSize - response.headersSize";
	} else if (has_cs) {
		n = cs;
		src = "response.content.size";
	} else if (jnum(json_object_get(e, "_objectSize"), &n) == 0 && n >= 0) {
		src = "_objectSize";
	} else if (jnum(json_object_get(e, "_bytesIn"), &n) == 0 && n >= 0) {
		src = "_bytesIn";
	}
	if (!src) {
		h->rep->warnings[IMPORT_WARN_SIZE_UNKNOWN]++;
		log_info("%s: log.entries[%zu]: no size in any field: 0 bytes", h->name, i);
		return;
	}
	if (strcmp(src, "response.bodySize")) {
		h->rep->warnings[IMPORT_WARN_SIZE_FALLBACK]++;
		log_info("%s: log.entries[%zu]: no usable response.bodySize, size %lld from %s",
			 h->name, i, n, src);
	}
	if ((unsigned long long)n > PAGE_MAX_BODY) {
		herr(h, i, src, "%lld is over the 1 GiB limit", n);
		return;
	}
	if (has_cs && (unsigned long long)cs > PAGE_MAX_BODY) {
		herr(h, i, "response.content.size", "%lld is over the 1 GiB limit", cs);
		return;
	}
	x->wire = (uint64_t)n;
	x->body = has_cs ? (uint64_t)cs : x->wire;
	if (x->enc == PAGE_ENC_IDENTITY && x->body != x->wire) {
		h->rep->warnings[IMPORT_WARN_SIZE_MISMATCH]++;
		log_info("%s: log.entries[%zu]: %s %lld differs from response.content.size %lld "
			 "without Content-Encoding: %lld for both", h->name, i, src, n, cs, n);
		x->body = x->wire;
	}
}

static uint32_t pick_req(struct har *h, struct hentry *x, const json_t *req)
{
	long long hs = -1, bs = 0;
	uint64_t n;
	if (jnum(json_object_get(req, "headersSize"), &hs) == 0 && hs > 0) {
		n = (uint64_t)hs;
	} else {
		n = import_req_estimate(x->host, x->path);
		h->rep->req_estimated++;
	}
	if (jnum(json_object_get(req, "bodySize"), &bs) == 0 && bs > 0)
		n += (uint64_t)bs;
	if (n > PAGE_MAX_REQ) {
		h->rep->warnings[IMPORT_WARN_REQ_CLAMPED]++;
		n = PAGE_MAX_REQ;
	}
	return (uint32_t)n;
}

/* Reads entry i into h->e[h->n] when it is kept.  -ENOMEM only. */
static int read_entry(struct har *h, size_t i, const json_t *e)
{
	char scheme[16];
	const json_t *req = json_object_get(e, "request");
	const json_t *resp = json_object_get(e, "response");
	const json_t *url = json_object_get(req, "url");
	if (!json_is_string(url)) {
		herr(h, i, "request.url", "missing or not a string");
		return 0;
	}
	url_scheme(json_string_value(url), scheme, sizeof(scheme));
	if (!strcmp(scheme, "data") || !strcmp(scheme, "blob") ||
	    (strcmp(scheme, "http") && strcmp(scheme, "https"))) {
		h->rep->skipped[!strcmp(scheme, "data") ? IMPORT_SKIP_DATA :
				!strcmp(scheme, "blob") ? IMPORT_SKIP_BLOB : IMPORT_SKIP_SCHEME]++;
		return 0;
	}
	if (failed(e, resp)) {
		h->rep->skipped[IMPORT_SKIP_FAILED]++;
		return 0;
	}
	struct hentry *x = &h->e[h->n];
	memset(x, 0, sizeof(*x));
	x->index = i;
	x->url = json_string_value(url);
	int rc = url_split(x->url, &x->host, &x->path);
	if (rc == -ENOMEM)
		return rc;
	if (rc < 0) {
		herr(h, i, "request.url", "\"%.60s\" has no host", x->url);
		return 0;
	}
	const json_t *m = json_object_get(req, "method");
	if (json_is_string(m) && strcmp(json_string_value(m), "GET")) {
		h->rep->warnings[IMPORT_WARN_METHOD]++;
		log_info("%s: log.entries[%zu]: %.20s replayed as a GET", h->name, i,
			 json_string_value(m));
	}
	pick_sizes(h, i, e, resp, x);
	x->req = pick_req(h, x, req);
	const json_t *mt = json_object_get(json_object_get(resp, "content"), "mimeType");
	if (!json_is_string(mt) || !*json_string_value(mt))
		mt = json_object_get(e, "_contentType");
	if (!(x->ctype = mime_clean(json_string_value(mt)))) {
		free(x->host);
		free(x->path);
		return -ENOMEM;
	}
	const json_t *c = json_object_get(e, "connection");
	if (!c || json_is_null(c) || (json_is_string(c) && !*json_string_value(c)))
		c = json_object_get(e, "_socket");
	int kr = 0;
	if (json_is_string(c) && *json_string_value(c))
		kr = (x->conn_key = strdup(json_string_value(c))) ? 0 : -1;
	else if (json_is_integer(c))
		kr = asprintf(&x->conn_key, "%lld", (long long)json_integer_value(c));
	if (kr < 0) {
		x->conn_key = NULL;
		free(x->host);
		free(x->path);
		free(x->ctype);
		return -ENOMEM;
	}
	const json_t *t = json_object_get(e, "startedDateTime");
	if (parse_time(json_string_value(t), &x->t_ns) < 0) {
		h->rep->warnings[IMPORT_WARN_TIME]++;
		log_info("%s: log.entries[%zu]: startedDateTime unreadable: kept in file order",
			 h->name, i);
		x->t_ns = h->n ? h->e[h->n - 1].t_ns : INT64_MIN;
	}
	x->initiator = initiator_url(e);
	h->n++;
	return 0;
}

static int cmp_entry(const void *a, const void *b)
{
	const struct hentry *x = a, *y = b;
	if (x->t_ns != y->t_ns)
		return x->t_ns < y->t_ns ? -1 : 1;
	return (x->index > y->index) - (x->index < y->index);
}

static void link_entries(struct har *h)
{
	size_t nconn = 0;
	for (size_t k = 0; k < h->n; k++) {
		struct hentry *x = &h->e[k];
		x->parent = k ? 0 : -1;
		x->conn = -1;
		if (x->conn_key) {
			int other_host = 0;
			for (size_t j = 0; j < k && x->conn < 0; j++) {
				if (!h->e[j].conn_key || strcmp(h->e[j].conn_key, x->conn_key))
					continue;
				if (!strcmp(h->e[j].host, x->host))
					x->conn = h->e[j].conn;
				else
					other_host = 1;
			}
			if (x->conn < 0) {
				x->conn = (int)nconn++;
				if (other_host) {
					h->rep->warnings[IMPORT_WARN_CONN_SPLIT]++;
					log_info("%s: log.entries[%zu]: connection %s also carries other hosts: conn %d for %s",
						 h->name, x->index, x->conn_key, x->conn, x->host);
				}
			}
		}
		if (k == 0 || !x->initiator)
			continue;
		size_t j = k;
		while (j-- > 0)
			if (!strcmp(h->e[j].url, x->initiator))
				break;
		if (j < k) {
			x->parent = (int)j;
			h->rep->parent_initiator++;
		} else {
			h->rep->warnings[IMPORT_WARN_INITIATOR]++;
			log_info("%s: log.entries[%zu]: initiator %.80s is not an earlier entry: parent = root",
				 h->name, x->index, x->initiator);
		}
	}
}

/* Picks the page; sets *id (NULL: all entries) and the metadata. */
static int choose_page(struct har *h, const json_t *log, const struct import_opts *o,
		       struct page *p, const char **id)
{
	const json_t *pages = json_object_get(log, "pages");
	size_t np = json_is_array(pages) ? json_array_size(pages) : 0;
	size_t want = o->page > 0 ? (size_t)o->page : 1;
	*id = NULL;
	if (want > (np ? np : 1)) {
		log_err("%s: --page: %zu is out of range (the file has %zu page%s)", h->name,
			want, np, np == 1 ? "" : "s");
		return -EINVAL;
	}
	const json_t *pg = np ? json_array_get(pages, want - 1) : NULL;
	if (pg) {
		*id = json_string_value(json_object_get(pg, "id"));
		if (!*id) {
			log_err("%s: log.pages[%zu].id: missing or not a string", h->name, want - 1);
			return -EINVAL;
		}
		const char *d = json_string_value(json_object_get(pg, "startedDateTime"));
		int64_t ns;
		if (d && parse_time(d, &ns) == 0 && !(p->date = strndup(d, 10)))
			return -ENOMEM;
	}
	const json_t *cr = json_object_get(log, "creator");
	const char *cn = json_string_value(json_object_get(cr, "name"));
	const char *cv = json_string_value(json_object_get(cr, "version"));
	char *src;
	if (asprintf(&src, "%s, HAR by %s %s, page %s (%zu of %zu)", import_basename(h->name),
		     cn ? cn : "unknown", cv ? cv : "", *id ? *id : "-", want, np) < 0)
		return -ENOMEM;
	import_text_clean(src);
	int rc = page_set_str(&p->source, src);
	free(src);
	return rc;
}

static int build(struct har *h, struct page *p)
{
	for (size_t k = 0; k < h->n; k++) {
		struct hentry *x = &h->e[k];
		char id[24];
		snprintf(id, sizeof(id), "%zu", k);
		struct page_res r;
		page_res_init(&r);
		r.id = id;
		r.parent = x->parent;
		r.path = x->path;
		r.body_bytes = x->body;
		r.wire_bytes = x->wire;
		r.enc = x->enc;
		r.req_bytes = x->req;
		r.ctype = x->ctype;
		r.conn = x->conn;
		if (page_add(p, &r, x->host) < 0)
			return -ENOMEM;
	}
	if (!p->date && h->n && h->e[0].t_ns != INT64_MIN) {
		time_t t = (time_t)(h->e[0].t_ns / 1000000000);
		struct tm tm;
		char d[16];
		if (gmtime_r(&t, &tm) && strftime(d, sizeof(d), "%Y-%m-%d", &tm) == 10 &&
		    page_set_str(&p->date, d) < 0)
			return -ENOMEM;
	}
	/* (a note is one line of free text) */
	int rc = page_add_note(p, "wire sizes: response.bodySize (bytes transferred), else _transferSize - headersSize, content.size, _objectSize, _bytesIn");
	if (rc == 0)
		rc = page_add_note(p, "decoded sizes: content.size, else the wire size; encoding: Content-Encoding if gzip, deflate, br or zstd, else identity (one size: the wire size)");
	if (rc == 0)
		rc = page_add_note(p, "parents: _initiator naming an earlier entry, else the root; request bytes: request.headersSize + bodySize, else estimated");
	if (rc == 0)
		rc = page_add_note(p, "entries %zu, kept %zu, skipped: data %zu, blob %zu, other scheme %zu, failed %zu; size fallbacks %zu, sizes unknown %zu, sizes differing without Content-Encoding %zu",
				   h->rep->entries, h->n, h->rep->skipped[IMPORT_SKIP_DATA],
				   h->rep->skipped[IMPORT_SKIP_BLOB], h->rep->skipped[IMPORT_SKIP_SCHEME],
				   h->rep->skipped[IMPORT_SKIP_FAILED],
				   h->rep->warnings[IMPORT_WARN_SIZE_FALLBACK],
				   h->rep->warnings[IMPORT_WARN_SIZE_UNKNOWN],
				   h->rep->warnings[IMPORT_WARN_SIZE_MISMATCH]);
	return rc;
}

int import_har(const char *name, const char *buf, size_t len,
	       const struct import_opts *o, struct page **built,
	       struct import_report *rep)
{
	struct har h = { .name = name, .rep = rep };
	json_error_t jerr;
	json_t *root = json_loadb(buf, len, 0, &jerr);
	struct page *p = NULL;
	int rc = 0;
	if (!root) {
		log_err("%s:%d:%d: JSON error: %s", name, jerr.line, jerr.column, jerr.text);
		return -EINVAL;
	}
	const json_t *log = json_object_get(root, "log");
	const json_t *entries = json_object_get(log, "entries");
	if (!json_is_array(entries)) {
		log_err("%s: log.entries: missing or not an array (not a HAR file)", name);
		rc = -EINVAL;
		goto end;
	}
	const char *pid;
	if (!(p = import_page_new(name, o)) ||
	    !(h.e = calloc(json_array_size(entries) + 1, sizeof(*h.e)))) {
		rc = -ENOMEM;
		goto end;
	}
	if ((rc = choose_page(&h, log, o, p, &pid)) < 0)
		goto end;
	size_t i;
	const json_t *e;
	json_array_foreach(entries, i, e) {
		if (!json_is_object(e)) {
			herr(&h, i, "", "not an object");
			continue;
		}
		const char *ref = json_string_value(json_object_get(e, "pageref"));
		if (pid && (!ref || strcmp(ref, pid))) {
			rep->other_pages++;
			continue;
		}
		rep->entries++;
		if ((rc = read_entry(&h, i, e)) < 0)
			goto end;
	}
	if (h.n == 0 && !h.nerr) {
		log_err("%s: page %s: no entries to import (%zu read, all skipped)", name,
			pid ? pid : "-", rep->entries);
		rc = -EINVAL;
		goto end;
	}
	qsort(h.e, h.n, sizeof(*h.e), cmp_entry);
	link_entries(&h);
	if ((rc = build(&h, p)) < 0)
		goto end;
	for (int w = 0; w < IMPORT_WARN_N; w++)
		if (rep->warnings[w])
			log_warn("%s: %zu entr%s: %s%s", name, rep->warnings[w],
				 rep->warnings[w] == 1 ? "y" : "ies", import_warn_name(w),
				 log_verbose ? "" : " (-v lists them)");
	rep->kept = h.n;
	if (h.nerr > HAR_MAX_ERRORS)
		log_err("%s: %d more errors not shown", name, h.nerr - HAR_MAX_ERRORS);
	rc = h.nerr ? -EINVAL : 0;
end:
	if (rc == -ENOMEM)
		log_err("%s: out of memory", name);
	for (size_t k = 0; k < h.n; k++) {
		free(h.e[k].host);
		free(h.e[k].path);
		free(h.e[k].ctype);
		free(h.e[k].conn_key);
	}
	free(h.e);
	json_decref(root);
	if (rc == 0)
		*built = p;
	else
		page_free(p);
	return rc;
}
