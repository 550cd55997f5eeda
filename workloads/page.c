/*
 * A page in memory: lifetime, building, small queries and writing it out.
 * Parsing and checking live in page_parse.c.
 */
#include "workloads/page.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bodies/markup.h"
#include "common/log.h"

void page_res_init(struct page_res *r)
{
	memset(r, 0, sizeof(*r));
	r->parent = -1;
	r->host = -1;
	r->ref_offset = -1;
	r->wire_bytes = PAGE_WIRE_SAME;
	r->enc = PAGE_ENC_IDENTITY;
	r->conn = -1;
	r->group = -1;
	r->wait_head_group = -1;
	r->wait_done_group = -1;
}

static void res_release(struct page_res *r)
{
	free(r->id);
	free(r->path);
	free(r->ctype);
	free(r->via);
}

void page_free(struct page *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++)
		res_release(&p->res[i]);
	free(p->res);
	for (size_t i = 0; i < p->nhosts; i++)
		free(p->hosts[i]);
	free(p->hosts);
	for (size_t i = 0; i < p->nnotes; i++)
		free(p->notes[i]);
	free(p->notes);
	free(p->name);
	free(p->source);
	free(p->date);
	free(p->file);
	free(p);
}

struct page *page_new(const char *name)
{
	struct page *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	if (name && page_set_str(&p->name, name) < 0) {
		free(p);
		return NULL;
	}
	return p;
}

int page_set_str(char **field, const char *value)
{
	char *s = NULL;
	if (value && !(s = strdup(value)))
		return -ENOMEM;
	free(*field);
	*field = s;
	return 0;
}

int page_add_note(struct page *p, const char *fmt, ...)
{
	va_list ap;
	char *s;
	va_start(ap, fmt);
	int rc = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (rc < 0)
		return -ENOMEM;
	char **v = realloc(p->notes, (p->nnotes + 1) * sizeof(*v));
	if (!v) {
		free(s);
		return -ENOMEM;
	}
	p->notes = v;
	p->notes[p->nnotes++] = s;
	return 0;
}

/* Index of host in p->hosts, added when new; -ENOMEM.  Linear: pages have
 * tens of hosts. */
