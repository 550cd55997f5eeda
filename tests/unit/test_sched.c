#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workloads/sched.h"

#define MAXR 32
#define MS 1000000ull

static char *hostnames[] = { "a.test", "b.test", "c.test" };
static struct page_res res[MAXR];
static char ids[MAXR][8];
static struct page pg;

static void page_reset(void)
{
	memset(res, 0, sizeof(res));
	pg = (struct page){ .name = "synthetic", .res = res, .hosts = hostnames,
			    .nhosts = 3 };
}

static int add(int parent, int host, uint64_t body, int64_t off)
{
	int i = (int)pg.n++;
	snprintf(ids[i], sizeof(ids[i]), "r%d", i);
	res[i] = (struct page_res){ .id = ids[i], .parent = parent,
		.host = host, .path = "/", .body_bytes = body, .wire_bytes = body,
		.ref_offset = off, .conn = -1, .group = -1,
		.wait_head_group = -1, .wait_done_group = -1, .line = i + 2 };
	return i;
}

struct acts {
	int n;
	struct sched_action a[64];
};

/* Collects every action available now. */
static struct acts drain(struct sched *s, uint64_t now)
{
	struct acts x = { 0 };
	int rc;
	while ((rc = sched_next(s, now, &x.a[x.n])) == 1)
		x.n++;
	assert_int_equal(rc, 0);
	return x;
}

static int count(const struct acts *x, enum sched_act t)
{
	int k = 0;
	for (int i = 0; i < x->n; i++)
		k += x->a[i].type == t;
	return k;
}

/* The connection res was sent on in x, or -1. */
static int sent_on(const struct acts *x, int r)
{
	for (int i = 0; i < x->n; i++)
		if (x->a[i].type == SCHED_SEND && x->a[i].res == r)
			return x->a[i].conn;
	return -1;
}

static void done(struct sched *s, int r, uint64_t now)
{
	assert_int_equal(sched_on_bytes(s, r, res[r].wire_bytes + 300,
					res[r].wire_bytes, now), 0);
	assert_int_equal(sched_on_done(s, r, now), 0);
}

static void offsets_release_children_early(void **state)
{
	page_reset();
	int root = add(-1, 0, 100000, -1);
	int a = add(root, 0, 1000, 1000);
	int b = add(root, 1, 1000, 50000);
	int c = add(root, 0, 1000, -1);
	struct sched *s;
	struct sched_opts o = { 0 };
	assert_int_equal(sched_new(&pg, &o, &s), 0);

	struct acts x = drain(s, 0);
	assert_int_equal(x.n, 2);
	assert_int_equal(x.a[0].type, SCHED_OPEN);
	assert_int_equal(x.a[0].host, 0);
	assert_int_equal(sent_on(&x, root), x.a[0].conn);

	assert_int_equal(sched_on_bytes(s, root, 800, 500, 10 * MS), 0);
	assert_int_equal(drain(s, 10 * MS).n, 0);
	assert_int_equal(sched_ready_ns(s, a), -1);

	assert_int_equal(sched_on_bytes(s, root, 1300, 1000, 20 * MS), 0);
	x = drain(s, 20 * MS);
	/* Root's connection is busy: a opens a second one to host 0. */
	assert_int_equal(count(&x, SCHED_OPEN), 1);
	assert_int_equal(sent_on(&x, a), 1);
	assert_int_equal(sched_ready_ns(s, a), 20 * MS);
	assert_int_equal(sched_ready_ns(s, b), -1);

	assert_int_equal(sched_on_bytes(s, root, 60300, 60000, 30 * MS), 0);
	x = drain(s, 30 * MS);
	assert_int_equal(x.a[0].type, SCHED_OPEN);
	assert_int_equal(x.a[0].host, 1);
	assert_int_equal(sent_on(&x, b), 2);
	/* c waits for the root to complete even at 99 999 bytes. */
	assert_int_equal(sched_on_bytes(s, root, 100299, 99999, 40 * MS), 0);
	assert_int_equal(drain(s, 40 * MS).n, 0);
	assert_int_equal(sched_ready_ns(s, c), -1);

	done(s, root, 50 * MS);
	x = drain(s, 50 * MS);
	/* The root's connection is idle again and is reused. */
	assert_int_equal(x.n, 1);
	assert_int_equal(sent_on(&x, c), 0);
	assert_int_equal(sched_ready_ns(s, c), 50 * MS);

	done(s, a, 60 * MS);
	done(s, b, 60 * MS);
	done(s, c, 60 * MS);
	struct sched_action act;
	int closes = 0;
	while (sched_next(s, 70 * MS, &act) == 1) {
		assert_int_equal(act.type, SCHED_CLOSE);
		closes++;
	}
	assert_int_equal(closes, 3);
	assert_int_equal(act.type, SCHED_DONE);
	assert_int_equal(sched_conns(s), 3);
	sched_free(s);
}

