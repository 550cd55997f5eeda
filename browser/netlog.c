#include "browser/netlog.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "workloads/origin.h"

int netlog_init(struct netlog *l, const char *session)
{
	memset(l, 0, sizeof(*l));
	if (session && !(l->session = strdup(session))) {
		log_err("browser network log: strdup: %s", strerror(ENOMEM));
		return -ENOMEM;
	}
	return 0;
}

void netlog_release(struct netlog *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->req[i].id);
		free(l->req[i].url);
		free(l->req[i].failed);
	}
	free(l->req);
	free(l->session);
	memset(l, 0, sizeof(*l));
}

static struct netlog_req *find_id(struct netlog *l, const char *id)
{
	/* Newest first: a redirect reuses its requestId for the next hop. */
	for (size_t i = l->n; i-- > 0;)
		if (!strcmp(l->req[i].id, id))
			return &l->req[i];
	return NULL;
}

static int add_req(struct netlog *l, const char *id, const char *url, double ts)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 64;
		struct netlog_req *r = realloc(l->req, cap * sizeof(*r));
		if (!r)
			goto nomem;
		l->req = r;
		l->cap = cap;
	}
	struct netlog_req *q = &l->req[l->n];
	*q = (struct netlog_req){ .queued_s = ts, .base_s = -1, .connect_ms = -1,
				  .connected_ms = -1, .send_ms = -1, .head_ms = -1,
				  .done_s = -1, .conn_id = -1 };
	q->id = strdup(id);
	q->url = strdup(url);
	if (!q->id || !q->url) {
		free(q->id);
		free(q->url);
		goto nomem;
	}
	l->n++;
	return 0;
nomem:
	log_err("browser network log: request %s: %s", url, strerror(ENOMEM));
	return -ENOMEM;
}

static double num(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_number(v) ? json_number_value(v) : -1;
}

/* The response's timing: ms offsets from requestTime, -1 when not reached. */
static void take_response(struct netlog_req *q, json_t *resp)
{
	q->status = (int)num(resp, "status");
	q->conn_id = (int64_t)num(resp, "connectionId");
	json_t *t = json_object_get(resp, "timing");
	if (!json_is_object(t))
		return;
	q->base_s = num(t, "requestTime");
	q->connect_ms = num(t, "connectStart");
	q->connected_ms = num(t, "connectEnd");
	q->send_ms = num(t, "sendStart");
	/* receiveHeadersStart is the first byte of the head; older builds
	 * only have receiveHeadersEnd. */
	q->head_ms = num(t, "receiveHeadersStart");
	if (q->head_ms <= 0)
		q->head_ms = num(t, "receiveHeadersEnd");
}

int netlog_event(struct netlog *l, json_t *ev)
{
	const char *method = json_string_value(json_object_get(ev, "method"));
	const char *sid = json_string_value(json_object_get(ev, "sessionId"));
	if (!method || strncmp(method, "Network.", 8) || (l->session && (!sid || strcmp(sid, l->session))))
		return 0;
	method += 8;
	static const char *const ours[] = { "requestWillBeSent", "responseReceived", "dataReceived",
					    "loadingFinished", "loadingFailed" };
	size_t k = 0;
	while (k < 5 && strcmp(method, ours[k]))
		k++;
	if (k == 5)
		return 0;   /* policyUpdated, the ExtraInfo events, ... */
	json_t *p = json_object_get(ev, "params");
	const char *id = json_string_value(json_object_get(p, "requestId"));
	if (!id) {
		log_err("browser network log: Network.%s without a requestId", method);
		return -EPROTO;
	}
	if (!strcmp(method, "requestWillBeSent")) {
		const char *url = json_string_value(json_object_get(json_object_get(p, "request"), "url"));
		if (!url) {
			log_err("browser network log: request %s without a URL", id);
			return -EPROTO;
		}
		return add_req(l, id, url, num(p, "timestamp"));
	}
	struct netlog_req *q = find_id(l, id);
	if (!q)
		return 0;   /* a request of another kind (e.g. a data: URL) */
	if (!strcmp(method, "responseReceived")) {
		take_response(q, json_object_get(p, "response"));
	} else if (!strcmp(method, "dataReceived")) {
		double d = num(p, "dataLength");
		q->body_bytes += d > 0 ? (uint64_t)d : 0;
	} else if (!strcmp(method, "loadingFinished")) {
		q->done_s = num(p, "timestamp");
		double e = num(p, "encodedDataLength");
		q->wire_bytes = e > 0 ? (uint64_t)e : 0;
	} else if (!strcmp(method, "loadingFailed") && !q->failed) {
		const char *t = json_string_value(json_object_get(p, "errorText"));
		if (!(q->failed = strdup(t ? t : "failed"))) {
			log_err("browser network log: strdup: %s", strerror(ENOMEM));
			return -ENOMEM;
		}
		q->done_s = num(p, "timestamp");
	}
	return 0;
}

