/*
 * The two CSV inputs of reference/: the page manifests in pages/ and the
 * Wireshark capture in captures/.  RFC 4180 quoting ("a,b", "" for a
 * quote) is understood; a quoted field may not span lines.
 *
 * Manifest: one row per saved file.  id, parent (-1 = root), ref_offset and
 * discovered_by (kept as via=) are taken as given; request bytes are not in
 * the data and come from import_req_estimate.  Provenance (repository,
 * commit, date) is read from the README.md next to the CSV.  bytes is the
 * decoded body (what ref_offset counts); the body as it crossed the network
 * comes from X.wire.csv beside X.csv (id,wire_bytes,encoding, one row per
 * manifest row, matched by id).  Without that file every body goes out
 * unencoded at its decoded size, and the page says so in a note.
 *
 * Capture: one row per request, replayed exactly: conn, group and waits as
 * given, body = response_bytes - response_header_bytes, request bytes as
 * given.  Those sizes are already what crossed the wire and the capture has
 * no decoded sizes, so each body is replayed unencoded at that size.  No row
 * has a parent (the group waits order them); seq 0, the first row, is the
 * root document.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "workloads/import_int.h"

#define CSV_MAX_ERRORS 20
#define CSV_MAX_FIELDS 16

struct csv {
	const char *name;
	const char *buf;
	size_t len, pos;
	int line;
	int nerr;
	char *scratch;            /* unquoted fields of the current row */
	char *f[CSV_MAX_FIELDS];
	size_t nf;
};

