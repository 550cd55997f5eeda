/*
 * Importing: format detection, shared helpers, and the final round trip
 * through the .page text that makes an imported page a checked page.
 */
#include "workloads/import.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "workloads/import_int.h"

/*
 * What a 2013 Chrome (25, the build of the reference pages) sent after the
 * request line and Host: header of a GET without cookies: 335 bytes.  With
 * the request line and Host the estimates for the reference pages run from
 * 370 bytes up to 2 kB (long ad query strings); the capture's real requests
 * (reference/captures), cookies and long Referers included, run 458 to 1014.  The fetcher pads each request to req_bytes,
 * so this sets how many bytes go up the 256 kbit/s link.
 */
#define IMPORT_TYPICAL_HEADERS                                                  \
	"Connection: keep-alive\r\n"                                            \
	"User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.22 "       \
	"(KHTML, like Gecko) Chrome/25.0.1364.172 Safari/537.22\r\n"            \
	"Accept: */*\r\n"                                                       \
	"Referer: http://www.example.com/\r\n"                                  \
	"Accept-Encoding: gzip,deflate,sdch\r\n"                                \
	"Accept-Language: en-US,en;q=0.8\r\n"                                   \
	"Accept-Charset: ISO-8859-1,utf-8;q=0.7,*;q=0.3\r\n"                    \
	"Cache-Control: max-age=0\r\n"                                          \
	"\r\n"

size_t import_typical_headers_len(void)
{
	return sizeof(IMPORT_TYPICAL_HEADERS) - 1;
}

uint32_t import_req_estimate(const char *host, const char *path)
{
	/* "GET <path> HTTP/1.1\r\n" "Host: <host>\r\n" + the typical block */
	size_t n = strlen("GET  HTTP/1.1\r\n") + strlen(path) +
		   strlen("Host: \r\n") + strlen(host) + import_typical_headers_len();
	return n > PAGE_MAX_REQ ? PAGE_MAX_REQ : (uint32_t)n;
}

static const char *const skip_names[IMPORT_SKIP_N] = {
	"data: URL", "blob: URL", "other scheme", "failed (status 0 or _error)",
	"extension URL", "websocket", "served from cache (--cache skip)",
};
static const char *const proto_names[IMPORT_PROTO_N] = { "HTTP/1.x", "h2", "h3", "unknown" };
static const char *const warn_names[IMPORT_WARN_N] = {
	"size from a fallback field", "size unknown (0)", "bad startedDateTime",
	"initiator not among entries (parent = root)", "not a GET",
	"request size clamped", "connection shared by hosts (split per host)",
	"wire size differs from content.size without Content-Encoding (wire size used)",
	"connection is the server port, not a connection id (ignored)",
	"URL fetched again (tfl-repeat=N added to the query)",
};

const char *import_proto_name(enum import_proto p)
{
	return (unsigned)p < IMPORT_PROTO_N ? proto_names[p] : "?";
}

const char *import_skip_name(enum import_skip s)
{
	return (unsigned)s < IMPORT_SKIP_N ? skip_names[s] : "?";
}

const char *import_warn_name(enum import_warn w)
{
	return (unsigned)w < IMPORT_WARN_N ? warn_names[w] : "?";
}

const char *import_basename(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

struct page *import_page_new(const char *file, const struct import_opts *o)
{
	if (o && o->name)
		return page_new(o->name);
	char *name = strdup(import_basename(file));
	if (!name)
		return NULL;
	char *dot = strrchr(name, '.');
	if (dot && dot != name)
		*dot = '\0';
	for (char *c = name; *c; c++)   /* a name is one word */
		if ((unsigned char)*c <= ' ' || *c == '#')
			*c = '_';
	struct page *p = page_new(*name ? name : "page");
	free(name);
	return p;
}

char *import_path_encode(const char *s, size_t len)
{
	char *out = malloc(len * 3 + 2), *o = out;
	if (!out)
		return NULL;
	if (len == 0 || s[0] != '/')
		*o++ = '/';
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c <= ' ' || c >= 0x7f)
			o += sprintf(o, "%%%02X", c);
		else
			*o++ = (char)c;
	}
	*o = '\0';
	return out;
}

void import_text_clean(char *s)
{
	char *o = s;
	for (char *c = s; *c; c++) {
		char ch = (unsigned char)*c < ' ' ? ' ' : *c;
		if (ch == '#' && (o == s || o[-1] == ' '))
			ch = '_';      /* would start a comment */
		if (ch == ' ' && (o == s || o[-1] == ' '))
			continue;
		*o++ = ch;
	}
	while (o > s && o[-1] == ' ')
		o--;
	*o = '\0';
}

enum fmt { FMT_UNKNOWN, FMT_HAR, FMT_MANIFEST, FMT_CAPTURE };