/*
 * A gzip'd parent: 100 000 decoded bytes carried in 34 000 wire bytes.  A
 * child referenced at decoded offset 50 000 is released once
 * ceil(50 000 * 34 000 / 100 000) = 17 000 wire bytes have arrived, not
 * 50 000 (which would never come) and not one byte earlier.
 */
static void offsets_map_to_wire_bytes(void **state)
{
	page_reset();
	int root = add(-1, 0, 100000, -1);
	res[root].wire_bytes = 34000;
	res[root].enc = PAGE_ENC_GZIP;
	int a = add(root, 0, 1000, 50000);
	int b = add(root, 1, 1000, 99999);
	struct sched *s;
	struct sched_opts o = { 0 };
	assert_int_equal(sched_new(&pg, &o, &s), 0);
	drain(s, 0);
	assert_int_equal(sched_on_bytes(s, root, 16999 + 300, 16999, 10 * MS), 0);
	assert_int_equal(drain(s, 10 * MS).n, 0);
	assert_int_equal(sched_ready_ns(s, a), -1);
	assert_int_equal(sched_on_bytes(s, root, 17000 + 300, 17000, 20 * MS), 0);
	struct acts x = drain(s, 20 * MS);
	assert_int_equal(sent_on(&x, a), 1);
	assert_int_equal(sched_ready_ns(s, a), 20 * MS);
	/* 99 999 decoded -> ceil(33 999.66) = 34 000: the last wire byte. */
	assert_int_equal(sched_on_bytes(s, root, 33999 + 300, 33999, 30 * MS), 0);
	assert_int_equal(sched_ready_ns(s, b), -1);
	drain(s, 30 * MS);
	done(s, root, 40 * MS);
	drain(s, 40 * MS);
	assert_int_equal(sched_ready_ns(s, b), 40 * MS);
	sched_free(s);
}

static void six_per_host(void **state)
{
	page_reset();
	int root = add(-1, 0, 5000, -1);
	for (int i = 0; i < 10; i++)
		add(root, 1, 1000, -1);
	struct sched *s;
	struct sched_opts o = { 0 };
	assert_int_equal(sched_new(&pg, &o, &s), 0);
	drain(s, 0);
	done(s, root, MS);
	struct acts x = drain(s, MS);
	assert_int_equal(count(&x, SCHED_OPEN), 6);
	assert_int_equal(count(&x, SCHED_SEND), 6);
	/* The root's idle connection is to host 0 and must not be used. */
	for (int i = 0; i < x.n; i++)
		assert_int_equal(x.a[i].host, 1);
	/* The 4 others queue until a connection frees up, then reuse it. */
	int first = x.a[1].res;
	int conn = x.a[1].conn;
	done(s, first, 2 * MS);
	x = drain(s, 2 * MS);
	assert_int_equal(x.n, 1);
	assert_int_equal(x.a[0].type, SCHED_SEND);
	assert_int_equal(x.a[0].conn, conn);
	assert_int_equal(sched_conns(s), 7);
	sched_free(s);

	/* A lower cap is honoured too. */
	o.max_per_host = 2;
	assert_int_equal(sched_new(&pg, &o, &s), 0);
	drain(s, 0);
	done(s, root, MS);
	x = drain(s, MS);
	assert_int_equal(count(&x, SCHED_OPEN), 2);
	sched_free(s);
}

