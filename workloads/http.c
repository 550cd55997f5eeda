#include "workloads/http.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Chrome 25 (early 2013), the browser of the pages we replay. */
#define UA "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.22 " \
	   "(KHTML, like Gecko) Chrome/25.0.1364.97 Safari/537.22"

/* What Chrome sent as Accept for each kind of resource. */
static const char *accept_for(const char *ctype)
{
	if (!ctype)
		return "*/*";
	if (!strncmp(ctype, "text/html", 9))
		return "text/html,application/xhtml+xml,application/xml;"
		       "q=0.9,*/*;q=0.8";
	if (!strncmp(ctype, "text/css", 8))
		return "text/css,*/*;q=0.1";
	if (!strncmp(ctype, "image/", 6))
		return "image/webp,*/*;q=0.8";
	return "*/*";
}

static bool token_ok(const char *s)
{
	if (!s || !*s)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s <= 0x20 || *s == 0x7f)
			return false;
	return true;
}

/* X-Pad: <value>\r\n costs this much plus the value (at least 1 byte). */
#define PAD_HDR_FIXED 9

int http_request_build(const char *host, const char *path, const char *ctype,
		       size_t target, char **out, size_t *len)
{
	if (!token_ok(host) || !token_ok(path))
		return -EINVAL;
	const char *fmt = "GET %s HTTP/1.1\r\n"
			  "Host: %s\r\n"
			  "Connection:%*s\r\n"
			  "User-Agent: " UA "\r\n"
			  "Accept: %s\r\n"
			  "Accept-Encoding: identity\r\n"
			  "Accept-Language: en-US,en;q=0.8\r\n"
			  "%s%.*s%s"
			  "\r\n";
	const char *acc = accept_for(ctype);
	int base = snprintf(NULL, 0, fmt, path, host, 11, " keep-alive", acc,
			    "", 0, "", "");
	if (base < 0)
		return -EINVAL;
	size_t gap = target > (size_t)base ? target - (size_t)base : 0;
	/* Gaps too small for a header widen the optional whitespace before
	 * "keep-alive" (RFC 9110 OWS), which every server ignores. */
	size_t ows = gap < PAD_HDR_FIXED + 1 ? gap : 0;
	size_t padv = gap >= PAD_HDR_FIXED + 1 ? gap - PAD_HDR_FIXED : 0;
	size_t total = (size_t)base + gap;

	char *pad = NULL;
	if (padv) {
		pad = malloc(padv);
		if (!pad)
			return -ENOMEM;
		/* Letters, like the opaque cookies that make requests big. */
		for (size_t i = 0; i < padv; i++)
			pad[i] = (char)('a' + (i * 7 + 3) % 26);
	}
	char *buf = malloc(total + 1);
	if (!buf) {
		free(pad);
		return -ENOMEM;
	}
	int n = snprintf(buf, total + 1, fmt, path, host, (int)(11 + ows),
			 " keep-alive", acc, padv ? "X-Pad: " : "", (int)padv,
			 padv ? pad : "", padv ? "\r\n" : "");
	free(pad);
	if (n < 0 || (size_t)n != total) {
		free(buf);
		return -EINVAL;
	}
	*out = buf;
	*len = total;
	return 0;
}

/* Finds the end of the line starting at p; returns the index just past
 * '\n', or 0 if there is none before end.  *eol gets the content length. */
static size_t line_end(const char *p, const char *end, size_t *eol)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	if (!nl)
		return 0;
	size_t n = (size_t)(nl - p);
	if (n && p[n - 1] == '\r')
		n--;
	*eol = n;
	return (size_t)(nl - p) + 1;
}

static bool is_tchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || strchr("!#$%&'*+-.^_`|~", c);
}

static int parse_status(const char *p, size_t n, int *status,
			const char **reason)
{
	if (n < 12 || memcmp(p, "HTTP/1.", 7) || (p[7] != '0' && p[7] != '1') ||
	    p[8] != ' ') {
		*reason = "bad status line (expected HTTP/1.x NNN)";
		return -1;
	}
	for (int i = 9; i < 12; i++)
		if (p[i] < '0' || p[i] > '9') {
			*reason = "bad status code";
			return -1;
		}
	if (n > 12 && p[12] != ' ') {
		*reason = "bad status line (no space after the code)";
		return -1;
	}
	*status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
	if (*status < 100) {
		*reason = "bad status code";
		return -1;
	}
	return 0;
}

static int parse_length(const char *v, size_t n, uint64_t *out)
{
	if (!n || n > 18)   /* 18 digits cannot overflow 64 bits */
		return -1;
	uint64_t x = 0;
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -1;
		x = x * 10 + (uint64_t)(v[i] - '0');
	}
	*out = x;
	return 0;
}

