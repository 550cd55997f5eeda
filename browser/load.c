#include "browser/load.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "browser/cdp.h"
#include "browser/chromium.h"
#include "browser/netlog.h"
#include "browser/settle.h"
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

#define DEFAULT_OVERALL_NS 300000000000ULL
#define DEFAULT_GRACE_NS 5000000000ULL

struct pump {
	struct netlog *log;
	struct settle st;       /* when the load is over (browser/settle.h) */
	const char *session;
};

static int on_event(json_t *ev, void *arg)
{
	struct pump *p = arg;
	const char *m = json_string_value(json_object_get(ev, "method"));
	const char *sid = json_string_value(json_object_get(ev, "sessionId"));
	if (m && !strcmp(m, "Page.loadEventFired") && sid && !strcmp(sid, p->session))
		settle_load_event(&p->st, clock_mono_ns());
	if (m && (!strcmp(m, "Inspector.detached") || !strcmp(m, "Inspector.targetCrashed") ||
		  !strcmp(m, "Target.targetCrashed"))) {
		log_err("chromium: %s", strcmp(m, "Inspector.detached") ? "the page crashed"
									: "the page detached");
		return -EPIPE;
	}
	return netlog_event(p->log, ev);
}

/* Events until the load event (@settled false) or until the load is over
 * (@settled true; settle_check decides, this only reads the clock and the
 * pipe).  0, -ETIMEDOUT when the bound passed first, or what the pipe or
 * an event returned. */
static int pump_until(struct cdp *c, struct pump *p, bool settled)
{
	for (;;) {
		int64_t wake;
		enum settle_state st = settle_check(&p->st, p->log, clock_mono_ns(), &wake);
		if (st == SETTLE_TIMEDOUT)
			return -ETIMEDOUT;
		if (st == SETTLE_DONE || (!settled && p->st.load_ns >= 0))
			return 0;
		json_t *m;
		int rc = cdp_next(c, wake, &m);
		if (rc == -ETIMEDOUT)
			continue;   /* the grace or the bound is over: settle_check says which */
		if (rc < 0)
			return rc;
		rc = json_object_get(m, "id") ? 0 : on_event(m, p);
		json_decref(m);
		if (rc < 0)
			return rc;
	}
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

/* The load itself, once the browser is up: navigate, wait, collect. */
static int navigate(struct chromium *b, struct pump *p, struct fetch_result *r)
{
	struct cdp *c = chromium_cdp(b);
	int64_t deadline = p->st.deadline_ns;
	char url[NETLOG_URL_MAX];
	json_t *res = NULL;
	double req_ms = 0, load_ms = 0;
	int rc = page_setup(c, p, deadline);
	if (rc == 0 && (rc = netlog_url(p->st.pg, 0, p->st.port, url, sizeof(url))) == 0)
		rc = cdp_call(c, p->session, "Page.navigate", json_pack("{s:s}", "url", url),
			      deadline, on_event, p, &res);
	const char *err = json_string_value(json_object_get(res, "errorText"));
	if (rc == 0 && err) {
		snprintf(r->error, sizeof(r->error), "chromium: navigating to %.120s: %.80s", url, err);
		rc = -ECONNREFUSED;
	}
	json_decref(res);
	if (rc == 0)
		rc = pump_until(c, p, false);
	if (rc == 0)
		rc = nav_timing(c, p, deadline, &req_ms, &load_ms);
	if (rc == 0)
		rc = pump_until(c, p, true);
	if (rc == 0)
		return settle_finish(&p->st, p->log, req_ms, load_ms, r);
	if (rc == -ETIMEDOUT && !r->error[0])
		settle_timeout(&p->st, p->log, r);
	if (!r->error[0])
		snprintf(r->error, sizeof(r->error), "chromium: %s",
			 rc == -EPIPE ? "the browser died" : strerror(-rc));
	return rc;
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
		struct pump p = { .log = &log, .session = chromium_session(b) };
		settle_init(&p.st, pg, o->port, clock_mono_ns(),
			    o->overall_ns ? o->overall_ns : DEFAULT_OVERALL_NS,
			    o->grace_ns ? o->grace_ns : DEFAULT_GRACE_NS);
		rc = navigate(b, &p, r);
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