/* A chain on one host: each resource needs its parent complete. */
static void chain(int len)
{
	page_reset();
	add(-1, 0, 1000, -1);
	for (int i = 1; i < len; i++)
		add(i - 1, 0, 1000, -1);
}

static int run_chain(int k, int *closes_before_done)
{
	struct sched *s;
	struct sched_opts o = { .per_conn = k };
	assert_int_equal(sched_new(&pg, &o, &s), 0);
	int closes = 0;
	for (size_t i = 0; i < pg.n; i++) {
		struct acts x = drain(s, i * MS);
		closes += count(&x, SCHED_CLOSE);
		assert_int_equal(sent_on(&x, (int)i) >= 0, 1);
		done(s, (int)i, i * MS + 1);
	}
	*closes_before_done = closes;
	struct acts x = drain(s, 100 * MS);
	assert_int_equal(x.a[x.n].type, SCHED_DONE);
	int n = sched_conns(s);
	assert_int_equal(closes + count(&x, SCHED_CLOSE), n);
	sched_free(s);
	return n;
}

static void per_conn_cap(void **state)
{
	int closes;
	chain(5);
	/* k=1: a new connection per request, each closed once used. */
	assert_int_equal(run_chain(1, &closes), 5);
	assert_int_equal(closes, 4);
	/* k=2: two requests per connection. */
	assert_int_equal(run_chain(2, &closes), 3);
	assert_int_equal(closes, 2);
	/* k=0: unlimited, one connection for the whole chain. */
	assert_int_equal(run_chain(0, &closes), 1);
	assert_int_equal(closes, 0);
}

static void group_waits(void **state)
{
	page_reset();
	int root = add(-1, 0, 20000, -1);
	res[root].group = 0;
	int h = add(root, 1, 1000, 0);     /* waits head of group 0 */
	res[h].group = 1;
	res[h].wait_head_group = 0;
	int d = add(root, 1, 1000, 0);     /* waits completion of group 1 */
	res[d].group = 2;
	res[d].wait_done_group = 1;
	struct sched *s;
	struct sched_opts o = { 0 };
	assert_int_equal(sched_new(&pg, &o, &s), 0);
	drain(s, 0);
	/* ref_offset 0 alone would allow both at once; the groups hold. */
	assert_int_equal(sched_on_bytes(s, root, 3999, 3500, MS), 0);
	assert_int_equal(drain(s, MS).n, 0);
	assert_int_equal(sched_on_bytes(s, root, 4000, 3501, 2 * MS), 0);
	struct acts x = drain(s, 2 * MS);
	assert_true(sent_on(&x, h) >= 0);
	assert_int_equal(sent_on(&x, d), -1);
	assert_int_equal(sched_on_bytes(s, h, 5000, 1000, 3 * MS), 0);
	assert_int_equal(drain(s, 3 * MS).n, 0);
	assert_int_equal(sched_on_done(s, h, 4 * MS), 0);
	x = drain(s, 4 * MS);
	assert_true(sent_on(&x, d) >= 0);
	assert_int_equal(sched_ready_ns(s, d), 4 * MS);
	sched_free(s);
}

