#include "browser/load.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "browser/cdp.h"
#include "browser/chromium.h"
#include "browser/netlog.h"
#include "common/clock.h"
#include "common/log.h"
#include "workloads/origin.h"

#define START_TIMEOUT_NS (30 * 1000000000LL)

/*
 * Navigation Timing once the load event has ended (loadEventEnd is 0
 * while its handlers run): requestStart, to put the browser's clock and
 * ours together, and loadEventEnd, the PLT; both in ms from navigation
 * start.
 */
static const char nav_js[] =
	"new Promise(function (done) {"
	" (function poll() {"
	"  var n = performance.getEntriesByType('navigation')[0];"
	"  if (n && n.loadEventEnd > 0)"
	"   done([n.requestStart, n.loadEventEnd]);"
	"  else setTimeout(poll, 5);"
	" })();"
	"})";

char *browser_resolver_rules(const struct page *pg, const struct in_addr *host_addr)
{
	size_t cap = 32 + pg->nhosts * sizeof(ORIGIN_BROWSER_TLD);
	for (size_t h = 0; h < pg->nhosts; h++)
		cap += strlen(pg->hosts[h]) + INET_ADDRSTRLEN + 8;
	char *s = malloc(cap), *p = s;
	if (!s) {
		log_err("chromium: host resolver rules: %s", strerror(ENOMEM));
		return NULL;
	}
	for (size_t h = 0; h < pg->nhosts; h++) {
		char a[INET_ADDRSTRLEN];
		inet_ntop(AF_INET, &host_addr[h], a, sizeof(a));
		p += sprintf(p, "MAP %.*s%s %s, ", (int)strcspn(pg->hosts[h], ":"), pg->hosts[h],
			     ORIGIN_BROWSER_TLD, a);
	}
	strcpy(p, "MAP * ~NOTFOUND");
	return s;
}

struct pump {
	struct netlog *log;
	const struct page *pg;
	uint16_t port;
	uint64_t grace_ns;
	int64_t load_fired;     /* CLOCK_MONOTONIC of Page.loadEventFired, or -1 */
	const char *session;
};

static int on_event(json_t *ev, void *arg)
{
	struct pump *p = arg;
	const char *m = json_string_value(json_object_get(ev, "method"));
	const char *sid = json_string_value(json_object_get(ev, "sessionId"));
	if (m && !strcmp(m, "Page.loadEventFired") && sid && !strcmp(sid, p->session) &&
	    p->load_fired < 0)
		p->load_fired = clock_mono_ns();
	if (m && (!strcmp(m, "Inspector.detached") || !strcmp(m, "Inspector.targetCrashed") ||
		  !strcmp(m, "Target.targetCrashed"))) {
		log_err("chromium: %s", strcmp(m, "Inspector.detached") ? "the page crashed"
									: "the page detached");
		return -EPIPE;
	}
	return netlog_event(p->log, ev);
}

/* Events until @done(p) holds or @deadline_ns passes.  While every
 * request is answered, the wait for resources not yet requested ends with
 * the grace after the load event: then done() holds by itself. */
