/*
 * The whole-file checks of a parsed page (the second pass of page_parse):
 * duplicate ids, parent references, the root, reference offsets, wait
 * groups, one host per connection, and cycles through parents and group
 * waits.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "workloads/page_int.h"

struct tok {
	const char *s;
	size_t len;
};
#define Q(t, buf) page_quote((t).s, (t).len, buf, sizeof(buf))

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
			page_perr(ps, b->line, "id", "%s is already used on line %d", Q(t, qb), a->line);
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
			page_perr(ps, p->res[i].line, "parent", "%s is not the id of any resource", Q(t, qb));
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
		page_perr(ps, root->line, "parent",
		     "the first resource is the root document and has no parent");
	if (root->wait_head_group >= 0 || root->wait_done_group >= 0)
		page_perr(ps, root->line, root->wait_head_group >= 0 ? "wait_head" : "wait_done",
		     "the first resource is the root document and waits for nothing");
	for (size_t i = 0; i < p->n; i++) {
		struct page_res *r = &p->res[i];
		/* An unencoded body is its own wire form: two sizes for it
		 * would be two truths. */
		if (r->enc == PAGE_ENC_IDENTITY && r->wire_bytes != r->body_bytes)
			page_perr(ps, r->line, "wire", "%llu differs from bytes (%llu) but enc is identity "
				  "(give enc=gzip, or drop wire=)", (unsigned long long)r->wire_bytes,
				  (unsigned long long)r->body_bytes);
		if (r->ref_offset < 0)
			continue;
		if (!ps->parent_id[i])
			page_perr(ps, r->line, "ref_offset", "%lld given but there is no parent",
			     (long long)r->ref_offset);
		else if (r->parent >= 0 && (uint64_t)r->ref_offset >= p->res[r->parent].body_bytes)
			page_perr(ps, r->line, "ref_offset", "%lld is not inside the parent's %llu bytes",
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
	page_perr(ps, at >= 0 ? p->res[at].line : 0, field, "cycle: %s", path);
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
				page_perr(ps, r->line, k ? "wait_done" : "wait_head",
				     "no resource is in group %d", w[k]);
		}
	}
}

static int cmp_conn(const void *a, const void *b, void *arg)
{
	const struct page *p = arg;
	int x = *(const int *)a, y = *(const int *)b;
	int cx = p->res[x].conn, cy = p->res[y].conn;
	if (cx != cy)
		return (cx > cy) - (cx < cy);
	return (x > y) - (x < y);
}

/* A connection is to one server: every request on it has the same host. */
static int check_conns(struct parser *ps)
{
	struct page *p = ps->p;
	int *ord = malloc((p->n + 1) * sizeof(*ord));
	size_t k = 0;
	if (!ord)
		return -ENOMEM;
	for (size_t i = 0; i < p->n; i++)
		if (p->res[i].conn >= 0)
			ord[k++] = (int)i;
	qsort_r(ord, k, sizeof(*ord), cmp_conn, p);
	for (size_t i = 1, first = 0; i < k; i++) {
		const struct page_res *a = &p->res[ord[first]], *b = &p->res[ord[i]];
		if (a->conn != b->conn) {
			first = i;
			continue;
		}
		if (a->host != b->host)
			page_perr(ps, b->line, "conn", "connection %d carries requests to %s (line %d), not also to %s",
				  b->conn, p->hosts[a->host], a->line, p->hosts[b->host]);
	}
	free(ord);
	return 0;
}

int page_check(struct parser *ps)
{
	int rc = check_ids(ps);
	if (rc < 0)
		return rc;
	check_offsets(ps);
	check_waits(ps);
	if ((rc = check_conns(ps)) < 0)
		return rc;
	return check_cycles(ps);
}