/* Like the Stanford capture: plan ids, groups and waits. */
static void plan_followed_exactly(void **state)
{
	page_reset();
	struct { int parent, host, conn, group, whead, wdone; } spec[] = {
		{ -1, 0, 0, 0, -1, -1 },
		{ 0, 1, 1, 1, 0, -1 },
		{ 0, 1, 2, 1, 0, -1 },
		{ 0, 1, 3, 1, 0, -1 },
		{ 0, 1, 2, 2, -1, 0 },
		{ 0, 0, 0, 2, -1, 0 },
		{ 0, 1, 1, 3, -1, 1 },
		{ 0, 1, 1, 3, -1, 1 },
		{ 0, 2, 6, 3, -1, 1 },
	};
	int n = sizeof(spec) / sizeof(spec[0]);
	for (int i = 0; i < n; i++) {
		add(spec[i].parent, spec[i].host, 6000, 0);
		res[i].conn = spec[i].conn;
		res[i].group = spec[i].group;
		res[i].wait_head_group = spec[i].whead;
		res[i].wait_done_group = spec[i].wdone;
	}
	res[0].ref_offset = -1;
	struct sched *s;
	/* A cap of 1 shows the plan overrides the pools. */
	struct sched_opts o = { .follow_plan = true, .max_per_host = 1,
				.per_conn = 1 };
	assert_int_equal(sched_new(&pg, &o, &s), 0);
	int ourconn[8];     /* plan id -> our connection id */
	memset(ourconn, -1, sizeof(ourconn));
	int sends = 0;
	uint64_t now = 0;
	int inflight[8], ninf = 0, last[8];
	for (int i = 0; i < 8; i++)
		last[i] = -1;
	while (sends < n || ninf) {
		struct acts x = drain(s, now);
		for (int i = 0; i < x.n; i++) {
			struct sched_action *a = &x.a[i];
			if (a->type == SCHED_SEND) {
				int plan = res[a->res].conn;
				if (ourconn[plan] < 0)
					ourconn[plan] = a->conn;
				assert_int_equal(ourconn[plan], a->conn);
				/* In page order on each connection. */
				assert_true(a->res > last[plan]);
				last[plan] = a->res;
				assert_int_equal(a->host, res[a->res].host);
				inflight[ninf++] = a->res;
				sends++;
			}
		}
		/* Complete the oldest request in flight; on its way, pass
		 * the 4000-byte head. */
		assert_true(ninf > 0);
		now += MS;
		int r = inflight[0];
		memmove(inflight, inflight + 1, (size_t)--ninf * sizeof(int));
		assert_int_equal(sched_on_bytes(s, r, 4100, 3800, now), 0);
		done(s, r, now);
	}
	/* Five plan ids, five connections, despite max_per_host 1. */
	assert_int_equal(sched_conns(s), 5);
	/* Plan order on connection 1: 1, 6, 7; 6 waits for group 1 done. */
	assert_true(sched_ready_ns(s, 6) >= sched_ready_ns(s, 3));
	struct acts x = drain(s, now);
	assert_int_equal(x.a[x.n].type, SCHED_DONE);
	sched_free(s);
}

static void bad_pages(void **state)
{
	struct sched *s = NULL;
	struct sched_opts o = { .follow_plan = true };
	/* One planned connection to two hosts. */
	page_reset();
	add(-1, 0, 100, -1);
	add(0, 1, 100, -1);
	res[0].conn = res[1].conn = 4;
	assert_int_equal(sched_new(&pg, &o, &s), -EINVAL);
	/* Plan order waits on itself: 1 precedes 2 on conn 1 but needs 2. */
	page_reset();
	add(-1, 0, 100, -1);
	add(0, 0, 100, -1);
	add(0, 0, 100, -1);
	res[0].conn = 0;
	res[1].conn = res[2].conn = 1;
	res[2].group = 7;
	res[1].wait_done_group = 7;
	assert_int_equal(sched_new(&pg, &o, &s), -EINVAL);
	/* Without following the plan the same page is fine. */
	o.follow_plan = false;
	assert_int_equal(sched_new(&pg, &o, &s), 0);
	sched_free(s);
	/* A group wait cycle. */
	page_reset();
	add(-1, 0, 100, -1);
	add(0, 0, 100, -1);
	res[1].group = 1;
	res[1].wait_done_group = 1;
	assert_int_equal(sched_new(&pg, &o, &s), -EINVAL);
	/* A bad host index. */
	page_reset();
	add(-1, 5, 100, -1);
	assert_int_equal(sched_new(&pg, &o, &s), -EINVAL);
	/* Misuse of the reports. */
	page_reset();
	add(-1, 0, 100, -1);
	assert_int_equal(sched_new(&pg, &o, &s), 0);
	assert_int_equal(sched_on_done(s, 0, 0), -EINVAL);
	assert_int_equal(sched_on_bytes(s, 3, 1, 1, 0), -EINVAL);
	sched_free(s);
}


