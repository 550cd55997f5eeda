/*
 * One HAR entry: its URL, whether it is kept, its sizes, cache state,
 * protocol and connection.  The rules are at the top of import_har.c.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common/log.h"
#include "workloads/import_har.h"

void har_err(struct har *h, size_t i, const char *field, const char *fmt, ...)
{
	if (++h->nerr > HAR_MAX_ERRORS)
		return;
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_err("%s: entry %zu: %s%s%s", h->name, i, field, *field ? ": " : "", msg);
}

int har_jnum(const json_t *v, long long *out)
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

int har_parse_time(const char *s, int64_t *ns)
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
	return !json_is_object(resp) || har_jnum(json_object_get(resp, "status"), &status) ||
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
	int has_cs = har_jnum(json_object_get(content, "size"), &cs) == 0 && cs >= 0;
	int has_tx = har_jnum(tj, &ts) == 0 && ts >= 0 &&
		     har_jnum(json_object_get(resp, "headersSize"), &hs) == 0 && hs >= 0 && ts >= hs;
	const char *src = NULL;
	x->wire = x->body = 0;
	x->enc = resp_enc(resp);
	if (har_jnum(json_object_get(resp, "bodySize"), &n) == 0 && n >= 0) {
		src = "response.bodySize";
	} else if (has_tx) {
		n = ts - hs;
		src = "_transferSize - response.headersSize";
	} else if (has_cs) {
		n = cs;
		src = "response.content.size";
	} else if (har_jnum(json_object_get(e, "_objectSize"), &n) == 0 && n >= 0) {
		src = "_objectSize";
	} else if (har_jnum(json_object_get(e, "_bytesIn"), &n) == 0 && n >= 0) {
		src = "_bytesIn";
	}
	if (!src) {
		h->rep->warnings[IMPORT_WARN_SIZE_UNKNOWN]++;
		log_info("%s: entry %zu: no size in any field: 0 bytes", h->name, i);
		return;
	}
	if (strcmp(src, "response.bodySize")) {
		h->rep->warnings[IMPORT_WARN_SIZE_FALLBACK]++;
		log_info("%s: entry %zu: no usable response.bodySize, size %lld from %s",
			 h->name, i, n, src);
	}
	if ((unsigned long long)n > PAGE_MAX_BODY) {
		har_err(h, i, src, "%lld is over the 1 GiB limit", n);
		return;
	}
	if (has_cs && (unsigned long long)cs > PAGE_MAX_BODY) {
		har_err(h, i, "response.content.size", "%lld is over the 1 GiB limit", cs);
		return;
	}
	x->wire = (uint64_t)n;
	x->body = has_cs ? (uint64_t)cs : x->wire;
	if (x->enc == PAGE_ENC_IDENTITY && x->body != x->wire) {
		h->rep->warnings[IMPORT_WARN_SIZE_MISMATCH]++;
		log_info("%s: entry %zu: %s %lld differs from response.content.size %lld "
			 "without Content-Encoding: %lld for both", h->name, i, src, n, cs, n);
		x->body = x->wire;
	}
}

static uint32_t pick_req(struct har *h, struct hentry *x, const json_t *req)
{
	long long hs = -1, bs = 0;
	uint64_t n;
	if (har_jnum(json_object_get(req, "headersSize"), &hs) == 0 && hs > 0) {
		n = (uint64_t)hs;
	} else {
		n = import_req_estimate(x->host, x->path);
		h->rep->req_estimated++;
	}
	if (har_jnum(json_object_get(req, "bodySize"), &bs) == 0 && bs > 0)
		n += (uint64_t)bs;
	if (n > PAGE_MAX_REQ) {
		h->rep->warnings[IMPORT_WARN_REQ_CLAMPED]++;
		n = PAGE_MAX_REQ;
	}
	return (uint32_t)n;
}

/* The URL's port: explicit, else 443 for https and 80 for http. */
static long url_port(const char *url, const char *scheme)
{
	const char *s = strstr(url, "://");
	long port = strcmp(scheme, "https") ? 80 : 443;
	if (!s)
		return port;
	s += 3;
	size_t alen = strcspn(s, "/?#");
	const char *colon = NULL;
	for (size_t k = 0; k < alen; k++)
		if (s[k] == ':')
			colon = s + k;
		else if (s[k] == ']' || s[k] == '@')
			colon = NULL;
	if (colon && colon + 1 < s + alen) {
		char *end;
		long v = strtol(colon + 1, &end, 10);
		if (end == s + alen && v > 0 && v < 65536)
			port = v;
	}
	return port;
}

