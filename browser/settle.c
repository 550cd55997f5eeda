#include "browser/settle.h"

#include <errno.h>
#include <stdio.h>

void settle_init(struct settle *s, const struct page *pg, uint16_t port, int64_t now_ns,
		 uint64_t overall_ns, uint64_t grace_ns)
{
	*s = (struct settle){ .pg = pg, .port = port, .overall_ns = overall_ns,
			      .grace_ns = grace_ns, .deadline_ns = now_ns + (int64_t)overall_ns,
			      .load_ns = -1 };
}

void settle_load_event(struct settle *s, int64_t now_ns)
{
	if (s->load_ns < 0)
		s->load_ns = now_ns;
}

/* Every resource of the page requested at least once. */
static int all_requested(const struct settle *s, const struct netlog *l)
{
	char url[NETLOG_URL_MAX];
	for (size_t i = 0; i < s->pg->n; i++)
		if (netlog_url(s->pg, i, s->port, url, sizeof(url)) == 0 &&
		    netlog_find(l, url, 0) < 0)
			return 0;
	return 1;
}

enum settle_state settle_check(const struct settle *s, const struct netlog *l, int64_t now_ns,
			       int64_t *wake_ns)
{
	*wake_ns = s->deadline_ns;
	if (s->load_ns >= 0 && !netlog_pending(l)) {
		int64_t grace_end = s->load_ns + (int64_t)s->grace_ns;
		if (now_ns >= grace_end || all_requested(s, l))
			return SETTLE_DONE;
		/* Only a resource not yet requested keeps us: wake when its
		 * grace is over, for then the load is settled without it. */
		if (grace_end < *wake_ns)
			*wake_ns = grace_end;
	}
	return now_ns >= s->deadline_ns ? SETTLE_TIMEDOUT : SETTLE_WAIT;
}

int settle_timeout(const struct settle *s, const struct netlog *l, struct fetch_result *r)
{
	const char *waiting = netlog_first_pending(l);
	snprintf(r->error, sizeof(r->error), "chromium: %s in %.0f s (killed); %zu of %zu "
		 "requests unanswered, first: %.100s",
		 s->load_ns < 0 ? "no load event" : "requests still open", s->overall_ns / 1e9,
		 netlog_pending(l), l->n, waiting ? waiting : "none");
	return -ETIMEDOUT;
}

/* The browser's clock at navigation start: the root's request left at
 * requestStart ms after it, and at base + send ms in the browser's clock. */
static int nav_start(const struct settle *s, const struct netlog *l, double req_ms, double *t0_s)
{
	char url[NETLOG_URL_MAX];
	long k = netlog_url(s->pg, 0, s->port, url, sizeof(url)) == 0 ? netlog_find(l, url, 0) : -1;
	if (k < 0 || l->req[k].base_s < 0 || l->req[k].send_ms < 0)
		return -EBADMSG;
	*t0_s = l->req[k].base_s + l->req[k].send_ms / 1000 - req_ms / 1000;
	return 0;
}

int settle_finish(const struct settle *s, const struct netlog *l, double req_ms, double load_ms,
		  struct fetch_result *r)
{
	double t0_s = 0;
	if (nav_start(s, l, req_ms, &t0_s) < 0) {
		char url[NETLOG_URL_MAX];
		if (netlog_url(s->pg, 0, s->port, url, sizeof(url)) < 0)
			url[0] = 0;
		snprintf(r->error, sizeof(r->error), "chromium: no timing for the root %.150s", url);
		return -EBADMSG;
	}
	struct netlog_fill f;
	int rc = netlog_to_fetch(l, s->pg, s->port, t0_s, r, &f);
	if (rc < 0)
		return rc;
	r->plt_ns = (int64_t)(load_ms * 1e6);
	r->load_event_ns = r->plt_ns;
	r->extra_requests = f.extra;
	if (f.missed || f.bad) {
		snprintf(r->error, sizeof(r->error), "chromium: %zu of %zu resources never requested, "
			 "%zu failed or wrong; first: %.120s", f.missed, s->pg->n, f.bad, f.why);
		return -EBADMSG;
	}
	return 0;
}