static void via_js_and_parentless(void **state)
{
	page_reset();
	int root = add(-1, 0, 10000, -1);
	int js = add(root, 0, 100, 100);
	res[js].via = "js";
	int css = add(root, 0, 100, 100);
	int free_ = add(-1, 1, 100, -1);   /* capture style: no parent */
	struct sched *s;
	struct sched_opts o = { 0 };
	assert_int_equal(sched_new(&pg, &o, &s), 0);
	struct acts x = drain(s, 0);
	assert_true(sent_on(&x, root) >= 0);
	assert_true(sent_on(&x, free_) >= 0);
	assert_int_equal(sched_on_bytes(s, root, 5300, 5000, MS), 0);
	x = drain(s, MS);
	assert_true(sent_on(&x, css) >= 0);
	/* Referenced at the same offset, but a script's request comes after
	 * the script (its parent) completed. */
	assert_int_equal(sent_on(&x, js), -1);
	done(s, root, 2 * MS);
	x = drain(s, 2 * MS);
	assert_true(sent_on(&x, js) >= 0);
	sched_free(s);
}

/* A resource of content type ctype referenced as via. */
static int add_as(int parent, uint64_t body, int64_t off, const char *ctype,
		  const char *via)
{
	int i = add(parent, 0, body, off);
	res[i].ctype = (char *)ctype;
	res[i].via = (char *)via;
	return i;
}

/* Is r sent by the actions available at now? */
static bool goes_out(struct sched *s, int r, uint64_t now)
{
	struct acts x = drain(s, now);
	return sent_on(&x, r) >= 0;
}

/* A scheduler for pg with the default options, its first actions taken;
 * with whole_root, the root (res 0) completed at MS and what that
 * released sent. */
static struct sched *started(bool whole_root)
{
	struct sched *s;
	struct sched_opts o = { 0 };
	assert_int_equal(sched_new(&pg, &o, &s), 0);
	drain(s, 0);
	if (whole_root) {
		done(s, 0, MS);
		drain(s, MS);
	}
	return s;
}

/*
 * A parser-inserted script runs after the stylesheets and scripts before
 * it in its document, so its requests wait for them; a stylesheet after
 * it does not hold it back.
 */
static void script_waits_for_stylesheets_before_it(void **state)
{
	page_reset();
	int root = add_as(-1, 10000, -1, "text/html", NULL);
	int css = add_as(root, 100, 100, "text/css", "html");
	int js = add_as(root, 100, 200, "application/javascript", "html");
	int late_css = add_as(root, 100, 300, "text/css", "html");
	int img = add_as(js, 100, 10, "image/png", "js");
	struct sched *s;
	struct sched_opts o = { 0 };
	assert_int_equal(sched_new(&pg, &o, &s), 0);
	assert_true(goes_out(s, root, 0));
	done(s, root, MS);
	struct acts x = drain(s, MS);
	assert_true(sent_on(&x, css) >= 0 && sent_on(&x, js) >= 0 &&
		    sent_on(&x, late_css) >= 0);
	done(s, js, 2 * MS);
	/* The script arrived, the stylesheet before it has not. */
	assert_false(goes_out(s, img, 2 * MS));
	done(s, css, 3 * MS);
	/* late_css is still loading, but comes after the script. */
	assert_true(goes_out(s, img, 3 * MS));
	sched_free(s);
}

/* Synchronous scripts run in document order: the second script's requests
 * wait for the first script too. */
