#include "workloads/sched.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bodies/markup.h"
#include "common/log.h"

enum { C_IDLE = 1, C_BUSY, C_CLOSED };

struct rstate {
	bool ready, sent, done;
	int64_t ready_ns;
	uint64_t resp, body;
	int conn;
};

struct cstate {
	int host;
	int plan;       /* index into s->plans, or -1 for a pooled one */
	int state;
	int served;
	int cur;        /* request in flight, or -1 */
};

/* One planned connection: its requests in page order. */
struct plan {
	int id;
	int host;
	int conn;       /* our connection id once opened, or -1 */
	size_t n, next;
	int *res;
};

/* When a resource may be requested, besides its group waits (sched.h). */
enum rel {
	REL_NONE,       /* no parent: at once */
	REL_OFFSET,     /* the parent has delivered ref_offset */
	REL_DONE,       /* the parent completed */
	REL_INLINE,     /* an inline script of the HTML parent at ref_offset ran */
	REL_END,        /* the HTML parent's end script ran */
	REL_SCRIPT,     /* the script parent ran */
};

struct sched {
	const struct page *pg;
	struct sched_opts o;
	enum rel *rule;         /* per resource: its release rule */
	bool *blocks;           /* per resource: blocks its document's scripts */
	struct rstate *r;
	int *plan_of;           /* per resource: plan index, or -1 */
	struct plan *plans;
	size_t nplans;
	struct cstate *c;       /* at most one connection per resource */
	int nconns;
	int *order;             /* resources in the order they became ready */
	size_t norder, ndone;
};

static const char *page_file(const struct page *pg)
{
	return pg->file ? pg->file : (pg->name ? pg->name : "page");
}

/* Has every member of group g passed its head (or completed, if done)? */
static bool group_ok(const struct page *pg, const struct rstate *r, int g,
		     bool need_done)
{
	for (size_t j = 0; j < pg->n; j++) {
		if (pg->res[j].group != g)
			continue;
		if (r[j].done)
			continue;
		if (need_done || r[j].resp < PAGE_HEAD_BYTES)
			return false;
	}
	return true;
}

/*
 * Has the parser of HTML document d got past every stylesheet and every
 * synchronous script referenced before position (off, before): offset <
 * off, or offset == off and index < before (markup places equal offsets
 * in page order)?  A parser-inserted script runs only once the
 * stylesheets before it have loaded and the scripts before it have run
 * (HTML: "a style sheet that is blocking scripts", and scripts run in
 * document order); an earlier script has run once it is done and the
 * same holds before it, so "done" of each suffices.
 */
static bool doc_clear(const struct sched *s, const struct rstate *r, int d,
		      int64_t off, size_t before)
{
	const struct page *pg = s->pg;
	for (size_t j = 0; j < pg->n; j++) {
		const struct page_res *y = &pg->res[j];
		if (!s->blocks[j] || y->parent != d || r[j].done)
			continue;
		if (y->ref_offset < off || (y->ref_offset == off && j < before))
			return false;
	}
	return true;
}

/* Has parent p delivered the bytes that carry decoded offset off?
 * ref_offset counts decoded bytes; body counts what the network
 * delivered, the wire form. */
static bool parsed_to(const struct sched *s, const struct rstate *r, int p, int64_t off)
{
	return r[p].done || r[p].body >= page_wire_offset(&s->pg->res[p], (uint64_t)off);
}

static bool deps_ok(const struct sched *s, const struct rstate *r, size_t i)
{
	const struct page *pg = s->pg;
	const struct page_res *x = &pg->res[i];
	int p = x->parent;
	bool ok = true;
	switch (s->rule[i]) {
	case REL_NONE:
		break;
	case REL_OFFSET:
		ok = parsed_to(s, r, p, x->ref_offset);
		break;
	case REL_DONE:
		ok = r[p].done;
		break;
	case REL_INLINE:
		ok = parsed_to(s, r, p, x->ref_offset) && doc_clear(s, r, p, x->ref_offset, i);
		break;
	case REL_END:
		ok = r[p].done && doc_clear(s, r, p, INT64_MAX, 0);
		break;
	case REL_SCRIPT:
		ok = r[p].done && (!s->blocks[p] || doc_clear(s, r, pg->res[p].parent,
							       pg->res[p].ref_offset, (size_t)p));
		break;
	}
	if (!ok)
		return false;
	if (x->wait_head_group >= 0 &&
	    !group_ok(pg, r, x->wait_head_group, false))
		return false;
	if (x->wait_done_group >= 0 &&
	    !group_ok(pg, r, x->wait_done_group, true))
		return false;
	return true;
}

