/*
 * Reading a .page file (format: workloads/pages/README.md).
 *
 * Two passes.  The first (here) reads line by line: metadata lines until
 * the first resource line, then one resource per line; a resource is kept
 * even when some of its fields are bad, so that its children do not cascade
 * into "no such parent" errors.  The second (page_check.c) checks what needs
 * the whole file: duplicate ids, parents, the root, reference offsets, wait
 * groups and cycles.  Every problem is reported (up to PARSE_MAX_ERRORS lines) as
 * FILE:LINE: FIELD: PROBLEM, and any problem fails the parse.
 */
#include "workloads/page.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "workloads/page_int.h"

#define MAX_TOKENS 32   /* fields of a resource line; a metadata value is exempt */
#define NFIELDS 8

static const char *const field_names[NFIELDS] = {
	"id", "parent", "host", "path", "bytes", "req_bytes", "ctype", "ref_offset",
};
static const char *const meta_keys[] = { "name", "source", "date", "note" };

struct tok {
	const char *s;
	size_t len;
};

void page_perr(struct parser *ps, int line, const char *field, const char *fmt, ...)
{
	if (++ps->nerr > PARSE_MAX_ERRORS)
		return;
	char msg[600];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line > 0)
		log_err("%s:%d: %s: %s", ps->name, line, field, msg);
	else
		log_err("%s: %s: %s", ps->name, field, msg);
}

const char *page_quote(const char *s, size_t len, char *buf, size_t size)
{
	size_t o = 0;
	buf[o++] = '"';
	for (size_t i = 0; i < len && o + 8 < size; i++) {
		unsigned char c = (unsigned char)s[i];
		if (i == 48) {
			o += (size_t)snprintf(buf + o, size - o, "...");
			break;
		}
		if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\')
			o += (size_t)snprintf(buf + o, size - o, "\\x%02x", c);
		else
			buf[o++] = (char)c;
	}
	buf[o++] = '"';
	buf[o] = '\0';
	return buf;
}
#define Q(t, buf) page_quote((t).s, (t).len, buf, sizeof(buf))

static int is_ws(int c)
{
	return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r';
}

static int tok_is(struct tok t, const char *s)
{
	return t.len == strlen(s) && !memcmp(t.s, s, t.len);
}