static void scripts_run_in_document_order(void **state)
{
	page_reset();
	int root = add_as(-1, 10000, -1, "text/html", NULL);
	int a = add_as(root, 100, 100, "application/javascript", "html");
	int b = add_as(root, 100, 200, "text/javascript", "html");
	int img = add_as(b, 100, 10, "image/png", "js");
	struct sched *s = started(true);
	done(s, b, 2 * MS);
	assert_false(goes_out(s, img, 2 * MS));
	done(s, a, 3 * MS);
	assert_true(goes_out(s, img, 3 * MS));
	sched_free(s);
}

/* A script that a script inserted runs once it arrives: a stylesheet of
 * the document still loading does not hold it back. */
static void inserted_script_runs_when_complete(void **state)
{
	page_reset();
	int root = add_as(-1, 10000, -1, "text/html", NULL);
	int a = add_as(root, 100, 100, "application/javascript", "html");
	int css = add_as(root, 100, 300, "text/css", "html");
	int b = add_as(a, 100, 10, "application/javascript", "js");
	int img = add_as(b, 100, 10, "image/png", "js");
	struct sched *s = started(true);
	done(s, a, 2 * MS);
	assert_true(goes_out(s, b, 2 * MS));
	done(s, b, 3 * MS);
	assert_true(goes_out(s, img, 3 * MS));
	assert_int_equal(sched_ready_ns(s, css), (int64_t)MS);
	sched_free(s);
}

/*
 * A via=js child of an HTML document comes from an inline script at its
 * offset: once the document has arrived up to it and the stylesheets and
 * scripts before it are done, before the document completes.  Without an
 * offset it waits for the whole document and all of them.
 */
static void inline_script_runs_where_it_sits(void **state)
{
	page_reset();
	int root = add_as(-1, 10000, -1, "text/html", NULL);
	int css = add_as(root, 100, 100, "text/css", "html");
	int img = add_as(root, 100, 500, "image/png", "js");
	int js = add_as(root, 100, 2000, "application/javascript", "html");
	int end = add_as(root, 100, -1, "image/gif", "js");
	struct sched *s = started(false);
	assert_int_equal(sched_on_bytes(s, root, 900, 600, MS), 0);
	struct acts x = drain(s, MS);
	assert_true(sent_on(&x, css) >= 0);
	assert_int_equal(sent_on(&x, img), -1);   /* the stylesheet loads */
	done(s, css, 2 * MS);
	assert_true(goes_out(s, img, 2 * MS));      /* the root still loads */
	assert_int_equal(sched_on_bytes(s, root, 2500, 2200, 3 * MS), 0);
	assert_true(goes_out(s, js, 3 * MS));
	done(s, root, 4 * MS);
	/* The root completed, but the script before the end has not. */
	assert_false(goes_out(s, end, 4 * MS));
	done(s, js, 5 * MS);
	assert_true(goes_out(s, end, 5 * MS));
	sched_free(s);
}

/* Equal offsets keep page order: a script waits for a stylesheet listed
 * before it at its own offset, not for one listed after it. */
static void equal_offsets_keep_page_order(void **state)
{
	page_reset();
	int root = add_as(-1, 10000, -1, "text/html", NULL);
	int before = add_as(root, 100, 200, "text/css", "html");
	int js = add_as(root, 100, 200, "application/javascript", "html");
	int after = add_as(root, 100, 200, "text/css", "html");
	int img = add_as(js, 100, 10, "image/png", "js");
	struct sched *s = started(true);
	done(s, js, 2 * MS);
	assert_false(goes_out(s, img, 2 * MS));
	done(s, before, 3 * MS);
	assert_true(goes_out(s, img, 3 * MS));     /* after is still loading */
	assert_int_equal(sched_ready_ns(s, after), (int64_t)MS);
	sched_free(s);
}

/*
 * The document is the script's own: a script in an iframe waits for the
 * iframe's stylesheet, not the root's; and an "other" with children is a
 * script, so its children wait for it to run.
 */