int http_parse_head(const char *buf, size_t len, int *status,
		    uint64_t *content_length, const char **reason)
{
	const char *p = buf, *end = buf + len;
	size_t n, adv;
	bool have_len = false;
	uint64_t clen = 0;
	int st = 0;

	*reason = NULL;
	if (len > HTTP_HEAD_MAX)
		end = buf + HTTP_HEAD_MAX;
	if (!(adv = line_end(p, end, &n)))
		goto partial;
	if (parse_status(p, n, &st, reason))
		return -1;
	p += adv;
	for (;;) {
		if (!(adv = line_end(p, end, &n)))
			goto partial;
		if (n == 0) {
			p += adv;
			break;
		}
		if (p[0] == ' ' || p[0] == '\t') {
			*reason = "folded header line (obsolete, refused)";
			return -1;
		}
		size_t k = 0;
		while (k < n && is_tchar(p[k]))
			k++;
		if (k == 0 || k == n || p[k] != ':') {
			*reason = "bad header line (expected name: value)";
			return -1;
		}
		const char *v = p + k + 1, *ve = p + n;
		while (v < ve && (*v == ' ' || *v == '\t'))
			v++;
		while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
			ve--;
		for (const char *c = v; c < ve; c++)
			if (((unsigned char)*c < 0x20 && *c != '\t') ||
			    *c == 0x7f) {
				*reason = "control character in a header value";
				return -1;
			}
		if (k == 14 && !strncasecmp(p, "Content-Length", 14)) {
			uint64_t x;
			if (parse_length(v, (size_t)(ve - v), &x)) {
				*reason = "malformed Content-Length";
				return -1;
			}
			if (have_len && x != clen) {
				*reason = "conflicting Content-Length headers";
				return -1;
			}
			have_len = true;
			clen = x;
		} else if (k == 17 && !strncasecmp(p, "Transfer-Encoding", 17)) {
			*reason = "Transfer-Encoding (chunked) is not supported: "
				  "the origin must send Content-Length";
			return -1;
		}
		p += adv;
	}
	if (!have_len) {
		*reason = "missing Content-Length";
		return -1;
	}
	*status = st;
	*content_length = clen;
	return (int)(p - buf);

partial:
	if (len >= HTTP_HEAD_MAX) {
		*reason = "response head larger than 16 KiB";
		return -1;
	}
	return -2;
}

int http_head_value(const char *buf, size_t len, const char *name,
		    char *out, size_t outlen)
{
	const char *p = buf, *end = buf + len;
	size_t n, adv, nl = strlen(name);
	out[0] = 0;
	if (!(adv = line_end(p, end, &n)))
		return 0;
	for (p += adv; (adv = line_end(p, end, &n)) && n > 0; p += adv) {
		if (n <= nl || p[nl] != ':' || strncasecmp(p, name, nl))
			continue;
		const char *v = p + nl + 1, *ve = p + n;
		while (v < ve && (*v == ' ' || *v == '\t'))
			v++;
		while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
			ve--;
		size_t k = (size_t)(ve - v) < outlen - 1 ? (size_t)(ve - v) : outlen - 1;
		memcpy(out, v, k);
		out[k] = 0;
		return 1;
	}
	return 0;
}

void http_resp_init(struct http_resp *r)
{
	r->encoding[0] = 0;
	r->status = 0;
	r->content_length = 0;
	r->head_bytes = 0;
	r->body_bytes = 0;
	r->total_bytes = 0;
	r->done = 0;
	r->reason = NULL;
	r->head_len = 0;
}

ssize_t http_resp_feed(struct http_resp *r, const char *buf, size_t len)
{
	size_t off = 0;

	if (r->reason)
		return -1;
	if (r->done)
		return 0;
	if (!r->head_bytes) {
		size_t old = r->head_len;
		size_t take = HTTP_HEAD_MAX - old;
		if (take > len)
			take = len;
		memcpy(r->head + old, buf, take);
		r->head_len += take;
		int h = http_parse_head(r->head, r->head_len, &r->status,
					&r->content_length, &r->reason);
		if (h == -2) {
			r->total_bytes += take;
			return -2;
		}
		if (h < 0)
			return -1;
		r->head_bytes = (size_t)h;
		http_head_value(r->head, r->head_bytes, "Content-Encoding",
				r->encoding, sizeof(r->encoding));
		off = (size_t)h - old;
		r->total_bytes += off;
	}
	uint64_t want = r->content_length - r->body_bytes;
	size_t take = len - off;
	if ((uint64_t)take > want)
		take = (size_t)want;
	r->body_bytes += take;
	r->total_bytes += take;
	off += take;
	if (r->body_bytes == r->content_length) {
		r->done = 1;
		return (ssize_t)off;
	}
	return -2;
}
