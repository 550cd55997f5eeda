#include "run/session.h"

#include <errno.h>
#include <stdlib.h>

#include "common/log.h"
#include "os/netns.h"
#include "tls/client.h"
#include "workloads/origin.h"

int session_serve(struct testbed *tb, const struct page *pg, int fastopen, enum tls_mode tls,
		  uint64_t seed, bool browser, struct origin **out)
{
	struct origin_opts oo = {
		.addrs = tb->server_addr, .naddrs = pg->nhosts, .fastopen = fastopen,
		.tls = tls, .seed = seed, .base_dir = tb->run_dir, .prefix = tb->prefix,
		.browser = browser,
	};
	struct origin *or = origin_new(pg, &oo);
	int saved, rc;

	if (!or)
		return -EINVAL;
	/* nginx inherits the server namespace from the thread that forks it. */
	rc = testbed_enter(tb, TESTBED_SERVER, &saved);
	if (rc == 0) {
		rc = origin_start(or);
		netns_leave(saved);
	}
	if (rc < 0) {
		origin_free(or);
		return rc;
	}
	*out = or;
	return 0;
}

int session_up(const struct session_opts *o, struct session **out)
{
	struct session *s = calloc(1, sizeof(*s));
	int rc;

	if (!s)
		return -ENOMEM;
	s->pg = o->pg;
	s->tfo_sysctl = -1;
	struct testbed_opts to = {
		.nservers = (int)o->pg->nhosts, .backend = o->backend, .link = o->link,
		.tfo_sysctl = -1, .cc = o->cc,
	};
	if (o->pg->nhosts < 1 || o->pg->nhosts > TESTBED_MAX_SERVERS) {
		log_err("page %s: %zu hosts; the testbed serves 1 to %d", o->pg->name, o->pg->nhosts,
			TESTBED_MAX_SERVERS);
		free(s);
		return -EINVAL;
	}
	rc = testbed_up(&to, &s->tb);
	if (rc < 0) {
		free(s);
		return rc;
	}
	rc = session_serve(s->tb, o->pg, o->fastopen_qlen, o->tls, o->seed, o->markup, &s->origin);
	if (rc < 0)
		goto error;
	/* The markup's gzip lands within 2% of the page's wire size, and a
	 * body whose references need more room than its size grows: every
	 * fetcher then expects, and the store records, the bytes actually sent. */
	for (size_t i = 0; o->markup && i < o->pg->n; i++) {
		o->pg->res[i].wire_bytes = origin_wire_bytes(s->origin, i);
		o->pg->res[i].body_bytes = origin_body_bytes(s->origin, i);
		o->pg->res[i].enc = origin_browser_enc(o->pg, i);
	}
	s->tls = o->tls;
	if (o->tls != TLS_OFF && !(s->tls_client = tls_client_new(o->tls, origin_ca_file(s->origin)))) {
		rc = -EPROTO;
		goto error;
	}
	*out = s;
	return 0;
error:
	session_down(s);
	return rc;
}

int session_down(struct session *s)
{
	if (!s)
		return 0;
	tls_client_free(s->tls_client);
	origin_free(s->origin);
	int rc = testbed_down(s->tb);
	free(s);
	return rc;
}