static void iframe_and_other_scripts(void **state)
{
	page_reset();
	int root = add_as(-1, 10000, -1, "text/html", NULL);
	int root_css = add_as(root, 100, 50, "text/css", "html");
	int frame = add_as(root, 1000, 100, "text/html", "html");
	int frame_css = add_as(frame, 100, 100, "text/css", "html");
	int js = add_as(frame, 100, 200, "other", "html");
	int img = add_as(js, 100, 10, "image/png", "js");
	struct sched *s = started(true);
	done(s, frame, 2 * MS);
	drain(s, 2 * MS);
	done(s, js, 3 * MS);
	assert_false(goes_out(s, img, 3 * MS));    /* frame_css loads */
	done(s, frame_css, 4 * MS);
	assert_true(goes_out(s, img, 4 * MS));     /* root_css does not count */
	assert_int_equal(sched_ready_ns(s, root_css), (int64_t)MS);
	sched_free(s);
}

/* An "unknown" reference comes from the end script, which runs after the
 * document and its scripts; an "other" via html is fetch()ed by an inline
 * script at its offset. */
static void end_block_and_inline_fetch(void **state)
{
	page_reset();
	int root = add_as(-1, 10000, -1, "text/html", NULL);
	int js = add_as(root, 100, 100, "application/javascript", "html");
	int other = add_as(root, 100, 500, "other", "html");
	int unknown = add_as(root, 100, -1, "image/gif", "unknown");
	struct sched *s = started(false);
	assert_int_equal(sched_on_bytes(s, root, 900, 600, MS), 0);
	assert_false(goes_out(s, other, MS));      /* js before it loads */
	done(s, js, 2 * MS);
	assert_true(goes_out(s, other, 2 * MS));
	assert_false(goes_out(s, unknown, 2 * MS)); /* the root loads */
	done(s, root, 3 * MS);
	assert_true(goes_out(s, unknown, 3 * MS));
	sched_free(s);
}

/* Script order can make a planned page unloadable: a stylesheet planned
 * (page order) after a request that waits for it, on one connection. */
static void script_order_against_plan(void **state)
{
	page_reset();
	int root = add_as(-1, 10000, -1, "text/html", NULL);
	int js = add_as(root, 100, 200, "application/javascript", "html");
	int img = add_as(js, 100, 10, "image/png", "js");
	int css = add_as(root, 100, 100, "text/css", "html");   /* planned last */
	res[root].conn = 0;
	res[js].conn = 1;
	res[img].conn = 1;
	res[css].conn = 1;
	struct sched *s = NULL;
	struct sched_opts o = { .follow_plan = true };
	assert_int_equal(sched_new(&pg, &o, &s), -EINVAL);
	assert_null(s);
	res[css].conn = 2;
	assert_int_equal(sched_new(&pg, &o, &s), 0);
	sched_free(s);
}

/*
 * Plays a whole page with a synthetic link: each step every request in
 * flight gets up to 7000 more bytes (a 300-byte head, then the body).
 * Checks that the load completes, the pools' caps hold, and planned
 * requests share exactly their planned connections.
 */