static int intern_host(struct page *p, const char *host)
{
	for (size_t i = 0; i < p->nhosts; i++)
		if (!strcmp(p->hosts[i], host))
			return (int)i;
	char **v = realloc(p->hosts, (p->nhosts + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	p->hosts = v;
	if (!(p->hosts[p->nhosts] = strdup(host)))
		return -ENOMEM;
	return (int)p->nhosts++;
}

static int dup_opt(char **dst, const char *src)
{
	*dst = NULL;
	if (src && !(*dst = strdup(src)))
		return -ENOMEM;
	return 0;
}

int page_add(struct page *p, const struct page_res *r, const char *host)
{
	if (p->n >= (size_t)INT32_MAX)
		return -ENOMEM;
	int h = intern_host(p, host);
	if (h < 0)
		return h;
	struct page_res *v = realloc(p->res, (p->n + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	p->res = v;
	struct page_res c = *r;
	c.host = h;
	if (c.wire_bytes == PAGE_WIRE_SAME)
		c.wire_bytes = c.body_bytes;
	if (dup_opt(&c.id, r->id) || dup_opt(&c.path, r->path) ||
	    dup_opt(&c.ctype, r->ctype) || dup_opt(&c.via, r->via)) {
		res_release(&c);
		return -ENOMEM;
	}
	p->res[p->n] = c;
	return (int)p->n++;
}

uint64_t page_total_bytes(const struct page *p)
{
	uint64_t sum = 0;
	for (size_t i = 0; i < p->n; i++)
		sum += p->res[i].body_bytes;
	return sum;
}

uint64_t page_total_wire(const struct page *p)
{
	uint64_t sum = 0;
	for (size_t i = 0; i < p->n; i++)
		sum += p->res[i].wire_bytes;
	return sum;
}

/* Index = enum page_enc; HTTP's own Content-Encoding tokens. */
static const char *const enc_names[PAGE_ENC_COUNT] = {
	[PAGE_ENC_IDENTITY] = "identity",
	[PAGE_ENC_GZIP] = "gzip",
	[PAGE_ENC_DEFLATE] = "deflate",
	[PAGE_ENC_BR] = "br",
	[PAGE_ENC_ZSTD] = "zstd",
};

const char *page_enc_name(enum page_enc e)
{
	return (unsigned)e < PAGE_ENC_COUNT ? enc_names[e] : "?";
}

int page_enc_parse(const char *s, size_t len)
{
	for (int e = 0; e < PAGE_ENC_COUNT; e++)
		if (strlen(enc_names[e]) == len && !memcmp(enc_names[e], s, len))
			return e;
	return -1;
}

uint64_t page_wire_offset(const struct page_res *r, uint64_t decoded_off)
{
	if (r->body_bytes == 0)
		return 0;
	/* Both are <= 2^30 (PAGE_MAX_BODY), so the product fits 64 bits. */
	return (decoded_off * r->wire_bytes + r->body_bytes - 1) / r->body_bytes;
}

enum markup_kind page_res_kind(const struct page *pg, size_t i)
{
	enum markup_kind k = markup_kind_of_ctype(pg->res[i].ctype);
	if (k != MARKUP_OTHER)
		return k;
	for (size_t j = 0; j < pg->n; j++)
		if (pg->res[j].parent == (int)i)
			return MARKUP_JS;
	return k;
}

void page_res_kinds(const struct page *pg, int *kind)
{
	for (size_t i = 0; i < pg->n; i++)
		kind[i] = markup_kind_of_ctype(pg->res[i].ctype);
	for (size_t j = 0; j < pg->n; j++)
		if (pg->res[j].parent >= 0 && kind[pg->res[j].parent] == MARKUP_OTHER)
			kind[pg->res[j].parent] = MARKUP_JS;
}

enum markup_via page_res_via(const struct page_res *r)
{
	if (r->ref_offset < 0 || (r->via && strcmp(r->via, "unknown") == 0))
		return MARKUP_VIA_END;
	if (r->via && strcmp(r->via, "css") == 0)
		return MARKUP_VIA_CSS;
	if (r->via && strcmp(r->via, "js") == 0)
		return MARKUP_VIA_JS;
	return MARKUP_VIA_HTML;
}

void page_use_decoded(struct page *p)
{
	for (size_t i = 0; i < p->n; i++) {
		p->res[i].wire_bytes = p->res[i].body_bytes;
		p->res[i].enc = PAGE_ENC_IDENTITY;
	}
}

int page_find_host(const struct page *p, const char *host)
{
	for (size_t i = 0; i < p->nhosts; i++)
		if (!strcmp(p->hosts[i], host))
			return (int)i;
	return -1;
}

int page_find_id(const struct page *p, const char *id)
{
	for (size_t i = 0; i < p->n; i++)
		if (!strcmp(p->res[i].id, id))
			return (int)i;
	return -1;
}

const char *page_host(const struct page *p, const struct page_res *r)
{
	if (r->host < 0 || (size_t)r->host >= p->nhosts)
		return "";
	return p->hosts[r->host];
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

/* Distinct values >= 0 of the int at byte offset off in each resource. */
static size_t count_distinct(const struct page *p, size_t off)
{
	int *v = malloc((p->n + 1) * sizeof(*v));
	size_t k = 0, d = 0;
	if (!v)
		return 0;
	for (size_t i = 0; i < p->n; i++) {
		int x = *(const int *)((const char *)&p->res[i] + off);
		if (x >= 0)
			v[k++] = x;
	}
	qsort(v, k, sizeof(*v), cmp_int);
	for (size_t i = 0; i < k; i++)
		if (i == 0 || v[i] != v[i - 1])
			d++;
	free(v);
	return d;
}

size_t page_count_conns(const struct page *p)
{
	return count_distinct(p, offsetof(struct page_res, conn));
}

size_t page_count_groups(const struct page *p)
{
	return count_distinct(p, offsetof(struct page_res, group));
}

static int str_eq(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return !strcmp(a, b);
}

int page_equal(const struct page *a, const struct page *b)
{
	if (!str_eq(a->name, b->name) || !str_eq(a->source, b->source) ||
	    !str_eq(a->date, b->date) || a->nnotes != b->nnotes || a->n != b->n)
		return 0;
	for (size_t i = 0; i < a->nnotes; i++)
		if (!str_eq(a->notes[i], b->notes[i]))
			return 0;
	for (size_t i = 0; i < a->n; i++) {
		const struct page_res *x = &a->res[i], *y = &b->res[i];
		if (!str_eq(x->id, y->id) || x->parent != y->parent ||
		    !str_eq(page_host(a, x), page_host(b, y)) ||
		    !str_eq(x->path, y->path) || x->body_bytes != y->body_bytes ||
		    x->req_bytes != y->req_bytes || !str_eq(x->ctype, y->ctype) ||
		    x->ref_offset != y->ref_offset || x->conn != y->conn ||
		    x->wire_bytes != y->wire_bytes || x->enc != y->enc ||
		    x->group != y->group ||
		    x->wait_head_group != y->wait_head_group ||
		    x->wait_done_group != y->wait_done_group ||
		    !str_eq(x->via, y->via))
			return 0;
	}
	return 1;
}

/* ---- writing ---- */

static int is_ws(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' ||
	       c == '\r';
}

/* A field the parser reads back as one token. */
static int token_ok(const char *s)
{
	if (!s || !*s || *s == '#')
		return 0;
	for (; *s; s++)
		if (is_ws((unsigned char)*s))
			return 0;
	return 1;
}

/* A value after "key=": non-empty, no whitespace ('#' is fine there). */
static int word_ok(const char *s)
{
	if (!s || !*s)
		return 0;
	for (; *s; s++)
		if (is_ws((unsigned char)*s))
			return 0;
	return 1;
}

/* Metadata text: one line, and no word starting with '#' (a comment). */
static int text_ok(const char *s)
{
	if (!s || !*s || is_ws((unsigned char)*s))
		return 0;
	for (const char *c = s; *c; c++) {
		if (*c == '\n' || *c == '\r')
			return 0;
		if (*c == '#' && is_ws((unsigned char)c[-1]))
			return 0;
	}
	return !is_ws((unsigned char)s[strlen(s) - 1]);
}

static int write_meta(const struct page *p, FILE *f)
{
	const char *bad = NULL;
	if (!p->name || !token_ok(p->name))
		bad = "name";
	else if (p->source && !text_ok(p->source))
		bad = "source";
	else if (p->date && !token_ok(p->date))
		bad = "date";
	for (size_t i = 0; !bad && i < p->nnotes; i++)
		if (!text_ok(p->notes[i]))
			bad = "note";
	if (bad) {
		log_err("page %s: %s: cannot be written (empty, or whitespace or '#' where the format does not allow it)",
			p->name ? p->name : "(unnamed)", bad);
		return -EINVAL;
	}
	fprintf(f, "# tfolab page; format: workloads/pages/README.md\n");
	fprintf(f, "name %s\n", p->name);
	if (p->source)
		fprintf(f, "source %s\n", p->source);
	if (p->date)
		fprintf(f, "date %s\n", p->date);
	for (size_t i = 0; i < p->nnotes; i++)
		fprintf(f, "note %s\n", p->notes[i]);
	fprintf(f, "# id parent host path body_bytes req_bytes ctype ref_offset [wire= enc= conn= group= wait_head= wait_done= via=]\n");
	return 0;
}

/* Whitespace would split the path: it goes out percent-encoded. */
static void write_path(const char *s, FILE *f)
{
	for (; *s; s++) {
		if (is_ws((unsigned char)*s))
			fprintf(f, "%%%02X", (unsigned char)*s);
		else
			fputc(*s, f);
	}
}

static int write_res(const struct page *p, size_t i, FILE *f)
{
	const struct page_res *r = &p->res[i];
	const char *bad = NULL;
	if (!token_ok(r->id) || !strcmp(r->id, "-") || !strcmp(r->id, "name") ||
	    !strcmp(r->id, "source") || !strcmp(r->id, "date") || !strcmp(r->id, "note"))
		bad = "id";   /* these would read back as metadata or "no parent" */
	else if (r->parent < -1 || r->parent >= (int)p->n || r->parent == (int)i)
		bad = "parent";
	else if (r->host < 0 || (size_t)r->host >= p->nhosts ||
		 !token_ok(p->hosts[r->host]) || strchr(p->hosts[r->host], '/'))
		bad = "host";
	else if (!r->path || r->path[0] != '/')
		bad = "path";
	else if (!token_ok(r->ctype))
		bad = "ctype";
	else if (r->via && !word_ok(r->via))
		bad = "via";
	if (bad) {
		log_err("page %s: resource %zu (%s): %s: cannot be written",
			p->name, i, r->id ? r->id : "?", bad);
		return -EINVAL;
	}
	fprintf(f, "%s %s %s ", r->id, r->parent < 0 ? "-" : p->res[r->parent].id,
		p->hosts[r->host]);
	write_path(r->path, f);
	fprintf(f, " %llu %u %s ", (unsigned long long)r->body_bytes, r->req_bytes,
		r->ctype);
	if (r->ref_offset < 0)
		fputc('-', f);
	else
		fprintf(f, "%lld", (long long)r->ref_offset);
	if (r->wire_bytes != r->body_bytes)
		fprintf(f, " wire=%llu", (unsigned long long)r->wire_bytes);
	if (r->enc != PAGE_ENC_IDENTITY)
		fprintf(f, " enc=%s", page_enc_name(r->enc));
	if (r->conn >= 0)
		fprintf(f, " conn=%d", r->conn);
	if (r->group >= 0)
		fprintf(f, " group=%d", r->group);
	if (r->wait_head_group >= 0)
		fprintf(f, " wait_head=%d", r->wait_head_group);
	if (r->wait_done_group >= 0)
		fprintf(f, " wait_done=%d", r->wait_done_group);
	if (r->via)
		fprintf(f, " via=%s", r->via);
	fputc('\n', f);
	return 0;
}

int page_write(const struct page *p, FILE *f)
{
	int rc = write_meta(p, f);
	for (size_t i = 0; rc == 0 && i < p->n; i++)
		rc = write_res(p, i, f);
	if (rc == 0 && (fflush(f) != 0 || ferror(f))) {
		log_err("page %s: write: %s", p->name, strerror(errno));
		rc = -EIO;
	}
	return rc;
}

int page_write_file(const struct page *p, const char *path)
{
	char *tmp;
	if (asprintf(&tmp, "%s.tmp.%ld", path, (long)getpid()) < 0)
		return -ENOMEM;
	FILE *f = fopen(tmp, "w");
	if (!f) {
		int rc = -errno;
		log_err("%s: fopen: %s", tmp, strerror(errno));
		free(tmp);
		return rc;
	}
	int rc = page_write(p, f);
	if (fclose(f) != 0 && rc == 0) {
		rc = -errno;
		log_err("%s: fclose: %s", tmp, strerror(errno));
	}
	if (rc == 0 && rename(tmp, path) != 0) {
		rc = -errno;
		log_err("%s: rename to %s: %s", tmp, path, strerror(errno));
	}
	if (rc != 0)
		unlink(tmp);
	free(tmp);
	return rc;
}