/* The importers, by the format detect() sees in their input. */
static const struct {
	const char *format;     /* import_report.format */
	int (*import)(const char *name, const char *buf, size_t len,
		      const struct import_opts *o, struct page **built,
		      struct import_report *rep);
} importers[] = {
	[FMT_HAR] = { "har", import_har },
	[FMT_MANIFEST] = { "manifest", import_manifest },
	[FMT_CAPTURE] = { "capture", import_capture },
};

static enum fmt detect(const char *buf, size_t len)
{
	static const char manifest[] = "id,parent,host,path,bytes,content_type,discovered_by,ref_offset";
	static const char capture[] = "seq,group,connection,";
	size_t i = 0;
	if (len >= 3 && !memcmp(buf, "\xef\xbb\xbf", 3))
		i = 3;        /* UTF-8 byte order mark */
	while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' || buf[i] == '\n'))
		i++;
	if (i < len && buf[i] == '{')
		return FMT_HAR;
	size_t rest = len - i;
	if (rest >= sizeof(manifest) - 1 && !memcmp(buf + i, manifest, sizeof(manifest) - 1) &&
	    (rest == sizeof(manifest) - 1 || buf[i + sizeof(manifest) - 1] == '\n' ||
	     buf[i + sizeof(manifest) - 1] == '\r'))
		return FMT_MANIFEST;
	if (rest >= sizeof(capture) - 1 && !memcmp(buf + i, capture, sizeof(capture) - 1))
		return FMT_CAPTURE;
	return FMT_UNKNOWN;
}

/* Write the built page as text and read it back: the result is checked. */
static int finish(const char *name, struct page *built, struct page **out)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f) {
		log_err("%s: open_memstream: %s", name, strerror(errno));
		return -ENOMEM;
	}
	int rc = page_write(built, f);
	if (fclose(f) != 0 && rc == 0)
		rc = -ENOMEM;
	if (rc == 0) {
		char *as = NULL;
		if (asprintf(&as, "%s (as .page)", name) < 0) {
			rc = -ENOMEM;
		} else {
			rc = page_parse_buf(as, text, len, out);
			free(as);
		}
	}
	free(text);
	return rc;
}

int import_buf(const char *name, const char *buf, size_t len,
	       const struct import_opts *o, struct page **out,
	       struct import_report *rep)
{
	struct import_report dummy;
	struct import_opts defaults = { 0 };
	struct page *built = NULL;
	int rc;
	if (!rep)
		rep = &dummy;
	if (!o)
		o = &defaults;
	memset(rep, 0, sizeof(*rep));
	enum fmt f = detect(buf, len);
	if (f == FMT_UNKNOWN) {
		log_err("%s: unknown format: expected a HAR file (JSON), a page manifest CSV "
			"(header id,parent,host,path,bytes,content_type,discovered_by,ref_offset) "
			"or a capture CSV (header seq,group,connection,...)", name);
		return -EINVAL;
	}
	rep->format = importers[f].format;
	rc = importers[f].import(name, buf, len, o, &built, rep);
	if (rc == 0 && o->date && (rc = page_set_str(&built->date, o->date)) < 0)
		log_err("%s: out of memory", name);
	if (rc == 0)
		rc = finish(name, built, out);
	page_free(built);
	return rc;
}

int import_read_file(const char *path, int missing_ok, char **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	*buf = NULL;
	*len = 0;
	if (!f) {
		int rc = -errno;
		if (!(missing_ok && rc == -ENOENT) && rc != -ENOMEM)
			log_err("%s: open: %s", path, strerror(-rc));
		return rc;
	}
	char *b = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;
	for (;;) {
		if (n + 1 >= cap) {   /* room for the NUL */
			/* HARs run to tens of MB; a GiB is not a page load */
			if (cap >= ((size_t)1 << 30)) {
				log_err("%s: too large to import (over 1 GiB)", path);
				rc = -EFBIG;
				break;
			}
			char *nb = realloc(b, cap = cap * 2 + 65536);
			if (!nb) {
				rc = -ENOMEM;
				break;
			}
			b = nb;
		}
		size_t got = fread(b + n, 1, cap - n - 1, f);
		n += got;
		if (got == 0) {
			if (ferror(f)) {
				rc = -EIO;
				log_err("%s: read: %s", path, strerror(errno));
			}
			break;
		}
	}
	fclose(f);
	if (rc < 0) {
		free(b);
		return rc;
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
}

int import_file(const char *path, const struct import_opts *o,
		struct page **out, struct import_report *rep)
{
	char *buf;
	size_t len;
	int rc = import_read_file(path, 0, &buf, &len);
	if (rc == 0) {
		rc = import_buf(path, buf, len, o, out, rep);
	} else {
		if (rc == -ENOMEM)
			log_err("%s: out of memory", path);
		if (rep)
			memset(rep, 0, sizeof(*rep));
	}
	free(buf);
	return rc;
}