static int pump_until(struct cdp *c, struct pump *p, int64_t deadline_ns,
		      int (*done)(const struct pump *, int64_t now_ns))
{
	while (!done(p, clock_mono_ns())) {
		json_t *m;
		int64_t until = deadline_ns;
		if (p->load_fired >= 0 && !netlog_pending(p->log) &&
		    p->load_fired + (int64_t)p->grace_ns < until)
			until = p->load_fired + (int64_t)p->grace_ns;
		int rc = cdp_next(c, until, &m);
		if (rc == -ETIMEDOUT && until < deadline_ns)
			continue;   /* the grace is over: done() says so */
		if (rc < 0)
			return rc;
		rc = json_object_get(m, "id") ? 0 : on_event(m, p);
		json_decref(m);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int load_fired(const struct pump *p, int64_t now_ns)
{
	(void)now_ns;
	return p->load_fired >= 0;
}

/* Every request answered, and every resource requested or its grace over. */
static int settled(const struct pump *p, int64_t now_ns)
{
	if (netlog_pending(p->log))
		return 0;
	if (now_ns - p->load_fired >= (int64_t)p->grace_ns)
		return 1;
	char url[NETLOG_URL_MAX];
	for (size_t i = 0; i < p->pg->n; i++)
		if (netlog_url(p->pg, i, p->port, url, sizeof(url)) == 0 &&
		    netlog_find(p->log, url, 0) < 0)
			return 0;
	return 1;
}

/* Sets up the page: the Network and Page events on, the cache off. */
static int page_setup(struct cdp *c, struct pump *p, int64_t deadline_ns)
{
	static const char *const cmds[] = { "Network.enable", "Page.enable" };
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < 2; i++)
		rc = cdp_call(c, p->session, cmds[i], NULL, deadline_ns, on_event, p, NULL);
	if (rc == 0)
		rc = cdp_call(c, p->session, "Network.setCacheDisabled",
			      json_pack("{s:b}", "cacheDisabled", 1), deadline_ns, on_event, p, NULL);
	return rc;
}

/* Navigation Timing's [requestStart, loadEventEnd] in ms. */
static int nav_timing(struct cdp *c, struct pump *p, int64_t deadline_ns, double *req_ms,
		      double *load_ms)
{
	json_t *res = NULL;
	int rc = cdp_call(c, p->session, "Runtime.evaluate",
			  json_pack("{s:s, s:b, s:b}", "expression", nav_js, "awaitPromise", 1,
				    "returnByValue", 1),
			  deadline_ns, on_event, p, &res);
	json_t *v = json_object_get(json_object_get(res, "result"), "value");
	if (rc == 0 && (json_array_size(v) != 2 || !json_is_number(json_array_get(v, 0)))) {
		log_err("chromium: Navigation Timing: no entry");
		rc = -EPROTO;
	}
	if (rc == 0) {
		*req_ms = json_number_value(json_array_get(v, 0));
		*load_ms = json_number_value(json_array_get(v, 1));
	}
	json_decref(res);
	return rc;
}

/* The browser's clock at navigation start: the root's request left at
 * requestStart ms after it, and at base + send ms in the browser's clock. */
static int nav_start(const struct netlog *l, const struct page *pg, uint16_t port,
		     double req_ms, double *t0_s)
{
	char url[NETLOG_URL_MAX];
	long k = netlog_url(pg, 0, port, url, sizeof(url)) == 0 ? netlog_find(l, url, 0) : -1;
	if (k < 0 || l->req[k].base_s < 0 || l->req[k].send_ms < 0)
		return -EBADMSG;
	*t0_s = l->req[k].base_s + l->req[k].send_ms / 1000 - req_ms / 1000;
	return 0;
}

/* The load itself, once the browser is up: navigate, wait, collect. */
static int navigate(struct chromium *b, struct pump *p, const struct browser_opts *o,
		    struct fetch_result *r)
{
	struct cdp *c = chromium_cdp(b);
	int64_t deadline = clock_mono_ns() + (int64_t)(o->overall_ns ? o->overall_ns : 300000000000ULL);
	char url[NETLOG_URL_MAX];
	json_t *res = NULL;
	double req_ms = 0, load_ms = 0, t0_s = 0;
	int rc = page_setup(c, p, deadline);
	if (rc == 0 && (rc = netlog_url(p->pg, 0, p->port, url, sizeof(url))) == 0)
		rc = cdp_call(c, p->session, "Page.navigate", json_pack("{s:s}", "url", url),
			      deadline, on_event, p, &res);
	const char *err = json_string_value(json_object_get(res, "errorText"));
	if (rc == 0 && err) {
		snprintf(r->error, sizeof(r->error), "chromium: navigating to %.120s: %.80s", url, err);
		rc = -ECONNREFUSED;
	}
	json_decref(res);
	if (rc == 0)
		rc = pump_until(c, p, deadline, load_fired);
	if (rc == 0)
		rc = nav_timing(c, p, deadline, &req_ms, &load_ms);
	if (rc == 0)
		rc = pump_until(c, p, deadline, settled);
	if (rc == 0 && nav_start(p->log, p->pg, p->port, req_ms, &t0_s) < 0) {
		snprintf(r->error, sizeof(r->error), "chromium: no timing for the root %.150s", url);
		rc = -EBADMSG;
	}
	const char *waiting = netlog_first_pending(p->log);
	if (rc == -ETIMEDOUT && !r->error[0])
		snprintf(r->error, sizeof(r->error), "chromium: %s in %.0f s (killed); %zu of %zu "
			 "requests unanswered, first: %.100s",
			 p->load_fired < 0 ? "no load event" : "requests still open",
			 (o->overall_ns ? o->overall_ns : 300000000000ULL) / 1e9,
			 netlog_pending(p->log), p->log->n, waiting ? waiting : "none");
	if (rc < 0 && !r->error[0])
		snprintf(r->error, sizeof(r->error), "chromium: %s",
			 rc == -EPIPE ? "the browser died" : strerror(-rc));
	if (rc < 0)
		return rc;
	struct netlog_fill f;
	if ((rc = netlog_to_fetch(p->log, p->pg, p->port, t0_s, r, &f)) < 0)
		return rc;
	r->plt_ns = (int64_t)(load_ms * 1e6);
	r->load_event_ns = r->plt_ns;
	r->extra_requests = f.extra;
	if (f.missed || f.bad) {
		snprintf(r->error, sizeof(r->error), "chromium: %zu of %zu resources never requested, "
			 "%zu failed or wrong; first: %.120s", f.missed, p->pg->n, f.bad, f.why);
		return -EBADMSG;
	}
	return 0;
}

int browser_load(const struct page *pg, const struct in_addr *host_addr,
		 const struct browser_opts *o, struct fetch_result *r)
{
	memset(r, 0, sizeof(*r));
	r->plt_ns = r->load_event_ns = -1;
	char *rules = browser_resolver_rules(pg, host_addr);
	if (!rules)
		return -ENOMEM;
	struct chromium_opts co = { .binary = o->chromium, .dir = o->dir, .prefix = o->prefix,
				    .resolver_rules = rules, .preload = o->preload };
	struct chromium *b = NULL;
	int rc = chromium_start(&co, clock_mono_ns() + START_TIMEOUT_NS, &b);
	free(rules);
	if (rc < 0) {
		snprintf(r->error, sizeof(r->error), "chromium did not start: %s", strerror(-rc));
		return rc;
	}
	struct netlog log;
	if ((rc = netlog_init(&log, chromium_session(b))) == 0) {
		struct pump p = { .log = &log, .pg = pg, .port = o->port, .load_fired = -1,
				  .grace_ns = o->grace_ns ? o->grace_ns : 5000000000ULL,
				  .session = chromium_session(b) };
		rc = navigate(b, &p, o, r);
		if (rc == -EPIPE) {
			char tail[160];
			chromium_stderr_tail(b, tail, sizeof(tail));
			if (tail[0])
				snprintf(r->error, sizeof(r->error), "chromium died: %s", tail);
		}
		netlog_release(&log);
	}
	chromium_free(b);
	return rc;
}