static void cerr(struct csv *c, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void cerr(struct csv *c, const char *field, const char *fmt, ...)
{
	if (++c->nerr > CSV_MAX_ERRORS)
		return;
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_err("%s:%d: %s: %s", c->name, c->line, field, msg);
}

/*
 * Reads the next non-empty line into c->f.  Returns 1 with a row, 0 at the
 * end, -ENOMEM.  A row with bad quoting is reported and gives nf = 0.
 */
static int csv_next(struct csv *c)
{
	while (c->pos < c->len) {
		const char *s = c->buf + c->pos;
		const char *nl = memchr(s, '\n', c->len - c->pos);
		size_t ll = nl ? (size_t)(nl - s) : c->len - c->pos;
		c->pos += ll + (nl ? 1 : 0);
		c->line++;
		if (ll && s[ll - 1] == '\r')
			ll--;
		if (ll == 0)
			continue;
		free(c->scratch);
		if (!(c->scratch = malloc(ll + 1)))
			return -ENOMEM;
		char *o = c->scratch;
		size_t i = 0;
		c->nf = 0;
		for (;;) {
			if (c->nf == CSV_MAX_FIELDS) {
				cerr(c, "row", "more than %d fields", CSV_MAX_FIELDS);
				c->nf = 0;
				return 1;
			}
			c->f[c->nf++] = o;
			if (i < ll && s[i] == '"') {
				for (i++;; i++) {
					if (i >= ll) {
						cerr(c, "row", "a quoted field is not closed on its line");
						c->nf = 0;
						return 1;
					}
					if (s[i] == '"') {
						if (i + 1 < ll && s[i + 1] == '"')
							i++;
						else
							break;
					}
					*o++ = s[i];
				}
				i++;
				if (i < ll && s[i] != ',') {
					cerr(c, "row", "text after a closing quote");
					c->nf = 0;
					return 1;
				}
			} else {
				while (i < ll && s[i] != ',')
					*o++ = s[i++];
			}
			*o++ = '\0';
			if (i >= ll)
				break;
			i++;    /* the comma */
		}
		if (memchr(s, '\0', ll)) {
			cerr(c, "row", "the line holds a NUL byte");
			c->nf = 0;
		}
		return 1;
	}
	return 0;
}

static int csv_num(struct csv *c, const char *field, const char *s, int64_t min,
		   uint64_t max, int64_t *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (!*s || *end || s[0] == ' ' || s[0] == '+' || errno == ERANGE) {
		cerr(c, field, "\"%.40s\" is not a number", s);
		return -EINVAL;
	}
	if (v < min || (v >= 0 && (uint64_t)v > max)) {
		cerr(c, field, "%lld is out of range (%lld to %llu)", v, (long long)min,
		     (unsigned long long)max);
		return -ERANGE;
	}
	*out = v;
	return 0;
}

/* A token for the .page format: non-empty, no blanks, not a comment. */
static int csv_token(struct csv *c, const char *field, const char *s)
{
	int ok = *s && *s != '#';
	for (const char *p = s; ok && *p; p++)
		if ((unsigned char)*p <= ' ' || (!strcmp(field, "host") && *p == '/'))
			ok = 0;
	if (!ok)
		cerr(c, field, "\"%.40s\" is not a valid %s", s, field);
	return ok ? 0 : -EINVAL;
}

static int expect_header(struct csv *c, const char *want)
{
	int rc = csv_next(c);
	if (rc <= 0)
		return rc < 0 ? rc : -EINVAL;
	char *got = NULL;
	size_t glen = 0;
	FILE *f = open_memstream(&got, &glen);
	if (!f)
		return -ENOMEM;
	for (size_t i = 0; i < c->nf; i++)
		fprintf(f, "%s%s", i ? "," : "", c->f[i]);
	fclose(f);
	if (!got)
		return -ENOMEM;
	rc = strcmp(got, want) ? -EINVAL : 0;
	if (rc)
		cerr(c, "header", "expected \"%s\"", want);
	free(got);
	return rc;
}

/* ---- manifest ---- */

/* The text between "key `" and the next backquote in text, or NULL. */
static char *readme_field(const char *text, const char *key)
{
	const char *s = strstr(text, key);
	if (!s)
		return NULL;
	s += strlen(key);
	const char *e = strchr(s, '`');
	return e ? strndup(s, (size_t)(e - s)) : NULL;
}

/* The first YYYY-MM-DD in text, or NULL. */
static char *readme_date(const char *text)
{
	for (const char *s = text; *s; s++) {
		int ok = 1;
		for (int i = 0; ok && i < 10; i++)
			ok = (i == 4 || i == 7) ? s[i] == '-' : (s[i] >= '0' && s[i] <= '9');
		if (ok && (s == text || !(s[-1] >= '0' && s[-1] <= '9')) &&
		    !(s[10] >= '0' && s[10] <= '9'))
			return strndup(s, 10);
	}
	return NULL;
}

/* Provenance from the README.md beside the manifest; absent is fine, one
 * that cannot be read is an error (logged by import_read_file).  The
 * README's text (or NULL) is left in *readme_text for the caller. */
static int manifest_provenance(const char *name, struct page *p, char **readme_text)
{
	const char *base = import_basename(name);
	char *readme = NULL, *text = NULL, *repo = NULL, *commit = NULL, *src = NULL;
	size_t len;
	int rc = 0;
	if (asprintf(&readme, "%.*sREADME.md", (int)(base - name), name) < 0)
		return -ENOMEM;
	if ((rc = import_read_file(readme, 1, &text, &len)) < 0 && rc != -ENOENT) {
		free(readme);
		return rc;
	}
	rc = 0;   /* not there: no provenance */
	if (text) {
		repo = readme_field(text, "repository `");
		commit = readme_field(text, "commit `");
		if ((rc = page_set_str(&p->date, NULL)) == 0)
			p->date = readme_date(text);
	} else {
		log_warn("%s: no README.md beside it: the page records no repository or date", name);
	}
	if (repo && commit)
		rc = asprintf(&src, "%s, derived from GitHub %s commit %s", base, repo, commit);
	else
		rc = asprintf(&src, "%s", base);
	if (rc < 0) {
		rc = -ENOMEM;
	} else {
		import_text_clean(src);
		rc = page_set_str(&p->source, src);
	}
	free(src);
	free(readme);
	*readme_text = text;
	free(repo);
	free(commit);
	return rc;
}

/* "dir/x.csv" -> "dir/x.wire.csv"; a name not ending in .csv gets
 * ".wire.csv" appended.  NULL on ENOMEM. */
static char *wire_path(const char *name)
{
	size_t len = strlen(name);
	char *s = NULL;
	if (len > 4 && !strcmp(name + len - 4, ".csv"))
		len -= 4;
	return asprintf(&s, "%.*s.wire.csv", (int)len, name) < 0 ? NULL : s;
}

/*
 * The body sizes on the wire, from the .wire.csv beside the manifest
 * (header id,wire_bytes,encoding; one row per manifest row, same id, any
 * order).  Sets wire_bytes and enc of every resource of p.  Without the
 * file the page stays as built (wire = decoded, identity), *found = 0.
 * Every problem is logged as FILE:LINE: FIELD: PROBLEM: a row of the wire
 * file (bad number, unknown encoding or id, an id given twice, identity
 * with wire_bytes != bytes) names that file; a manifest row with no wire
 * row names the manifest.  Returns 0, -EINVAL after logging, -ENOMEM (not
 * logged), or the negative errno of reading the file (logged; a missing
 * file is not an error).
 */
static int manifest_wire(const char *name, struct page *p, int *found, size_t *nenc)
{
	char *path = wire_path(name), *text = NULL;
	int *seen = calloc(p->n + 1, sizeof(*seen));   /* wire line per resource */
	struct csv c = { .name = path };
	int rc = path && seen ? import_read_file(path, 1, &text, &c.len) : -ENOMEM;
	*found = text != NULL;
	*nenc = 0;
	if (rc < 0) {
		rc = rc == -ENOENT ? 0 : rc;
		goto end;
	}
	c.buf = text;
	if ((rc = expect_header(&c, "id,wire_bytes,encoding")) == -EINVAL && c.nerr == 0) {
		c.line = 1;
		cerr(&c, "header", "none (the file is empty)");
	}
	while (rc == 0 && (rc = csv_next(&c)) == 1) {
		rc = 0;
		if (c.nf == 0)
			continue;
		if (c.nf != 3) {
			cerr(&c, "row", "%zu fields, expected 3", c.nf);
			continue;
		}
		int64_t wire = 0;
		int i = page_find_id(p, c.f[0]);
		int e = page_enc_parse(c.f[2], strlen(c.f[2]));
		int bad = csv_num(&c, "wire_bytes", c.f[1], 0, PAGE_MAX_BODY, &wire) < 0;
		if (e < 0) {
			cerr(&c, "encoding", "\"%.20s\" is not an encoding (use identity or gzip; "
			     "also deflate, br, zstd)", c.f[2]);
			bad = 1;
		}
		if (i < 0) {
			cerr(&c, "id", "\"%.40s\" is not the id of any row of %s", c.f[0],
			     import_basename(name));
			continue;
		}
		if (seen[i]) {
			cerr(&c, "id", "\"%.40s\" is given twice (first on line %d)", c.f[0], seen[i]);
			continue;
		}
		seen[i] = c.line;
		if (bad)
			continue;
		struct page_res *r = &p->res[i];
		if (e == PAGE_ENC_IDENTITY && (uint64_t)wire != r->body_bytes) {
			cerr(&c, "wire_bytes", "%lld differs from the manifest's bytes (%llu) but the "
			     "encoding is identity", (long long)wire, (unsigned long long)r->body_bytes);
			continue;
		}
		r->wire_bytes = (uint64_t)wire;
		r->enc = (enum page_enc)e;
		*nenc += e != PAGE_ENC_IDENTITY;
	}
	/* every manifest row needs its wire row: reported on the manifest */
	const char *wire_base = import_basename(path);
	for (size_t i = 0; rc == 0 && i < p->n; i++) {
		if (seen[i])
			continue;
		c.name = name;
		c.line = p->res[i].line;
		cerr(&c, "id", "\"%.40s\" has no row in %s", p->res[i].id, wire_base);
	}
	if (c.nerr > CSV_MAX_ERRORS)
		log_err("%s: %d more errors not shown", path, c.nerr - CSV_MAX_ERRORS);
	if (rc == 0 && c.nerr)
		rc = -EINVAL;
end:
	free(c.scratch);   /* -ENOMEM: import_manifest says so */
	free(path);
	free(seen);
	free(text);
	return rc;
}

/* Sets the wire sizes and notes where they came from. */
static int manifest_wire_note(const char *name, struct page *p, const char *readme)
{
	size_t nenc = 0;
	int found = 0;
	int rc = manifest_wire(name, p, &found, &nenc);
	char *path = wire_path(name);
	const char *base = path ? import_basename(path) : NULL;
	if (rc == 0 && !path)
		rc = -ENOMEM;
	if (rc == 0 && !found) {
		log_warn("import: no %s beside %s; wire sizes = decoded sizes", base,
			 import_basename(name));
		rc = page_add_note(p, "wire sizes = decoded sizes: no %s beside the manifest, so every body goes out unencoded at its decoded size",
				   base);
	} else if (rc == 0) {
		/* the reference README says how its gzip sizes were made (a
		 * note is one line of free text) */
		int level6 = readme && strstr(readme, "gzip level 6");
		rc = page_add_note(p, "wire sizes (wire= enc=) from %s: %zu of %zu bodies encoded%s; bytes and ref_offset are decoded",
				   base, nenc, p->n, level6 ? " (gzip level 6, per the README beside it)" : "");
	}
	free(path);
	return rc;
}

int import_manifest(const char *name, const char *buf, size_t len,
		    const struct import_opts *o, struct page **built,
		    struct import_report *rep)
{
	struct csv c = { .name = name, .buf = buf, .len = len };
	struct page *p = import_page_new(name, o);
	char **parents = NULL;   /* parent id per resource; NULL = none */
	int rc = p ? expect_header(&c, "id,parent,host,path,bytes,content_type,discovered_by,ref_offset")
		   : -ENOMEM;
	while (rc == 0 && (rc = csv_next(&c)) == 1) {
		rc = 0;
		rep->entries++;
		if (c.nf == 0)
			continue;
		if (c.nf != 8) {
			cerr(&c, "row", "%zu fields, expected 8", c.nf);
			continue;
		}
		struct page_res r;
		page_res_init(&r);
		int64_t bytes = 0, off = -1;
		int bad = csv_token(&c, "id", c.f[0]);
		if (!bad && !strcmp(c.f[0], "-")) {
			cerr(&c, "id", "\"-\" cannot be an id");
			bad = 1;
		}
		/* A row with other bad fields is still added (and the import
		 * fails), so that its children find their parent. */
		csv_token(&c, "host", c.f[2]);
		csv_token(&c, "content_type", c.f[5]);
		csv_token(&c, "discovered_by", c.f[6]);
		csv_num(&c, "bytes", c.f[4], 0, PAGE_MAX_BODY, &bytes);
		csv_num(&c, "ref_offset", c.f[7], -1, PAGE_MAX_BODY, &off);
		if (bad)
			continue;
		if (page_find_id(p, c.f[0]) >= 0) {
			cerr(&c, "id", "\"%.40s\" is used twice", c.f[0]);
			continue;
		}
		r.id = c.f[0];
		r.ctype = c.f[5];
		r.via = strcmp(c.f[6], "root") ? c.f[6] : NULL;
		r.body_bytes = (uint64_t)bytes;
		r.ref_offset = off;
		r.line = c.line;
		if (!(r.path = import_path_encode(c.f[3], strlen(c.f[3])))) {
			rc = -ENOMEM;
			break;
		}
		r.req_bytes = import_req_estimate(c.f[2], r.path);
		rep->req_estimated++;
		char **np = realloc(parents, (p->n + 1) * sizeof(*np));
		if (np)
			parents = np;
		int idx = np ? page_add(p, &r, c.f[2]) : -ENOMEM;
		free(r.path);
		if (idx < 0 || (strcmp(c.f[1], "-1") && !(parents[idx] = strdup(c.f[1])))) {
			rc = -ENOMEM;
			break;
		}
		if (!strcmp(c.f[1], "-1"))
			parents[idx] = NULL;
	}
	if (rc == 0 && p->n == 0)
		cerr(&c, "rows", "none (a page needs at least its root document)");
	for (size_t i = 0; rc == 0 && i < p->n; i++) {
		if (!parents[i])
			continue;
		int j = page_find_id(p, parents[i]);
		c.line = p->res[i].line;
		if (j < 0)
			cerr(&c, "parent", "\"%.40s\" is not the id of any row", parents[i]);
		else if (j == (int)i)
			cerr(&c, "parent", "\"%.40s\" is the row's own id", parents[i]);
		p->res[i].parent = j;
	}
	if (rc == 0 && c.nerr == 0 && p->n > 0 && parents[0]) {
		c.line = p->res[0].line;
		cerr(&c, "parent", "the first row is the root document: its parent must be -1");
	}
	char *readme = NULL;
	if (rc == 0 && c.nerr == 0 && (rc = manifest_provenance(name, p, &readme)) == 0)
		rc = page_add_note(p, "request bytes are estimated (not in the data): GET request line + Host + %zu bytes of typical Chrome 25 headers",
				   import_typical_headers_len());
	if (rc == 0 && c.nerr == 0)
		rc = manifest_wire_note(name, p, readme);
	free(readme);
	if (rc == 0 && c.nerr)
		rc = -EINVAL;
	if (c.nerr > CSV_MAX_ERRORS)
		log_err("%s: %d more errors not shown", name, c.nerr - CSV_MAX_ERRORS);
	if (rc == -ENOMEM)
		log_err("%s: out of memory", name);
	for (size_t i = 0; parents && p && i < p->n; i++)
		free(parents[i]);
	free(parents);
	free(c.scratch);
	if (rc == 0) {
		rep->kept = p->n;
		*built = p;
	} else {
		page_free(p);
	}
	return rc;
}

/* ---- capture ---- */

int import_capture(const char *name, const char *buf, size_t len,
		   const struct import_opts *o, struct page **built,
		   struct import_report *rep)
{
	struct csv c = { .name = name, .buf = buf, .len = len };
	struct page *p = import_page_new(name, o);
	int rc = p ? expect_header(&c, "seq,group,connection,wait_head_of_group,"
				   "wait_completion_of_group,request_bytes,response_bytes,"
				   "response_header_bytes,status,content_type,method,host,path")
		   : -ENOMEM;
	while (rc == 0 && (rc = csv_next(&c)) == 1) {
		rc = 0;
		rep->entries++;
		if (c.nf == 0)
			continue;
		if (c.nf != 13) {
			cerr(&c, "row", "%zu fields, expected 13", c.nf);
			continue;
		}
		int64_t seq = 0, grp = 0, conn = 0, wh = 0, wd = 0, req = 0, resp = 0, hdr = 0, st = 0;
		int bad = csv_num(&c, "seq", c.f[0], 0, PAGE_MAX_GROUP, &seq) |
			  csv_num(&c, "group", c.f[1], 0, PAGE_MAX_GROUP, &grp) |
			  csv_num(&c, "connection", c.f[2], 0, PAGE_MAX_GROUP, &conn) |
			  csv_num(&c, "wait_head_of_group", c.f[3], -1, PAGE_MAX_GROUP, &wh) |
			  csv_num(&c, "wait_completion_of_group", c.f[4], -1, PAGE_MAX_GROUP, &wd) |
			  csv_num(&c, "request_bytes", c.f[5], 0, PAGE_MAX_REQ, &req) |
			  csv_num(&c, "response_bytes", c.f[6], 0, PAGE_MAX_BODY, &resp) |
			  csv_num(&c, "response_header_bytes", c.f[7], 0, PAGE_MAX_BODY, &hdr) |
			  csv_num(&c, "status", c.f[8], 0, 999, &st) |
			  csv_token(&c, "content_type", c.f[9]) | csv_token(&c, "host", c.f[11]);
		if (!bad && hdr > resp) {
			cerr(&c, "response_header_bytes", "%lld is more than response_bytes %lld",
			     (long long)hdr, (long long)resp);
			bad = 1;
		}
		if (!bad && rep->entries == 1 && seq != 0) {
			cerr(&c, "seq", "the first row must be seq 0, the root document");
			bad = 1;
		}
		char id[24];
		snprintf(id, sizeof(id), "%lld", (long long)seq);
		if (!bad && page_find_id(p, id) >= 0) {
			cerr(&c, "seq", "%s is used twice", id);
			bad = 1;
		}
		if (bad)
			continue;
		if (strcmp(c.f[10], "GET")) {
			rep->warnings[IMPORT_WARN_METHOD]++;
			log_warn("%s:%d: method: %.20s is replayed as a GET of the same size",
				 name, c.line, c.f[10]);
		}
		struct page_res r;
		page_res_init(&r);
		r.id = id;
		r.body_bytes = (uint64_t)(resp - hdr);
		r.req_bytes = (uint32_t)req;
		r.ctype = c.f[9];
		r.conn = (int)conn;
		r.group = (int)grp;
		r.wait_head_group = (int)wh;
		r.wait_done_group = (int)wd;
		r.line = c.line;
		if (!(r.path = import_path_encode(c.f[12], strlen(c.f[12]))) ||
		    page_add(p, &r, c.f[11]) < 0)
			rc = -ENOMEM;
		free(r.path);
	}
	if (rc == 0 && p->n == 0)
		cerr(&c, "rows", "none (a page needs at least its root document)");
	if (rc == 0) {
		char *src = NULL;
		if (asprintf(&src, "%s, a capture CSV: connections, groups and waits replayed exactly",
			     import_basename(name)) < 0) {
			rc = -ENOMEM;
		} else {
			import_text_clean(src);
			rc = page_set_str(&p->source, src);
			free(src);
		}
	}
	if (rc == 0)
		rc = page_add_note(p, "body bytes = response_bytes - response_header_bytes; no parents: group waits (wait_head: first %d bytes of every request of the group; wait_done: all of them completed) order the requests",
				   PAGE_HEAD_BYTES);
	if (rc == 0)
		rc = page_add_note(p, "sizes are as captured on the wire (the capture has no decoded sizes): each body is replayed unencoded at that size");
	if (rc == 0 && c.nerr)
		rc = -EINVAL;
	if (c.nerr > CSV_MAX_ERRORS)
		log_err("%s: %d more errors not shown", name, c.nerr - CSV_MAX_ERRORS);
	if (rc == -ENOMEM)
		log_err("%s: out of memory", name);
	free(c.scratch);
	if (rc == 0) {
		rep->kept = p->n;
		*built = p;
	} else {
		page_free(p);
	}
	return rc;
}