size_t netlog_pending(const struct netlog *l)
{
	size_t n = 0;
	for (size_t i = 0; i < l->n; i++)
		n += l->req[i].done_s < 0 && !l->req[i].failed;
	return n;
}

const char *netlog_first_pending(const struct netlog *l)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->req[i].done_s < 0 && !l->req[i].failed)
			return l->req[i].url;
	return NULL;
}

long netlog_find(const struct netlog *l, const char *url, size_t nth)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->req[i].url, url) && nth-- == 0)
			return (long)i;
	return -1;
}

int netlog_url(const struct page *pg, size_t i, uint16_t port, char *out, size_t len)
{
	int n = origin_browser_url(pg, i, port ? port : 80, 0, out, len);
	return n < 0 ? n : 0;
}

/* ns since t0 of @base_s + @ms, or -1 when either is unknown. */
static int64_t at(double base_s, double ms, double t0_s)
{
	if (base_s < 0 || ms < 0)
		return -1;
	return llround((base_s - t0_s) * 1e9 + ms * 1e6);
}

static void note(struct netlog_fill *f, const char *fmt, const char *a, const char *b)
{
	if (!f->why[0])
		snprintf(f->why, sizeof(f->why), fmt, a, b);
}

/* Which request answers each resource: the k-th resource with a URL takes
 * the k-th request of that URL.  match[i] = request index or -1. */
static int match_requests(const struct netlog *l, const struct page *pg, uint16_t port,
			  long *match)
{
	char url[NETLOG_URL_MAX];
	for (size_t i = 0; i < pg->n; i++) {
		if (netlog_url(pg, i, port, url, sizeof(url)) < 0)
			return -ENAMETOOLONG;
		size_t nth = 0;
		for (size_t j = 0; j < i; j++)
			nth += pg->res[j].host == pg->res[i].host &&
			       !strcmp(pg->res[j].path, pg->res[i].path);
		match[i] = netlog_find(l, url, nth);
	}
	return 0;
}

static void fill_req(const struct netlog_req *q, const struct page_res *res, double t0_s,
		     struct fetch_req *out, struct netlog_fill *f)
{
	out->queued_ns = q->queued_s >= 0 ? llround((q->queued_s - t0_s) * 1e9) : -1;
	out->sent_ns = at(q->base_s, q->send_ms, t0_s);
	out->first_byte_ns = at(q->base_s, q->head_ms, t0_s);
	out->done_ns = q->done_s >= 0 && !q->failed ? llround((q->done_s - t0_s) * 1e9) : -1;
	/* loadingFinished is stamped in the network service, the response's
	 * timing in the same clock but rounded apart: never before the head. */
	if (out->done_ns >= 0 && out->done_ns < out->first_byte_ns)
		out->done_ns = out->first_byte_ns;
	out->status = q->status;
	out->resp_bytes = q->wire_bytes;
	out->body_bytes = q->body_bytes;
	char what[96];
	if (q->failed) {
		f->bad++;
		note(f, "%s: %s", q->failed, q->url);
	} else if (q->status != 200) {
		f->bad++;
		snprintf(what, sizeof(what), "status %d", q->status);
		note(f, "%s: %s", what, q->url);
	} else if (q->done_s >= 0 && q->body_bytes != res->body_bytes) {
		f->bad++;
		snprintf(what, sizeof(what), "%llu decoded bytes, the page says %llu",
			 (unsigned long long)q->body_bytes, (unsigned long long)res->body_bytes);
		note(f, "%s: %s", what, q->url);
	}
}