/*
 * The release rule of every resource, and which ones block an HTML
 * parser's scripts, as a browser treats the page (sched.h; the same
 * reading as the bodies a real browser parses, workloads/origin_bodies.c):
 * a stylesheet or a <script src> the parser meets in an HTML document
 * (via html at an offset) blocks the scripts after it.  0, or -ENOMEM.
 */
static int rules_of(struct sched *s)
{
	const struct page *pg = s->pg;
	int *kind = calloc(pg->n, sizeof(int));
	if (!kind)
		return -ENOMEM;
	page_res_kinds(pg, kind);
	for (size_t i = 0; i < pg->n; i++) {
		const struct page_res *x = &pg->res[i];
		int via = page_res_via(x), pk = x->parent >= 0 ? kind[x->parent] : -1;
		enum rel rule = REL_OFFSET;
		if (x->parent < 0)
			rule = REL_NONE;
		else if (pk == MARKUP_JS && via == MARKUP_VIA_JS)
			rule = REL_SCRIPT;      /* a script's URLs: when it runs */
		else if (pk == MARKUP_HTML && via == MARKUP_VIA_END)
			rule = REL_END;         /* the end script */
		else if (pk == MARKUP_HTML && (via == MARKUP_VIA_JS ||
					       (via == MARKUP_VIA_HTML && kind[i] == MARKUP_OTHER)))
			rule = REL_INLINE;      /* an inline script at the offset */
		else if (x->ref_offset < 0 || via == MARKUP_VIA_JS)
			rule = REL_DONE;
		s->rule[i] = rule;
		s->blocks[i] = pk == MARKUP_HTML && via == MARKUP_VIA_HTML &&
			       (kind[i] == MARKUP_CSS || kind[i] == MARKUP_JS);
	}
	free(kind);
	return 0;
}

/*
 * Plays the load with every sent request completing at once.  Since a sent
 * request always completes, a resource this never reaches is one no real
 * load can reach either.
 */
static int check_reachable(struct sched *s)
{
	const struct page *pg = s->pg;
	struct rstate *r = calloc(pg->n, sizeof(*r));
	size_t *next = calloc(s->nplans + 1, sizeof(*next));
	int rc = 0;
	if (!r || !next) {
		rc = -ENOMEM;
		goto end;
	}
	for (bool progress = true; progress;) {
		progress = false;
		for (size_t i = 0; i < pg->n; i++) {
			int p = s->plan_of[i];
			if (r[i].done || !deps_ok(s, r, i))
				continue;
			if (p >= 0 && s->plans[p].res[next[p]] != (int)i)
				continue;
			if (p >= 0)
				next[p]++;
			r[i].done = true;
			progress = true;
		}
	}
	for (size_t i = 0; i < pg->n; i++)
		if (!r[i].done) {
			log_err("%s:%d: resource %s can never be requested "
				"(its parent, group waits, connection plan or "
				"script order wait on itself)", page_file(pg),
				pg->res[i].line, pg->res[i].id);
			rc = -EINVAL;
			break;
		}
end:
	free(r);
	free(next);
	return rc;
}

size_t sched_conns_bound(const struct page *pg, int host, const struct sched_opts *o)
{
	size_t free_res = 0, planned = 0;
	for (size_t i = 0; i < pg->n; i++) {
		const struct page_res *r = &pg->res[i];
		if (r->host != host)
			continue;
		if (!o->follow_plan || r->conn < 0) {
			free_res++;
			continue;
		}
		size_t j = 0;   /* counted once: at its first resource */
		while (j < i && !(pg->res[j].conn == r->conn && pg->res[j].host == host))
			j++;
		planned += j == i;
	}
	size_t pool = o->max_per_host > 0 ? (size_t)o->max_per_host : 6;
	size_t per = o->per_conn > 0 ? (size_t)o->per_conn : 0;
	return planned + (per ? (free_res + per - 1) / per : free_res < pool ? free_res : pool);
}