/* Unsigned decimal; -EINVAL not digits, -ERANGE over max. */
static int parse_uint(struct tok t, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	if (t.len == 0)
		return -EINVAL;
	for (size_t i = 0; i < t.len; i++)
		if (t.s[i] < '0' || t.s[i] > '9')
			return -EINVAL;
	for (size_t i = 0; i < t.len; i++) {
		unsigned d = (unsigned)(t.s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*out = v;
	return v > max ? -ERANGE : 0;
}

static int num_field(struct parser *ps, int line, const char *field, struct tok t,
		     uint64_t max, const char *limit, uint64_t *out)
{
	char qb[256];
	uint64_t v = 0;
	int rc = parse_uint(t, max, &v);
	if (rc == -EINVAL)
		page_perr(ps, line, field, "%s is not a number", Q(t, qb));
	else if (rc == -ERANGE)
		page_perr(ps, line, field, "%s is over the limit of %llu%s", Q(t, qb),
		     (unsigned long long)max, limit);
	else
		*out = v;
	return rc;
}

static char *tok_dup(struct tok t)
{
	return strndup(t.s, t.len);
}

/* ---- metadata ---- */

static int date_ok(struct tok t)
{
	/* YYYY, YYYY-MM or YYYY-MM-DD */
	if (t.len != 4 && t.len != 7 && t.len != 10)
		return 0;
	for (size_t i = 0; i < t.len; i++) {
		int dash = (i == 4 || i == 7);
		if (dash ? t.s[i] != '-' : (t.s[i] < '0' || t.s[i] > '9'))
			return 0;
	}
	return 1;
}

static int meta_line(struct parser *ps, int line, int key, struct tok *tk, size_t ntk)
{
	char qb[256];
	const char *field = meta_keys[key];
	if (key < 3) {
		if (ps->meta_line[key]) {
			page_perr(ps, line, field, "given twice (first on line %d)", ps->meta_line[key]);
			return 0;
		}
		ps->meta_line[key] = line;   /* a bad value is not also "missing" */
	}
	if (ntk < 2) {
		page_perr(ps, line, field, "missing value");
		return 0;
	}
	/* the value: from the second token to the end of the last one */
	struct tok v = { tk[1].s, (size_t)(tk[ntk - 1].s + tk[ntk - 1].len - tk[1].s) };
	char **dst = NULL;
	if (key == 0 || key == 2) {
		if (ntk > 2) {
			page_perr(ps, line, field, "%s is not one word", Q(v, qb));
			return 0;
		}
		if (key == 2 && !date_ok(v)) {
			page_perr(ps, line, field, "%s is not a date (use YYYY-MM-DD, YYYY-MM or YYYY)",
			     Q(v, qb));
			return 0;
		}
	}
	if (key < 3) {
		dst = key == 0 ? &ps->p->name : key == 1 ? &ps->p->source : &ps->p->date;
		if (!(*dst = tok_dup(v)))
			return -ENOMEM;
		return 0;
	}
	char *s = tok_dup(v);
	if (!s)
		return -ENOMEM;
	int rc = page_add_note(ps->p, "%s", s);
	free(s);
	return rc;
}

/* ---- one resource line ---- */

static int is_meta_key(struct tok t)
{
	for (size_t k = 0; k < sizeof(meta_keys) / sizeof(meta_keys[0]); k++)
		if (tok_is(t, meta_keys[k]))
			return (int)k;
	return -1;
}

static int extra_field(struct parser *ps, int line, struct tok t, struct page_res *r,
		       unsigned *seen)
{
	/* The int keys (conn and the groups) come first: they index dst below. */
	enum { X_CONN, X_GROUP, X_WAIT_HEAD, X_WAIT_DONE, X_VIA, X_WIRE, X_ENC, NKEYS };
	static const char *const keys[NKEYS] = {
		[X_CONN] = "conn", [X_GROUP] = "group", [X_WAIT_HEAD] = "wait_head",
		[X_WAIT_DONE] = "wait_done", [X_VIA] = "via", [X_WIRE] = "wire", [X_ENC] = "enc",
	};
	char qb[256];
	const char *eq = memchr(t.s, '=', t.len);
	if (!eq) {
		page_perr(ps, line, "extra", "%s is not key=value", Q(t, qb));
		return 0;
	}
	struct tok k = { t.s, (size_t)(eq - t.s) };
	struct tok v = { eq + 1, t.len - k.len - 1 };
	size_t i;
	for (i = 0; i < NKEYS; i++)
		if (tok_is(k, keys[i]))
			break;
	if (i == NKEYS) {
		page_perr(ps, line, "extra", "unknown key %s (known: conn group wait_head wait_done via wire enc)",
		     Q(k, qb));
		return 0;
	}
	if (*seen & (1u << i)) {
		page_perr(ps, line, keys[i], "given twice");
		return 0;
	}
	*seen |= 1u << i;
	if (i == X_VIA) {
		if (v.len == 0) {
			page_perr(ps, line, "via", "missing value");
			return 0;
		}
		return (r->via = tok_dup(v)) ? 0 : -ENOMEM;
	}
	uint64_t n;
	if (i == X_WIRE) {
		if (num_field(ps, line, "wire", v, PAGE_MAX_BODY, " (1 GiB)", &n) == 0)
			r->wire_bytes = n;
		return 0;
	}
	if (i == X_ENC) {
		int e = page_enc_parse(v.s, v.len);
		if (e < 0)
			page_perr(ps, line, "enc", "%s is not an encoding (use identity, gzip, "
				  "deflate, br or zstd)", Q(v, qb));
		else
			r->enc = (enum page_enc)e;
		return 0;
	}
	if (num_field(ps, line, keys[i], v, PAGE_MAX_GROUP, "", &n) < 0)
		return 0;
	int *dst[] = { [X_CONN] = &r->conn, [X_GROUP] = &r->group,
		       [X_WAIT_HEAD] = &r->wait_head_group, [X_WAIT_DONE] = &r->wait_done_group };
	*dst[i] = (int)n;
	return 0;
}

static int res_line(struct parser *ps, int line, struct tok *tk, size_t ntk)
{
	char qb[256];
	struct page_res r;
	page_res_init(&r);
	r.line = line;
	struct tok dash = { "-", 1 };
	struct tok f[NFIELDS];
	for (size_t i = 0; i < NFIELDS; i++)
		f[i] = i < ntk ? tk[i] : dash;
	if (ntk < NFIELDS)
		page_perr(ps, line, field_names[ntk],
		     "missing (a resource has %d fields: id parent host path bytes req_bytes ctype ref_offset)",
		     NFIELDS);

	if (tok_is(f[0], "-"))
		page_perr(ps, line, "id", "%s cannot be an id", Q(f[0], qb));
	if (ntk > 2 && memchr(f[2].s, '/', f[2].len))
		page_perr(ps, line, "host", "%s is not a host name", Q(f[2], qb));
	if (ntk > 3 && f[3].s[0] != '/')
		page_perr(ps, line, "path", "%s does not start with /", Q(f[3], qb));
	uint64_t v;
	if (ntk > 4 && num_field(ps, line, "bytes", f[4], PAGE_MAX_BODY, " (1 GiB)", &v) == 0)
		r.body_bytes = v;
	if (ntk > 5 && num_field(ps, line, "req_bytes", f[5], PAGE_MAX_REQ, " (1 MiB)", &v) == 0)
		r.req_bytes = (uint32_t)v;
	if (ntk > 7 && !tok_is(f[7], "-") && !tok_is(f[7], "-1") &&
	    num_field(ps, line, "ref_offset", f[7], PAGE_MAX_BODY, " (1 GiB)", &v) == 0)
		r.ref_offset = (int64_t)v;

	unsigned seen = 0;
	int rc = 0;
	for (size_t i = NFIELDS; rc == 0 && i < ntk; i++)
		rc = extra_field(ps, line, tk[i], &r, &seen);

	char *pid = NULL;
	if (rc == 0 && !tok_is(f[1], "-") && !(pid = tok_dup(f[1])))
		rc = -ENOMEM;
	char *host = rc == 0 ? tok_dup(f[2]) : NULL;
	if (rc == 0 && (!host || !(r.id = tok_dup(f[0])) || !(r.path = tok_dup(f[3])) ||
			!(r.ctype = tok_dup(f[6]))))
		rc = -ENOMEM;
	if (rc == 0) {
		char **v2 = realloc(ps->parent_id, (ps->p->n + 1) * sizeof(*v2));
		if (!v2)
			rc = -ENOMEM;
		else
			ps->parent_id = v2;
	}
	if (rc == 0 && (rc = page_add(ps->p, &r, host)) >= 0) {
		ps->parent_id[rc] = pid;
		pid = NULL;
		rc = 0;
	}
	free(pid);
	free(host);
	free(r.id);
	free(r.path);
	free(r.ctype);
	free(r.via);
	return rc;
}

/* ---- driver ---- */

/*
 * Splits one line (ll bytes, no newline) into blank-separated words up to a
 * word starting with '#'.  Returns how many went into tk, or MAX_TOKENS + 1
 * when a resource line has more.  A metadata line (its first word a
 * metadata key) has no limit: its value is one line of free text, so the
 * words past MAX_TOKENS - 1 widen the last slot to end where the last word
 * ends (meta_line takes the value from tk[1] to the end of tk[ntk - 1]).
 */
static size_t split_line(const char *s, size_t ll, struct tok *tk)
{
	size_t ntk = 0, i = 0;
	while (i < ll) {
		while (i < ll && is_ws((unsigned char)s[i]))
			i++;
		if (i >= ll || s[i] == '#')
			break;
		size_t b = i;
		while (i < ll && !is_ws((unsigned char)s[i]))
			i++;
		if (ntk == MAX_TOKENS) {
			if (is_meta_key(tk[0]) < 0)
				return MAX_TOKENS + 1;
			tk[MAX_TOKENS - 1].len = (size_t)(s + i - tk[MAX_TOKENS - 1].s);
			continue;
		}
		tk[ntk].s = s + b;
		tk[ntk++].len = i - b;
	}
	return ntk;
}

static int parse_lines(struct parser *ps, const char *buf, size_t len)
{
	int line = 0, rc = 0;
	int in_meta = 1;
	size_t pos = 0;
	while (rc == 0 && pos < len) {
		const char *s = buf + pos;
		const char *nl = memchr(s, '\n', len - pos);
		size_t ll = nl ? (size_t)(nl - s) : len - pos;
		pos += ll + (nl ? 1 : 0);
		line++;
		if (memchr(s, '\0', ll)) {
			page_perr(ps, line, "text", "the line holds a NUL byte");
			continue;
		}
		struct tok tk[MAX_TOKENS];
		size_t ntk = split_line(s, ll, tk);
		if (ntk == 0)
			continue;
		if (ntk > MAX_TOKENS) {
			page_perr(ps, line, "extra", "more than %d fields", MAX_TOKENS);
			continue;
		}
		int key = is_meta_key(tk[0]);
		if (key >= 0 && in_meta) {
			rc = meta_line(ps, line, key, tk, ntk);
			continue;
		}
		if (key >= 0) {
			page_perr(ps, line, meta_keys[key], "metadata must come before the resources");
			continue;
		}
		in_meta = 0;
		rc = res_line(ps, line, tk, ntk);
	}
	return rc;
}

int page_parse_buf(const char *name, const char *buf, size_t len, struct page **out)
{
	struct parser ps = { .name = name ? name : "(page)" };
	int rc = -ENOMEM;
	if (!(ps.p = page_new(NULL)) || !(ps.p->file = strdup(ps.name)))
		goto end;
	if ((rc = parse_lines(&ps, buf, len)) < 0)
		goto end;
	if (!ps.meta_line[0])
		page_perr(&ps, 0, "name", "missing (the file needs a \"name NAME\" line before the resources)");
	if (ps.p->n == 0) {
		page_perr(&ps, 0, "resources", "none (a page needs at least its root document)");
	} else {
		if ((rc = page_check(&ps)) < 0)
			goto end;
	}
	if (ps.nerr > PARSE_MAX_ERRORS)
		log_err("%s: %d more errors not shown", ps.name, ps.nerr - PARSE_MAX_ERRORS);
	rc = ps.nerr ? -EINVAL : 0;
end:
	if (rc == -ENOMEM)
		log_err("%s: out of memory", ps.name);
	if (ps.parent_id) {
		for (size_t i = 0; i < ps.p->n; i++)
			free(ps.parent_id[i]);
		free(ps.parent_id);
	}
	if (rc == 0)
		*out = ps.p;
	else
		page_free(ps.p);
	return rc;
}

int page_parse(const char *path, struct page **out)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		int rc = -errno;
		log_err("%s: open: %s", path, strerror(errno));
		return rc;
	}
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int rc = 0;
	for (;;) {
		if (len + 65536 > cap) {
			char *nb = cap > (size_t)1 << 30 ? NULL : realloc(buf, cap = cap * 2 + 65536);
			if (!nb) {
				rc = -ENOMEM;
				log_err("%s: too large to read", path);
				break;
			}
			buf = nb;
		}
		size_t got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (got == 0) {
			if (ferror(f)) {
				rc = -EIO;
				log_err("%s: read: %s", path, strerror(errno));
			}
			break;
		}
	}
	fclose(f);
	if (rc == 0)
		rc = page_parse_buf(path, buf, len, out);
	free(buf);
	return rc;
}