/* The protocol in response.httpVersion (else request.httpVersion). */
static enum import_proto entry_proto(const json_t *req, const json_t *resp)
{
	const char *v = json_string_value(json_object_get(resp, "httpVersion"));
	if (!v || !*v)
		v = json_string_value(json_object_get(req, "httpVersion"));
	if (!v)
		return IMPORT_PROTO_UNKNOWN;
	if (!strcasecmp(v, "h2") || !strcasecmp(v, "http/2") || !strcasecmp(v, "http/2.0") ||
	    !strncasecmp(v, "spdy", 4))
		return IMPORT_PROTO_H2;
	if (!strcasecmp(v, "h3") || !strncasecmp(v, "h3-", 3) || !strcasecmp(v, "http/3") ||
	    !strcasecmp(v, "http/3.0") || !strncasecmp(v, "quic", 4))
		return IMPORT_PROTO_H3;
	if (!strncasecmp(v, "http/1.", 7) || !strcmp(v, "1.1") || !strcmp(v, "1.0"))
		return IMPORT_PROTO_H1;
	return IMPORT_PROTO_UNKNOWN;
}

/* Served from cache: _fromCache, or _transferSize 0 with bodySize 0, or
 * httpVersion "unknown" with no timings (none of connect, send, wait,
 * receive above 0). */
static bool entry_cached(const json_t *e, const json_t *resp)
{
	const json_t *fc = json_object_get(e, "_fromCache");
	if (!fc)
		fc = json_object_get(resp, "_fromCache");
	if (json_is_true(fc) || (json_is_string(fc) && *json_string_value(fc)))
		return true;
	long long ts = -1, bs = -1;
	const json_t *tj = json_object_get(resp, "_transferSize");
	if (har_jnum(tj ? tj : json_object_get(e, "_transferSize"), &ts) == 0 && ts == 0 &&
	    har_jnum(json_object_get(resp, "bodySize"), &bs) == 0 && bs == 0)
		return true;
	const char *v = json_string_value(json_object_get(resp, "httpVersion"));
	if (!v || strcasecmp(v, "unknown"))
		return false;
	static const char *const parts[] = { "connect", "send", "wait", "receive" };
	const json_t *t = json_object_get(e, "timings");
	for (size_t k = 0; k < sizeof(parts) / sizeof(parts[0]); k++) {
		long long ms;
		if (har_jnum(json_object_get(t, parts[k]), &ms) == 0 && ms > 0)
			return false;
		double d = json_number_value(json_object_get(t, parts[k]));
		if (d > 0)
			return false;
	}
	return true;
}

/* Every size field: a number, -1 (unknown) or more, at most 1 GiB. */
static void check_sizes(struct har *h, size_t i, const json_t *e, const json_t *req,
			const json_t *resp)
{
	static const struct { int where; const char *field, *key; } f[] = {
		{ 0, "request.headersSize", "headersSize" }, { 0, "request.bodySize", "bodySize" },
		{ 1, "response.headersSize", "headersSize" }, { 1, "response.bodySize", "bodySize" },
		{ 1, "response._transferSize", "_transferSize" }, { 2, "response.content.size", "size" },
		{ 3, "_transferSize", "_transferSize" },
	};
	const json_t *obj[4] = { req, resp, json_object_get(resp, "content"), e };
	for (size_t k = 0; k < sizeof(f) / sizeof(f[0]); k++) {
		const json_t *v = json_object_get(obj[f[k].where], f[k].key);
		long long n;
		if (!v || json_is_null(v))
			continue;
		if (har_jnum(v, &n) < 0)
			har_err(h, i, f[k].field, "not a number");
		else if (n < -1)
			har_err(h, i, f[k].field, "%lld is negative", n);
		else if ((unsigned long long)n > PAGE_MAX_BODY && n > 0)
			har_err(h, i, f[k].field, "%lld is over the 1 GiB limit", n);
	}
}

/* Which skip an entry's scheme means, or -1 for http and https. */
static int scheme_skip(const char *scheme, const json_t *e, const json_t *resp)
{
	long long st = 0;
	if (!strcmp(scheme, "data"))
		return IMPORT_SKIP_DATA;
	if (!strcmp(scheme, "blob"))
		return IMPORT_SKIP_BLOB;
	if (strstr(scheme, "extension"))
		return IMPORT_SKIP_EXTENSION;
	if (!strcmp(scheme, "ws") || !strcmp(scheme, "wss"))
		return IMPORT_SKIP_WEBSOCKET;
	if (strcmp(scheme, "http") && strcmp(scheme, "https"))
		return IMPORT_SKIP_SCHEME;
	const char *rt = json_string_value(json_object_get(e, "_resourceType"));
	if ((rt && !strcasecmp(rt, "websocket")) ||
	    (har_jnum(json_object_get(resp, "status"), &st) == 0 && st == 101))
		return IMPORT_SKIP_WEBSOCKET;
	return -1;
}

void har_entry_free(struct hentry *x)
{
	free(x->host);
	free(x->path);
	free(x->ctype);
	free(x->conn_key);
	x->host = x->path = x->ctype = x->conn_key = NULL;
}