/* Connections in order of first use; each resource gets its index, and the
 * first request sent on a connection opened it. */
static int number_conns(const struct netlog *l, const long *match, const struct page *pg,
			double t0_s, struct fetch_result *r)
{
	r->conns = calloc(pg->n ? pg->n : 1, sizeof(*r->conns));
	if (!r->conns)
		return -ENOMEM;
	for (;;) {
		/* The earliest-sent resource whose connection has no number yet. */
		long best = -1;
		for (size_t i = 0; i < pg->n; i++) {
			const struct netlog_req *q = match[i] >= 0 ? &l->req[match[i]] : NULL;
			/* a request without timing (-1) sorts last */
			if (q && q->conn_id >= 0 && r->req[i].conn < 0 &&
			    (best < 0 || (uint64_t)r->req[i].sent_ns < (uint64_t)r->req[best].sent_ns))
				best = (long)i;
		}
		if (best < 0)
			return 0;
		const struct netlog_req *first = &l->req[match[best]];
		struct fetch_conn *c = &r->conns[r->nconns];
		*c = (struct fetch_conn){ .host = pg->res[best].host, .tls_done_ns = -1,
					  .closed_ns = -1 };
		c->connect_ns = at(first->base_s, first->connect_ms, t0_s);
		c->connected_ns = at(first->base_s, first->connected_ms, t0_s);
		for (size_t i = 0; i < pg->n; i++)
			if (match[i] >= 0 && l->req[match[i]].conn_id == first->conn_id) {
				r->req[i].conn = (int)r->nconns;
				c->requests++;
			}
		r->req[best].new_conn = true;
		r->req[best].connect_ns = c->connect_ns;
		r->req[best].connected_ns = c->connected_ns;
		r->nconns++;
	}
}

int netlog_to_fetch(const struct netlog *l, const struct page *pg, uint16_t port, double t0_s,
		    struct fetch_result *r, struct netlog_fill *f)
{
	memset(r, 0, sizeof(*r));
	memset(f, 0, sizeof(*f));
	r->plt_ns = -1;
	r->n = pg->n;
	r->req = calloc(pg->n ? pg->n : 1, sizeof(*r->req));
	long *match = calloc(pg->n ? pg->n : 1, sizeof(*match));
	bool *used = calloc(l->n ? l->n : 1, sizeof(*used));
	int rc = r->req && match && used ? match_requests(l, pg, port, match) : -ENOMEM;
	for (size_t i = 0; rc == 0 && i < pg->n; i++) {
		struct fetch_req *q = &r->req[i];
		*q = (struct fetch_req){ .queued_ns = -1, .connect_ns = -1, .connected_ns = -1,
					 .tls_done_ns = -1, .sent_ns = -1, .first_byte_ns = -1,
					 .done_ns = -1, .conn = -1 };
		if (match[i] < 0) {
			f->missed++;
			log_warn("the browser never requested resource %s (line %d): %s%s",
				 pg->res[i].id, pg->res[i].line, page_host(pg, &pg->res[i]),
				 pg->res[i].path);
			note(f, "never requested: %s%s", page_host(pg, &pg->res[i]), pg->res[i].path);
			continue;
		}
		used[match[i]] = true;
		fill_req(&l->req[match[i]], &pg->res[i], t0_s, q, f);
		r->bytes_rx += q->resp_bytes;
	}
	if (rc == 0)
		rc = number_conns(l, match, pg, t0_s, r);
	for (size_t k = 0; rc == 0 && k < l->n; k++)
		f->extra += !used[k];
	if (rc == -ENOMEM)
		log_err("browser network log: %zu resources: %s", pg->n, strerror(ENOMEM));
	else if (rc < 0)
		log_err("browser network log: a URL of page %s is too long", pg->name);
	free(match);
	free(used);
	return rc;
}