static void simulate(const struct page *p, const struct sched_opts *o)
{
	struct sched *s;
	assert_int_equal(sched_new(p, o, &s), 0);
	size_t n = p->n;
	uint64_t *got = calloc(n, sizeof(*got));
	int *inflight = calloc(n, sizeof(int));
	int *conn_host = calloc(n, sizeof(int));
	int *plan_conn = calloc(n, sizeof(int));   /* our conn of each res */
	int *open = calloc(p->nhosts, sizeof(int));
	size_t ninf = 0, ndone = 0;
	uint64_t now = 0;
	for (;;) {
		struct sched_action a;
		int rc;
		while ((rc = sched_next(s, now, &a)) == 1) {
			switch (a.type) {
			case SCHED_OPEN:
				conn_host[a.conn] = a.host;
				if (!o->follow_plan) {
					open[a.host]++;
					int cap = o->max_per_host ? o->max_per_host : 6;
					assert_true(open[a.host] <= cap);
				}
				break;
			case SCHED_SEND:
				assert_int_equal(conn_host[a.conn], p->res[a.res].host);
				plan_conn[a.res] = a.conn;
				inflight[ninf++] = a.res;
				break;
			case SCHED_CLOSE:
				if (!o->follow_plan)
					open[a.host]--;
				break;
			default:
				fail();
			}
		}
		assert_int_equal(rc, 0);
		if (a.type == SCHED_DONE)
			break;
		assert_true(ninf > 0);
		now += MS;
		for (size_t k = 0; k < ninf;) {
			int r = inflight[k];
			uint64_t total = 300 + p->res[r].body_bytes;
			got[r] += 7000;
			if (got[r] > total)
				got[r] = total;
			assert_int_equal(sched_on_bytes(s, r, got[r],
				got[r] > 300 ? got[r] - 300 : 0, now), 0);
			if (got[r] == total) {
				assert_int_equal(sched_on_done(s, r, now), 0);
				inflight[k] = inflight[--ninf];
				ndone++;
			} else {
				k++;
			}
		}
	}
	assert_int_equal(ndone, n);
	if (o->follow_plan) {
		/* One connection per plan id, plus pooled ones for the rest. */
		size_t planned = 0;
		for (size_t i = 0; i < n; i++)
			planned += p->res[i].conn >= 0;
		if (planned == n)
			assert_int_equal(sched_conns(s), (int)page_count_conns(p));
		else
			assert_true(sched_conns(s) >= (int)page_count_conns(p));
		for (size_t i = 0; i < n; i++)
			for (size_t j = i + 1; j < n; j++)
				if (p->res[i].conn >= 0 && p->res[j].conn >= 0)
					assert_int_equal(p->res[i].conn == p->res[j].conn,
							 plan_conn[i] == plan_conn[j]);
	}
	free(got);
	free(inflight);
	free(conn_host);
	free(plan_conn);
	free(open);
	sched_free(s);
}

/* Every built-in page loads to the end under every browser setting. */
static void builtin_pages(void **state)
{
	const char *src = getenv("TFOLAB_SRC");
	if (!src) {
		print_message("SKIP: TFOLAB_SRC is unset\n");
		skip();
	}
	char dirpath[4096];
	snprintf(dirpath, sizeof(dirpath), "%s/workloads/pages", src);
	DIR *d = opendir(dirpath);
	assert_non_null(d);
	struct dirent *e;
	int pages = 0;
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);
		if (l < 6 || strcmp(e->d_name + l - 5, ".page"))
			continue;
		char path[8192];
		snprintf(path, sizeof(path), "%s/%s", dirpath, e->d_name);
		struct page *p;
		if (page_parse(path, &p))
			fail_msg("%s does not parse", path);
		struct sched_opts o[] = { { 0 }, { .per_conn = 1 },
			{ .per_conn = 2 }, { .max_per_host = 2 },
			{ .follow_plan = true } };
		for (size_t k = 0; k < sizeof(o) / sizeof(o[0]); k++)
			simulate(p, &o[k]);
		page_free(p);
		pages++;
	}
	closedir(d);
	assert_true(pages >= 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(offsets_release_children_early),
		cmocka_unit_test(offsets_map_to_wire_bytes),
		cmocka_unit_test(six_per_host),
		cmocka_unit_test(per_conn_cap),
		cmocka_unit_test(group_waits),
		cmocka_unit_test(plan_followed_exactly),
		cmocka_unit_test(bad_pages),
		cmocka_unit_test(via_js_and_parentless),
		cmocka_unit_test(script_waits_for_stylesheets_before_it),
		cmocka_unit_test(scripts_run_in_document_order),
		cmocka_unit_test(inserted_script_runs_when_complete),
		cmocka_unit_test(inline_script_runs_where_it_sits),
		cmocka_unit_test(equal_offsets_keep_page_order),
		cmocka_unit_test(iframe_and_other_scripts),
		cmocka_unit_test(end_block_and_inline_fetch),
		cmocka_unit_test(script_order_against_plan),
		cmocka_unit_test(builtin_pages),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