int har_read_entry(struct har *h, size_t i, const json_t *e)
{
	char scheme[24];
	const json_t *req = json_object_get(e, "request");
	const json_t *resp = json_object_get(e, "response");
	const json_t *url = json_object_get(req, "url");
	if (!json_is_string(url) || !*json_string_value(url)) {
		har_err(h, i, "request.url", "missing, empty or not a string");
		return 0;
	}
	url_scheme(json_string_value(url), scheme, sizeof(scheme));
	int sk = scheme_skip(scheme, e, resp);
	if (sk >= 0) {
		h->rep->skipped[sk]++;
		return 0;
	}
	if (failed(e, resp)) {
		h->rep->skipped[IMPORT_SKIP_FAILED]++;
		return 0;
	}
	int nerr = h->nerr;
	check_sizes(h, i, e, req, resp);
	if (h->nerr > nerr)
		return 0;
	bool cached = entry_cached(e, resp);
	if (cached && h->o->cache_skip) {
		h->rep->skipped[IMPORT_SKIP_CACHED]++;
		return 0;
	}
	struct hentry *x = &h->e[h->n];
	memset(x, 0, sizeof(*x));
	x->index = i;
	x->url = json_string_value(url);
	x->cached = cached;
	x->proto = entry_proto(req, resp);
	int rc = url_split(x->url, &x->host, &x->path);
	if (rc == -ENOMEM)
		return rc;
	if (rc < 0) {
		har_err(h, i, "request.url", "\"%.60s\" has no host", x->url);
		return 0;
	}
	const json_t *m = json_object_get(req, "method");
	if (json_is_string(m) && strcmp(json_string_value(m), "GET")) {
		h->rep->warnings[IMPORT_WARN_METHOD]++;
		log_info("%s: entry %zu: %.20s replayed as a GET", h->name, i,
			 json_string_value(m));
	}
	long long cs = -1;
	if (cached && har_jnum(json_object_get(json_object_get(resp, "content"), "size"), &cs) == 0 &&
	    cs >= 0) {
		/* a cold load fetches it; only its content size is known */
		x->wire = x->body = (uint64_t)cs;
		x->enc = PAGE_ENC_IDENTITY;
	} else {
		pick_sizes(h, i, e, resp, x);
	}
	x->req = pick_req(h, x, req);
	const json_t *mt = json_object_get(json_object_get(resp, "content"), "mimeType");
	if (!json_is_string(mt) || !*json_string_value(mt))
		mt = json_object_get(e, "_contentType");
	if (!(x->ctype = mime_clean(json_string_value(mt)))) {
		har_entry_free(x);
		return -ENOMEM;
	}
	const json_t *c = json_object_get(e, "connection");
	bool from_conn = true;
	if (!c || json_is_null(c) || (json_is_string(c) && !*json_string_value(c))) {
		c = json_object_get(e, "_socket");
		from_conn = false;
	}
	int kr = 0;
	if (cached)   /* a cache hit used no connection */
		c = NULL;
	if (json_is_string(c) && *json_string_value(c))
		kr = (x->conn_key = strdup(json_string_value(c))) ? 0 : -1;
	else if (json_is_integer(c))
		kr = asprintf(&x->conn_key, "%lld", (long long)json_integer_value(c));
	if (kr < 0) {
		x->conn_key = NULL;
		har_entry_free(x);
		return -ENOMEM;
	}
	if (x->conn_key && from_conn) {
		char *end;
		long v = strtol(x->conn_key, &end, 10);
		x->conn_is_port = !*end && end != x->conn_key && v == url_port(x->url, scheme);
	}
	long long st = 0;
	const json_t *ru = json_object_get(resp, "redirectURL");
	if (har_jnum(json_object_get(resp, "status"), &st) == 0 && st >= 300 && st < 400 &&
	    json_is_string(ru) && *json_string_value(ru))
		x->redirect = json_string_value(ru);
	const json_t *t = json_object_get(e, "startedDateTime");
	if (har_parse_time(json_string_value(t), &x->t_ns) < 0) {
		h->rep->warnings[IMPORT_WARN_TIME]++;
		log_info("%s: entry %zu: startedDateTime unreadable: kept in file order",
			 h->name, i);
		x->t_ns = h->n ? h->e[h->n - 1].t_ns : INT64_MIN;
	}
	/* when the request went out and when it ended, for plan_rules */
	const json_t *tm = json_object_get(e, "timings");
	double before = 0, total = json_number_value(json_object_get(e, "time"));
	static const char *const pre[] = { "blocked", "dns", "connect" };
	for (size_t k = 0; k < 3; k++) {
		double v = json_number_value(json_object_get(tm, pre[k]));
		before += v > 0 && v < 1e9 ? v : 0;
	}
	x->send_ns = x->t_ns + (int64_t)(before * 1e6);
	x->end_ns = total > 0 && total < 1e9 ? x->t_ns + (int64_t)(total * 1e6) : -1;
	x->initiator = initiator_url(e);
	h->n++;
	return 0;
}