static int build_plans(struct sched *s)
{
	const struct page *pg = s->pg;
	for (size_t i = 0; i < pg->n; i++) {
		s->plan_of[i] = -1;
		int id = pg->res[i].conn;
		if (!s->o.follow_plan || id < 0)
			continue;
		size_t p = 0;
		while (p < s->nplans && s->plans[p].id != id)
			p++;
		if (p == s->nplans) {
			s->plans[p] = (struct plan){ .id = id,
				.host = pg->res[i].host, .conn = -1 };
			s->plans[p].res = calloc(pg->n, sizeof(int));
			if (!s->plans[p].res)
				return -ENOMEM;
			s->nplans++;
		}
		if (s->plans[p].host != pg->res[i].host) {
			log_err("%s:%d: resource %s: connection %d already "
				"carries requests to %s, not %s", page_file(pg),
				pg->res[i].line, pg->res[i].id, id,
				pg->hosts[s->plans[p].host],
				pg->hosts[pg->res[i].host]);
			return -EINVAL;
		}
		s->plans[p].res[s->plans[p].n++] = (int)i;
		s->plan_of[i] = (int)p;
	}
	return 0;
}

static int check_page(const struct page *pg)
{
	if (pg->n == 0) {
		log_err("%s: page has no resources", page_file(pg));
		return -EINVAL;
	}
	for (size_t i = 0; i < pg->n; i++) {
		const struct page_res *x = &pg->res[i];
		if (x->parent >= (int)pg->n || x->parent == (int)i ||
		    x->host < 0 ||
		    (size_t)x->host >= pg->nhosts) {
			log_err("%s:%d: resource %s: bad parent %d or host %d",
				page_file(pg), x->line, x->id, x->parent,
				x->host);
			return -EINVAL;
		}
	}
	return 0;
}

int sched_new(const struct page *pg, const struct sched_opts *o,
	      struct sched **out)
{
	int rc = check_page(pg);
	if (rc)
		return rc;
	struct sched *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->pg = pg;
	s->o = *o;
	if (s->o.max_per_host <= 0)
		s->o.max_per_host = 6;
	if (s->o.per_conn < 0)
		s->o.per_conn = 0;
	s->r = calloc(pg->n, sizeof(*s->r));
	s->plan_of = calloc(pg->n, sizeof(int));
	s->plans = calloc(pg->n, sizeof(*s->plans));
	s->c = calloc(pg->n, sizeof(*s->c));
	s->order = calloc(pg->n, sizeof(int));
	s->rule = calloc(pg->n, sizeof(*s->rule));
	s->blocks = calloc(pg->n, sizeof(bool));
	if (!s->r || !s->plan_of || !s->plans || !s->c || !s->order ||
	    !s->rule || !s->blocks) {
		rc = -ENOMEM;
		goto error;
	}
	if ((rc = rules_of(s)))
		goto error;
	for (size_t i = 0; i < pg->n; i++) {
		s->r[i].ready_ns = -1;
		s->r[i].conn = -1;
	}
	if ((rc = build_plans(s)) || (rc = check_reachable(s)))
		goto error;
	*out = s;
	return 0;
error:
	sched_free(s);
	return rc;
}

void sched_free(struct sched *s)
{
	if (!s)
		return;
	for (size_t p = 0; p < s->nplans; p++)
		free(s->plans[p].res);
	free(s->plans);
	free(s->plan_of);
	free(s->r);
	free(s->c);
	free(s->order);
	free(s->rule);
	free(s->blocks);
	free(s);
}

static int in_flight(struct sched *s, int res)
{
	if (res < 0 || (size_t)res >= s->pg->n || !s->r[res].sent ||
	    s->r[res].done)
		return -EINVAL;
	return 0;
}

int sched_on_bytes(struct sched *s, int res, uint64_t resp_bytes,
		   uint64_t body_bytes, uint64_t now_ns)
{
	if (in_flight(s, res))
		return -EINVAL;
	s->r[res].resp = resp_bytes;
	s->r[res].body = body_bytes;
	return 0;
}

