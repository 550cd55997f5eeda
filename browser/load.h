/*
 * One page load by a real Chromium (browser/chromium.h) in the calling
 * thread's network namespace, recorded like the builtin fetcher's
 * (workloads/fetch.h) so that the verdict, the store, waterfalls and HAR
 * treat both alike.  The page's PLT is Navigation Timing's loadEventEnd:
 * from navigation start to the end of the load event.
 */
#ifndef TFOLAB_BROWSER_LOAD_H
#define TFOLAB_BROWSER_LOAD_H

#include <netinet/in.h>
#include <stdint.h>

#include "workloads/fetch.h"
#include "workloads/page.h"

struct browser_opts {
	const char *chromium;     /* binary; NULL = chromium.h's default */
	const char *dir;          /* the run directory: the profile goes there */
	const char *prefix;       /* the run's prefix */
	const char *preload;      /* the TFO library (LD_PRELOAD) for a load
				     with TFO, NULL without */
	uint16_t port;            /* server port; 0 = 80 */
	uint64_t overall_ns;      /* the whole load, start-up excluded; 0 = 300 s */
	uint64_t grace_ns;        /* after the load event, how long requests
				     still missing may take to appear; 0 = 5 s */
};

/*
 * browser_load - start a fresh Chromium, load @pg (host i of the page at
 * @host_addr[i]), stop it.  @r is filled as fetch_page fills it, plus
 * load_event_ns; release it with fetch_result_free.  0 when the browser
 * loaded every resource of the page once, with status 200 and the decoded
 * size of the page; otherwise a negative errno with r->error saying why in
 * one line: -ETIMEDOUT (no load event in time; the browser is killed),
 * -EPIPE (the browser died), -EBADMSG (a resource missed, failed or of the
 * wrong size), or what starting it returned.  Nothing is left running.
 */
int browser_load(const struct page *pg, const struct in_addr *host_addr,
		 const struct browser_opts *o, struct fetch_result *r);

/*
 * browser_resolver_rules - "MAP host.test addr, ..., MAP * ~NOTFOUND" for
 * Chromium's --host-resolver-rules: every host of @pg, as the browser
 * knows it (ORIGIN_BROWSER_TLD), to its address (a host's ":port"
 * dropped), nothing else resolvable.  Malloc'd, or NULL
 * (logged) when out of memory.
 */
char *browser_resolver_rules(const struct page *pg, const struct in_addr *host_addr);

#endif
