/*
 * The browser model: which request goes out when, and on which connection.
 *
 * A resource becomes ready when every condition of workloads/page.h holds:
 * its parent allows it (below); every request of wait_head_group has
 * received its first PAGE_HEAD_BYTES response bytes (head included) or
 * completed; every request of wait_done_group completed.  A resource
 * without a parent or waits is ready at once.
 *
 * What the parent allows follows how a browser treats the page
 * (page_res_kind, page_res_via: the same reading as the bodies a real
 * browser parses), with HTML's script rules:
 *   - an HTML parent: a tag at ref_offset (via html, css) once the parent
 *     has delivered ref_offset body bytes; a via "js" child, or an "other"
 *     via html (a script fetch()es it), comes from an inline script at
 *     ref_offset, which runs once the parent has delivered ref_offset and
 *     every stylesheet and synchronous script before it completed; an end
 *     block child (via "unknown", or ref_offset -1) comes from a script at
 *     the document's end: the parent complete, and all of those;
 *   - a script parent, via "js": once it ran: it completed and, if the parser met it
 *     in an HTML document (via html at an offset), every stylesheet and
 *     synchronous script before it there completed (a parser-inserted
 *     script waits for the pending stylesheets and runs in document
 *     order); a script that a script inserted runs once complete;
 *   - otherwise: ref_offset bytes delivered; the parent complete for
 *     ref_offset -1 or via "js".
 *
 * Ready requests go out in the order they became ready.  Without a plan,
 * each host has a pool of at most max_per_host connections (Chrome: 6): a
 * request reuses an idle connection that has served fewer than per_conn
 * requests, else opens a new one under the cap, else waits.  A connection
 * that has served per_conn requests is closed once idle.  HTTP/1.1 without
 * pipelining: one outstanding request per connection.
 *
 * With follow_plan, a resource with conn >= 0 goes on exactly that
 * connection, in page order; the connection opens when its first request
 * is ready and closes after its last one.  Resources with conn -1 use the
 * pools.  Neither cap applies to planned connections.
 *
 * Pure: the caller reports progress and asks for actions, passing the time.
 */
#ifndef TFOLAB_WORKLOADS_SCHED_H
#define TFOLAB_WORKLOADS_SCHED_H

#include <stdbool.h>
#include <stdint.h>

#include "workloads/page.h"

struct sched_opts {
	int max_per_host;   /* connections per host; 0 = 6 */
	int per_conn;       /* requests per connection; 0 = unlimited */
	bool follow_plan;   /* honour page_res.conn */
};

enum sched_act {
	SCHED_NONE,     /* nothing to do until more bytes arrive */
	SCHED_OPEN,     /* open connection conn to host */
	SCHED_SEND,     /* send request res on connection conn */
	SCHED_CLOSE,    /* close connection conn */
	SCHED_DONE,     /* every resource completed, every connection closed */
};

struct sched_action {
	enum sched_act type;
	int conn;       /* connection id: 0, 1, ... in order of opening */
	int host;       /* index into page.hosts */
	int res;        /* index into page.res (SEND) */
};

struct sched;

/*
 * Creates the scheduler for pg (borrowed; must outlive it).  Fails with
 * -EINVAL, logged with the page file and line, when the page cannot load:
 * a bad parent or host index, one planned connection used for two hosts,
 * or a resource that can never become ready (a dependency cycle, or a plan
 * order or script order that waits on itself); -ENOMEM.  *out is set only
 * on success.
 */
int sched_new(const struct page *pg, const struct sched_opts *o,
	      struct sched **out);
void sched_free(struct sched *s);

/*
 * sched_conns_bound - how many connections a load of @pg under @o may open
 * to host @host: one per planned connection id (with follow_plan), and for
 * the other resources one per per_conn requests, or one per resource up to
 * max_per_host when connections are never retired (per_conn 0).  What
 * must be ready per host before a load, e.g. TLS session tickets.
 */
size_t sched_conns_bound(const struct page *pg, int host, const struct sched_opts *o);

/* Reports that res has received resp_bytes response bytes (head included)
 * of which body_bytes are body.  Returns 0, or -EINVAL if res is not the
 * request in flight. */
int sched_on_bytes(struct sched *s, int res, uint64_t resp_bytes,
		   uint64_t body_bytes, uint64_t now_ns);

/* Reports that res completed; its connection becomes idle.  Returns 0 or
 * -EINVAL if res is not in flight. */
int sched_on_done(struct sched *s, int res, uint64_t now_ns);

/*
 * Fills *a with the next action and returns 1; returns 0 with a->type
 * SCHED_NONE when nothing can happen until more progress is reported, or
 * SCHED_DONE when the page is complete.  Call it until it returns 0 after
 * every report.  Returns -EDEADLK if nothing is in flight yet resources
 * remain (cannot happen for pages sched_new accepted).
 */
int sched_next(struct sched *s, uint64_t now_ns, struct sched_action *a);

/* When res became ready (requestable), or -1 if it has not. */
int64_t sched_ready_ns(const struct sched *s, int res);

/* Connections opened so far. */
int sched_conns(const struct sched *s);

#endif