int sched_on_done(struct sched *s, int res, uint64_t now_ns)
{
	if (in_flight(s, res))
		return -EINVAL;
	struct rstate *x = &s->r[res];
	x->done = true;
	s->ndone++;
	struct cstate *c = &s->c[x->conn];
	c->state = C_IDLE;
	c->cur = -1;
	if (c->plan >= 0)
		s->plans[c->plan].next++;
	return 0;
}

static void update_ready(struct sched *s, uint64_t now_ns)
{
	for (size_t i = 0; i < s->pg->n; i++)
		if (!s->r[i].ready && deps_ok(s, s->r, i)) {
			s->r[i].ready = true;
			s->r[i].ready_ns = (int64_t)now_ns;
			s->order[s->norder++] = (int)i;
		}
}

/* Should idle connection c go away now? */
static bool conn_spent(const struct sched *s, const struct cstate *c)
{
	if (s->ndone == s->pg->n)
		return true;
	if (c->plan >= 0)
		return s->plans[c->plan].next == s->plans[c->plan].n;
	return s->o.per_conn > 0 && c->served >= s->o.per_conn;
}

static int conn_open(struct sched *s, int host, int plan,
		     struct sched_action *a)
{
	int id = s->nconns++;
	s->c[id] = (struct cstate){ .host = host, .plan = plan,
		.state = C_IDLE, .cur = -1 };
	*a = (struct sched_action){ SCHED_OPEN, id, host, -1 };
	return 1;
}

static int conn_send(struct sched *s, int id, int res, struct sched_action *a)
{
	struct cstate *c = &s->c[id];
	c->state = C_BUSY;
	c->served++;
	c->cur = res;
	s->r[res].sent = true;
	s->r[res].conn = id;
	*a = (struct sched_action){ SCHED_SEND, id, c->host, res };
	return 1;
}

/* Places ready request i: on its planned connection, or from the pool. */
static int place(struct sched *s, int i, struct sched_action *a)
{
	int host = s->pg->res[i].host, p = s->plan_of[i];
	if (p >= 0) {
		struct plan *pl = &s->plans[p];
		if (pl->res[pl->next] != i)
			return 0;
		if (pl->conn < 0) {
			pl->conn = s->nconns;
			return conn_open(s, host, p, a);
		}
		if (s->c[pl->conn].state != C_IDLE)
			return 0;
		return conn_send(s, pl->conn, i, a);
	}
	int open = 0;
	for (int id = 0; id < s->nconns; id++) {
		struct cstate *c = &s->c[id];
		if (c->plan >= 0 || c->host != host || c->state == C_CLOSED)
			continue;
		open++;
		if (c->state == C_IDLE && !conn_spent(s, c))
			return conn_send(s, id, i, a);
	}
	if (open < s->o.max_per_host)
		return conn_open(s, host, -1, a);
	return 0;
}

int sched_next(struct sched *s, uint64_t now_ns, struct sched_action *a)
{
	update_ready(s, now_ns);
	for (int id = 0; id < s->nconns; id++) {
		struct cstate *c = &s->c[id];
		if (c->state == C_IDLE && conn_spent(s, c)) {
			c->state = C_CLOSED;
			*a = (struct sched_action){ SCHED_CLOSE, id, c->host, -1 };
			return 1;
		}
	}
	bool busy = false;
	for (size_t k = 0; k < s->norder; k++) {
		int i = s->order[k];
		if (s->r[i].sent) {
			busy |= !s->r[i].done;
			continue;
		}
		if (place(s, i, a))
			return 1;
	}
	*a = (struct sched_action){ SCHED_NONE, -1, -1, -1 };
	if (s->ndone == s->pg->n) {
		a->type = SCHED_DONE;
		return 0;
	}
	if (!busy)
		return -EDEADLK;
	return 0;
}

int64_t sched_ready_ns(const struct sched *s, int res)
{
	if (res < 0 || (size_t)res >= s->pg->n)
		return -1;
	return s->r[res].ready_ns;
}

int sched_conns(const struct sched *s)
{
	return s->nconns;
}
