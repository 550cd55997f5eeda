/*
 * Reading a .page file (format: workloads/pages/README.md).
 *
 * Two passes.  The first reads line by line: metadata lines until the first
 * resource line, then one resource per line; a resource is kept even when
 * some of its fields are bad, so that its children do not cascade into
 * "no such parent" errors.  The second pass checks what needs the whole
 * file: duplicate ids, parents, the root, reference offsets, wait groups and
 * cycles.  Every problem is reported (up to PARSE_MAX_ERRORS lines) as
 * FILE:LINE: FIELD: PROBLEM, and any problem fails the parse.
 */
#include "workloads/page.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/log.h"

#define PARSE_MAX_ERRORS 20
#define MAX_TOKENS 32
#define NFIELDS 8

static const char *const field_names[NFIELDS] = {
	"id", "parent", "host", "path", "bytes", "req_bytes", "ctype", "ref_offset",
};
static const char *const meta_keys[] = { "name", "source", "date", "note" };

struct tok {
	const char *s;
	size_t len;
};

struct parser {
	const char *name;
	int nerr;
	struct page *p;
	char **parent_id;   /* per resource: parent id as written, or NULL */
	int meta_line[3];   /* line of name, source, date */
};

static void perr(struct parser *ps, int line, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void perr(struct parser *ps, int line, const char *field, const char *fmt, ...)
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

/* "text" for messages: at most 48 bytes, non-printable bytes as \xHH. */
static const char *quote(const char *s, size_t len, char *buf, size_t size)
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
#define Q(t, buf) quote((t).s, (t).len, buf, sizeof(buf))

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
		perr(ps, line, field, "%s is not a number", Q(t, qb));
	else if (rc == -ERANGE)
		perr(ps, line, field, "%s is over the limit of %llu%s", Q(t, qb),
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
			perr(ps, line, field, "given twice (first on line %d)", ps->meta_line[key]);
			return 0;
		}
		ps->meta_line[key] = line;   /* a bad value is not also "missing" */
	}
	if (ntk < 2) {
		perr(ps, line, field, "missing value");
		return 0;
	}
	/* the value: from the second token to the end of the last one */
	struct tok v = { tk[1].s, (size_t)(tk[ntk - 1].s + tk[ntk - 1].len - tk[1].s) };
	char **dst = NULL;
	if (key == 0 || key == 2) {
		if (ntk > 2) {
			perr(ps, line, field, "%s is not one word", Q(v, qb));
			return 0;
		}
		if (key == 2 && !date_ok(v)) {
			perr(ps, line, field, "%s is not a date (use YYYY-MM-DD, YYYY-MM or YYYY)",
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
	static const char *const keys[] = { "conn", "group", "wait_head", "wait_done", "via" };
	char qb[256];
	const char *eq = memchr(t.s, '=', t.len);
	if (!eq) {
		perr(ps, line, "extra", "%s is not key=value", Q(t, qb));
		return 0;
	}
	struct tok k = { t.s, (size_t)(eq - t.s) };
	struct tok v = { eq + 1, t.len - k.len - 1 };
	size_t i;
	for (i = 0; i < 5; i++)
		if (tok_is(k, keys[i]))
			break;
	if (i == 5) {
		perr(ps, line, "extra", "unknown key %s (known: conn group wait_head wait_done via)",
		     Q(k, qb));
		return 0;
	}
	if (*seen & (1u << i)) {
		perr(ps, line, keys[i], "given twice");
		return 0;
	}
	*seen |= 1u << i;
	if (i == 4) {
		if (v.len == 0) {
			perr(ps, line, "via", "missing value");
			return 0;
		}
		return (r->via = tok_dup(v)) ? 0 : -ENOMEM;
	}
	uint64_t n;
	if (num_field(ps, line, keys[i], v, PAGE_MAX_GROUP, "", &n) < 0)
		return 0;
	int *dst[] = { &r->conn, &r->group, &r->wait_head_group, &r->wait_done_group };
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
		perr(ps, line, field_names[ntk],
		     "missing (a resource has %d fields: id parent host path bytes req_bytes ctype ref_offset)",
		     NFIELDS);

	if (tok_is(f[0], "-"))
		perr(ps, line, "id", "%s cannot be an id", Q(f[0], qb));
	if (ntk > 2 && memchr(f[2].s, '/', f[2].len))
		perr(ps, line, "host", "%s is not a host name", Q(f[2], qb));
	if (ntk > 3 && f[3].s[0] != '/')
		perr(ps, line, "path", "%s does not start with /", Q(f[3], qb));
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

/* ---- whole-file checks ---- */

static int cmp_id(const void *a, const void *b, void *arg)
{
	const struct page *p = arg;
	int x = *(const int *)a, y = *(const int *)b;
	int c = strcmp(p->res[x].id, p->res[y].id);
	return c ? c : (x > y) - (x < y);
}

/* Duplicate ids and parents; ids sorted for lookups. */
static int check_ids(struct parser *ps)
{
	struct page *p = ps->p;
	int *ord = malloc(p->n * sizeof(*ord));
	if (!ord)
		return -ENOMEM;
	for (size_t i = 0; i < p->n; i++)
		ord[i] = (int)i;
	qsort_r(ord, p->n, sizeof(*ord), cmp_id, p);
	for (size_t i = 1; i < p->n; i++) {
		struct page_res *a = &p->res[ord[i - 1]], *b = &p->res[ord[i]];
		if (!strcmp(a->id, b->id)) {
			char qb[256];
			struct tok t = { b->id, strlen(b->id) };
			perr(ps, b->line, "id", "%s is already used on line %d", Q(t, qb), a->line);
			ord[i] = ord[i - 1];   /* lookups find the first one */
		}
	}
	for (size_t i = 0; i < p->n; i++) {
		const char *pid = ps->parent_id[i];
		if (!pid)
			continue;
		size_t lo = 0, hi = p->n;
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;
			if (strcmp(p->res[ord[mid]].id, pid) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < p->n && !strcmp(p->res[ord[lo]].id, pid)) {
			p->res[i].parent = ord[lo];
		} else {
			char qb[256];
			struct tok t = { pid, strlen(pid) };
			perr(ps, p->res[i].line, "parent", "%s is not the id of any resource", Q(t, qb));
		}
	}
	free(ord);
	return 0;
}

static void check_offsets(struct parser *ps)
{
	struct page *p = ps->p;
	struct page_res *root = &p->res[0];
	if (ps->parent_id[0])
		perr(ps, root->line, "parent",
		     "the first resource is the root document and has no parent");
	if (root->wait_head_group >= 0 || root->wait_done_group >= 0)
		perr(ps, root->line, root->wait_head_group >= 0 ? "wait_head" : "wait_done",
		     "the first resource is the root document and waits for nothing");
	for (size_t i = 0; i < p->n; i++) {
		struct page_res *r = &p->res[i];
		if (r->ref_offset < 0)
			continue;
		if (!ps->parent_id[i])
			perr(ps, r->line, "ref_offset", "%lld given but there is no parent",
			     (long long)r->ref_offset);
		else if (r->parent >= 0 && (uint64_t)r->ref_offset >= p->res[r->parent].body_bytes)
			perr(ps, r->line, "ref_offset", "%lld is not inside the parent's %llu bytes",
			     (long long)r->ref_offset,
			     (unsigned long long)p->res[r->parent].body_bytes);
	}
}

/*
 * The graph of "may not start before": resource -> its parent, resource ->
 * the group it waits for, group -> each member.  Nodes 0..n-1 are resources,
 * n..n+ngroups-1 groups.  A cycle means the load can never finish.
 */
struct graph {
	size_t n, ngroups;
	int *gval;       /* sorted distinct group numbers */
	int *mstart;     /* CSR: members of group g are mem[mstart[g]..mstart[g+1]) */
	int *mem;
};

static int group_index(const struct graph *g, int val)
{
	size_t lo = 0, hi = g->ngroups;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (g->gval[mid] < val)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < g->ngroups && g->gval[lo] == val ? (int)lo : -1;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

static int graph_build(struct graph *g, const struct page *p)
{
	memset(g, 0, sizeof(*g));
	g->n = p->n;
	g->gval = malloc((p->n + 1) * sizeof(int));
	g->mstart = calloc(p->n + 2, sizeof(int));
	g->mem = malloc((p->n + 1) * sizeof(int));
	if (!g->gval || !g->mstart || !g->mem)
		return -ENOMEM;
	size_t k = 0;
	for (size_t i = 0; i < p->n; i++)
		if (p->res[i].group >= 0)
			g->gval[k++] = p->res[i].group;
	qsort(g->gval, k, sizeof(int), cmp_int);
	for (size_t i = 0; i < k; i++)
		if (i == 0 || g->gval[i] != g->gval[i - 1])
			g->gval[g->ngroups++] = g->gval[i];
	for (size_t i = 0; i < p->n; i++)
		if (p->res[i].group >= 0)
			g->mstart[group_index(g, p->res[i].group) + 1]++;
	for (size_t i = 0; i < g->ngroups; i++)
		g->mstart[i + 1] += g->mstart[i];
	int *fill = calloc(g->ngroups + 1, sizeof(int));
	if (!fill)
		return -ENOMEM;
	for (size_t i = 0; i < p->n; i++) {
		int gi = p->res[i].group >= 0 ? group_index(g, p->res[i].group) : -1;
		if (gi >= 0)
			g->mem[g->mstart[gi] + fill[gi]++] = (int)i;
	}
	free(fill);
	return 0;
}

static void graph_release(struct graph *g)
{
	free(g->gval);
	free(g->mstart);
	free(g->mem);
}

enum { E_PARENT, E_HEAD, E_DONE, E_MEMBER };

/* The e-th edge out of node u: target node, or -1 when there is none. */
static int graph_edge(const struct graph *g, const struct page *p, int u, int e, int *kind)
{
	if ((size_t)u < g->n) {
		const struct page_res *r = &p->res[u];
		int t = -1;
		*kind = e;
		if (e == E_PARENT)
			t = r->parent;
		else if (e == E_HEAD && r->wait_head_group >= 0)
			t = group_index(g, r->wait_head_group);
		else if (e == E_DONE && r->wait_done_group >= 0)
			t = group_index(g, r->wait_done_group);
		else
			return e > E_DONE ? -2 : -1;
		if (e != E_PARENT && t >= 0)
			t += (int)g->n;
		return t;
	}
	size_t gi = (size_t)u - g->n;
	*kind = E_MEMBER;
	if (e >= g->mstart[gi + 1] - g->mstart[gi])
		return -2;
	return g->mem[g->mstart[gi] + e];
}

static void report_cycle(struct parser *ps, const struct graph *g, const int *stack,
			 const int *ekind, size_t from, size_t top)
{
	const struct page *p = ps->p;
	char path[400];
	size_t o = 0;
	int at = -1;
	const char *field = "parent";
	static const char *const kinds[] = { "parent", "wait_head", "wait_done" };
	for (size_t i = from; i <= top + 1 && o + 80 < sizeof(path); i++) {
		int u = stack[i > top ? from : i];
		if ((size_t)u < g->n) {
			o += (size_t)snprintf(path + o, sizeof(path) - o, "%s%.40s",
					      i > from ? " -> " : "", p->res[u].id);
			if (at < 0 && i <= top) {
				at = u;
				field = kinds[ekind[i]];
			}
		} else {
			o += (size_t)snprintf(path + o, sizeof(path) - o, "%sgroup %d",
					      i > from ? " -> " : "", g->gval[(size_t)u - g->n]);
		}
	}
	perr(ps, at >= 0 ? p->res[at].line : 0, field, "cycle: %s", path);
}

/* Iterative depth-first search, so that long chains cannot blow the stack. */
static int check_cycles(struct parser *ps)
{
	struct graph g;
	const struct page *p = ps->p;
	int rc = graph_build(&g, p);
	size_t nn = g.n + g.ngroups;
	unsigned char *color = calloc(nn + 1, 1);
	int *stack = malloc((nn + 1) * sizeof(int));
	int *next = malloc((nn + 1) * sizeof(int));
	int *ekind = malloc((nn + 1) * sizeof(int));   /* kind of the edge leaving stack[i] */
	if (rc < 0 || !color || !stack || !next || !ekind) {
		rc = -ENOMEM;
		goto end;
	}
	for (size_t s = 0; s < g.n; s++) {
		if (color[s])
			continue;
		size_t top = 0;
		stack[0] = (int)s;
		next[0] = 0;
		color[s] = 1;
		for (;;) {
			int u = stack[top], kind;
			int v = graph_edge(&g, p, u, next[top]++, &kind);
			if (v == -2) {          /* no more edges */
				color[u] = 2;
				if (top == 0)
					break;
				top--;
				continue;
			}
			if (v < 0)
				continue;
			ekind[top] = kind;
			if (color[v] == 1) {
				size_t from = top;
				while (stack[from] != v)
					from--;
				report_cycle(ps, &g, stack, ekind, from, top);
			} else if (color[v] == 0) {
				color[v] = 1;
				stack[++top] = v;
				next[top] = 0;
			}
		}
	}
end:
	free(color);
	free(stack);
	free(next);
	free(ekind);
	graph_release(&g);
	return rc;
}

static void check_waits(struct parser *ps)
{
	struct page *p = ps->p;
	for (size_t i = 0; i < p->n; i++) {
		const struct page_res *r = &p->res[i];
		int w[2] = { r->wait_head_group, r->wait_done_group };
		for (int k = 0; k < 2; k++) {
			if (w[k] < 0)
				continue;
			size_t j;
			for (j = 0; j < p->n && p->res[j].group != w[k]; j++)
				;
			if (j == p->n)
				perr(ps, r->line, k ? "wait_done" : "wait_head",
				     "no resource is in group %d", w[k]);
		}
	}
}

/* ---- driver ---- */

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
			perr(ps, line, "text", "the line holds a NUL byte");
			continue;
		}
		struct tok tk[MAX_TOKENS];
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
				ntk++;
				break;
			}
			tk[ntk].s = s + b;
			tk[ntk++].len = i - b;
		}
		if (ntk == 0)
			continue;
		if (ntk > MAX_TOKENS) {
			perr(ps, line, "extra", "more than %d fields", MAX_TOKENS);
			continue;
		}
		int key = is_meta_key(tk[0]);
		if (key >= 0 && in_meta) {
			rc = meta_line(ps, line, key, tk, ntk);
			continue;
		}
		if (key >= 0) {
			perr(ps, line, meta_keys[key], "metadata must come before the resources");
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
		perr(&ps, 0, "name", "missing (the file needs a \"name NAME\" line before the resources)");
	if (ps.p->n == 0) {
		perr(&ps, 0, "resources", "none (a page needs at least its root document)");
	} else {
		if ((rc = check_ids(&ps)) < 0)
			goto end;
		check_offsets(&ps);
		check_waits(&ps);
		if ((rc = check_cycles(&ps)) < 0)
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
