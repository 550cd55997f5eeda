/*
 * HAR 1.2 (JSON, parsed with jansson) to a page.
 *
 * Which entries: those whose pageref is the chosen page's id (o->page,
 * 1-based over log.pages; the first page by default).  Without log.pages,
 * every entry; with it, entries without a pageref belong to no page.  data:,
 * blob:, extension (chrome-extension:, moz-extension:) and other non-HTTP
 * URLs, websockets (ws:, wss:, status 101, _resourceType websocket) and
 * failed entries (status 0, or an _error on the entry or its response) are
 * skipped and counted by reason.
 *
 * Bad input is refused, every problem as "FILE: entry N: FIELD: PROBLEM"
 * (N indexes log.entries from 0): an entry that is not an object, a
 * missing or empty request.url, a size field (request/response headersSize
 * and bodySize, _transferSize, content.size) that is not a number, below -1
 * (-1 is HAR's "unknown") or over 1 GiB.
 *
 * Cached entries: _fromCache, or _transferSize 0 with bodySize 0, or
 * httpVersion "unknown" with no timings (none of connect, send, wait,
 * receive above 0).  A cold load fetches them, so they are imported at
 * content.size (unencoded: the wire size of a cold fetch is unknown) on no
 * planned connection, and counted (rep->cached); o->cache_skip leaves them
 * out instead (skipped, counted).
 *
 * Protocols (response.httpVersion, any case): HTTP/1.x, h2 (h2, http/2,
 * http/2.0, spdy), h3 (h3, h3-NN, http/3, quic), unknown; counted.  When a
 * kept entry went over h2 or h3, or a connection carried overlapping
 * requests (HAR_MUX_OVERLAPS of them sent before an earlier one on it had
 * ended: Chrome writes "unknown" for some h2 responses), its connection
 * ids describe multiplexed connections, not HTTP/1.1 ones, so the plan is
 * dropped (every conn -1: the fetcher's pools, 6 per host, k per
 * connection), unless o->plan_keep.
 *
 * Repeated URLs: the n-th repeat of a host and path (n = 1, 2, ...) gets
 * "tfl-repeat=n" appended to its query ("?" or "&"), so each copy is its own
 * resource with its own size and the origin (which maps by $request_uri)
 * tells them apart; request order is kept.  After building, every resource
 * must be servable (origin_res_problem); one that is not fails the import
 * naming its entry.
 *
 * Redirects: a 3xx keeps its own (small) response; its target, the first
 * later entry whose URL is response.redirectURL (resolved against the 3xx's
 * origin when it starts with "/"), gets the 3xx as its parent, so it is
 * requested once the redirect has completed.
 *
 * Metadata: the date from the page's startedDateTime (else the first
 * entry's); source names the file, log.creator and log.browser; a note
 * keeps the full startedDateTime and the counts.
 *
 * Order and ids: entries are sorted by startedDateTime (file order among
 * equal or unreadable times) and numbered 0, 1, ...; entry 0 is the root.
 *
 * Sizes: the wire size (the body as transferred, which is what the
 * emulated link carries) is response.bodySize, else response._transferSize
 * (or the entry's) minus response.headersSize when both are known, else
 * response.content.size, else _objectSize (WebPageTest's body size), else
 * _bytesIn (WebPageTest, headers included).  The decoded size (what the
 * browser parses) is response.content.size, else the wire size.  The
 * encoding is the response's Content-Encoding header when it is gzip,
 * deflate, br or zstd, else identity; an identity body has one size, so
 * when the two differ without such a header the wire size is used for both
 * (a counted warning).  A value counts when it is a number >= 0 or a string
 * holding one.  Taking a fallback for the wire size is a counted warning;
 * when none exists the body is 0 bytes and that is another counted warning,
 * never silent.
 *
 * Request bytes: request.headersSize (> 0) plus request.bodySize (> 0); when
 * headersSize is unknown, import_req_estimate plus the body.
 *
 * Connection: "connection" (Chrome) or "_socket" (WebPageTest), renumbered
 * 0, 1, ... in order of first use; none given: conn -1 (the fetcher picks).
 * Firefox writes the server's port into "connection": when the creator is
 * Firefox, or every entry's "connection" equals its URL's port, it is not
 * a connection id and is ignored (a counted warning).
 * A page's connection goes to one host, so a connection that carried
 * several hosts (HTTP/2 coalescing, or an id reused) becomes one per host,
 * a counted warning.
 *
 * Parent: _initiator (a URL string, or an object with "url" or a
 * stack.callFrames[].url) naming the latest earlier entry with that URL;
 * otherwise the root (a counted warning when an initiator was given but
 * matched nothing).  A redirect's target has the redirect as its parent.  No reference offsets: ref_offset is -1, so a child is
 * requested once its parent completed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common/log.h"
#include "workloads/import_har.h"
#include "workloads/origin.h"

/* 1 if s starts with YYYY-MM-DD (digits and dashes in those places). */
static int iso_date_prefix(const char *s)
{
	for (int i = 0; i < 10; i++) {
		int dash = i == 4 || i == 7;
		if (!s[i] || (dash ? s[i] != '-' : (s[i] < '0' || s[i] > '9')))
			return 0;
	}
	return 1;
}

static int cmp_entry(const void *a, const void *b)
{
	const struct hentry *x = a, *y = b;
	if (x->t_ns != y->t_ns)
		return x->t_ns < y->t_ns ? -1 : 1;
	return (x->index > y->index) - (x->index < y->index);
}

/* Does url name the target of redirect r (from the entry with URL from)? */
static bool redirect_to(const char *r, const char *from, const char *url)
{
	if (r[0] != '/' || r[1] == '/')
		return !strcmp(r, url);
	const char *s = strstr(from, "://");
	if (!s)
		return false;
	size_t olen = (size_t)(s + 3 - from) + strcspn(s + 3, "/?#");
	return !strncmp(url, from, olen) && !strcmp(url + olen, r);
}

/* HAR_MUX_OVERLAPS requests of one connection that went out more than
 * 1 ms before an earlier one on it had ended: it was multiplexed, whatever
 * httpVersion says (Chrome writes "unknown" for some h2 responses).  One
 * or two such overlaps are seen on HTTP/1.1 (rounding, WebPageTest). */
#define HAR_MUX_OVERLAPS 3

static bool conn_multiplexed(const struct har *h, size_t k)
{
	const struct hentry *x = &h->e[k];
	size_t overlaps = 0;
	for (size_t j = 0; j < h->n; j++) {
		const struct hentry *y = &h->e[j];
		if (j == k || !y->conn_key || strcmp(y->conn_key, x->conn_key))
			continue;
		int64_t end = -1;   /* the latest end of those sent before y */
		for (size_t m = 0; m < h->n; m++) {
			const struct hentry *z = &h->e[m];
			if (m != j && z->conn_key && !strcmp(z->conn_key, x->conn_key) &&
			    (z->send_ns < y->send_ns || (z->send_ns == y->send_ns && m < j)) &&
			    z->end_ns > end)
				end = z->end_ns;
		}
		overlaps += y->send_ns + 1000000 < end;
	}
	return overlaps >= HAR_MUX_OVERLAPS;
}

/* Ignores connection ids that are server ports (Firefox), and drops the
 * plan when entries were multiplexed (unless o->plan_keep). */
static void plan_rules(struct har *h, const char *creator)
{
	size_t with = 0, ports = 0, mux = 0;
	for (size_t k = 0; k < h->n; k++) {
		h->rep->proto[h->e[k].proto]++;
		h->rep->cached += h->e[k].cached;
		mux += h->e[k].proto == IMPORT_PROTO_H2 || h->e[k].proto == IMPORT_PROTO_H3;
		if (h->e[k].conn_key) {
			with++;
			ports += h->e[k].conn_is_port;
		}
	}
	bool firefox = creator && strcasestr(creator, "firefox");
	bool port_valued = ports && (firefox || ports == with);
	for (size_t k = 0; k < h->n && !mux && !port_valued; k++)
		if (h->e[k].conn_key && conn_multiplexed(h, k)) {
			mux = 1;
			h->rep->mux_timing = 1;
			log_info("%s: entry %zu: connection %s carried overlapping requests: multiplexed",
				 h->name, h->e[k].index, h->e[k].conn_key);
		}
	bool drop = mux && !h->o->plan_keep;
	for (size_t k = 0; k < h->n; k++) {
		struct hentry *x = &h->e[k];
		if (!x->conn_key || !(drop || (port_valued && (firefox || x->conn_is_port))))
			continue;
		if (!drop) {
			h->rep->warnings[IMPORT_WARN_PORT_CONN]++;
			log_info("%s: entry %zu: connection %s is the server port: ignored",
				 h->name, x->index, x->conn_key);
		}
		free(x->conn_key);
		x->conn_key = NULL;
	}
	h->rep->plan_dropped = drop && with;
}

static void link_entries(struct har *h)
{
	size_t nconn = 0;
	for (size_t k = 0; k < h->n; k++) {
		struct hentry *x = &h->e[k];
		x->parent = k ? 0 : -1;
		x->conn = -1;
		if (x->conn_key) {
			int other_host = 0;
			for (size_t j = 0; j < k && x->conn < 0; j++) {
				if (!h->e[j].conn_key || strcmp(h->e[j].conn_key, x->conn_key))
					continue;
				if (!strcmp(h->e[j].host, x->host))
					x->conn = h->e[j].conn;
				else
					other_host = 1;
			}
			if (x->conn < 0) {
				x->conn = (int)nconn++;
				if (other_host) {
					h->rep->warnings[IMPORT_WARN_CONN_SPLIT]++;
					log_info("%s: entry %zu: connection %s also carries other hosts: conn %d for %s",
						 h->name, x->index, x->conn_key, x->conn, x->host);
				}
			}
		}
		if (k == 0)
			continue;
		size_t j = k;
		while (j-- > 0)
			if (h->e[j].redirect && redirect_to(h->e[j].redirect, h->e[j].url, x->url))
				break;
		if (j < k) {
			bool taken = false;   /* only the first entry after it */
			for (size_t m = j + 1; m < k && !taken; m++)
				taken = h->e[m].parent == (int)j &&
					redirect_to(h->e[j].redirect, h->e[j].url, h->e[m].url);
			if (!taken) {
				x->parent = (int)j;
				h->rep->parent_redirect++;
				continue;
			}
		}
		if (!x->initiator)
			continue;
		j = k;
		while (j-- > 0)
			if (!strcmp(h->e[j].url, x->initiator))
				break;
		if (j < k) {
			x->parent = (int)j;
			h->rep->parent_initiator++;
		} else {
			h->rep->warnings[IMPORT_WARN_INITIATOR]++;
			log_info("%s: entry %zu: initiator %.80s is not an earlier entry: parent = root",
				 h->name, x->index, x->initiator);
		}
	}
}

/* Picks the page; sets *id (NULL: all entries) and the metadata. */
static int choose_page(struct har *h, const json_t *log, const struct import_opts *o,
		       struct page *p, const char **id)
{
	const json_t *pages = json_object_get(log, "pages");
	size_t np = json_is_array(pages) ? json_array_size(pages) : 0;
	size_t want = o->page > 0 ? (size_t)o->page : 1;
	*id = NULL;
	if (want > (np ? np : 1)) {
		log_err("%s: --page: %zu is out of range (the file has %zu page%s)", h->name,
			want, np, np == 1 ? "" : "s");
		return -EINVAL;
	}
	const json_t *pg = np ? json_array_get(pages, want - 1) : NULL;
	if (pg) {
		*id = json_string_value(json_object_get(pg, "id"));
		if (!*id) {
			log_err("%s: log.pages[%zu].id: missing or not a string", h->name, want - 1);
			return -EINVAL;
		}
		const char *d = json_string_value(json_object_get(pg, "startedDateTime"));
		int64_t ns;
		if (d && har_parse_time(d, &ns) == 0) {
			/* The page's own calendar date, as written; the parse of
			 * the time may have skipped blanks or taken another form,
			 * so keep it only when it reads YYYY-MM-DD (else the
			 * first entry's time gives the date below). */
			d += strspn(d, " \t");
			if (iso_date_prefix(d) && !(p->date = strndup(d, 10)))
				return -ENOMEM;
			char *note;
			if (asprintf(&note, "recorded: page started %.40s", d) < 0)
				return -ENOMEM;
			import_text_clean(note);
			int rc = page_add_note(p, "%s", note);
			free(note);
			if (rc < 0)
				return rc;
		}
	}
	const json_t *cr = json_object_get(log, "creator"), *br = json_object_get(log, "browser");
	const char *cn = json_string_value(json_object_get(cr, "name"));
	const char *cv = json_string_value(json_object_get(cr, "version"));
	const char *bn = json_string_value(json_object_get(br, "name"));
	const char *bv = json_string_value(json_object_get(br, "version"));
	char *src;
	if (asprintf(&src, "%s, HAR by %.60s %.30s%s%.60s %.30s%s, page %.60s (%zu of %zu)",
		     import_basename(h->name), cn ? cn : "unknown", cv ? cv : "",
		     bn ? " (browser " : "", bn ? bn : "", bn && bv ? bv : "", bn ? ")" : "",
		     *id ? *id : "-", want, np) < 0)
		return -ENOMEM;
	import_text_clean(src);
	int rc = page_set_str(&p->source, src);
	free(src);
	return rc;
}

/* The n-th repeat of a host and path gets "tfl-repeat=n" in its query
 * (bumped past any path the page already has).  0 or -ENOMEM. */
static int split_repeats(struct har *h)
{
	for (size_t k = 1; k < h->n; k++) {
		struct hentry *x = &h->e[k];
		size_t n = 0;
		for (size_t j = 0; j < k; j++)
			n += !strcmp(h->e[j].host, x->host) &&
			     !strcmp(h->e[j].path, x->path);
		if (!n)
			continue;
		char *np = NULL;
		for (int taken = 1; taken; n++) {
			free(np);
			if (asprintf(&np, "%s%stfl-repeat=%zu", x->path, strchr(x->path, '?') ? "&" : "?",
				     n) < 0)
				return -ENOMEM;
			taken = 0;
			for (size_t j = 0; j < h->n && !taken; j++)
				taken = !strcmp(h->e[j].host, x->host) && !strcmp(h->e[j].path, np);
		}
		log_info("%s: entry %zu: %s%s fetched again: path %s", h->name, x->index, x->host,
			 x->path, np);
		free(x->path);
		x->path = np;
		h->rep->warnings[IMPORT_WARN_REPEAT]++;
	}
	return 0;
}

/* Every resource must be servable: else "FILE: entry N: request.url: WHY". */
static void check_servable(struct har *h, const struct page *p)
{
	char why[256];
	for (size_t k = 0; k < p->n; k++)
		if (origin_res_problem(p, k, why, sizeof(why)) < 0)
			har_err(h, h->e[k].index, "request.url", "cannot be served: %s", why);
}

static int build(struct har *h, struct page *p)
{
	for (size_t k = 0; k < h->n; k++) {
		struct hentry *x = &h->e[k];
		char id[24];
		snprintf(id, sizeof(id), "%zu", k);
		struct page_res r;
		page_res_init(&r);
		r.id = id;
		r.parent = x->parent;
		r.path = x->path;
		r.body_bytes = x->body;
		r.wire_bytes = x->wire;
		r.enc = x->enc;
		r.req_bytes = x->req;
		r.ctype = x->ctype;
		r.conn = x->conn;
		if (page_add(p, &r, x->host) < 0)
			return -ENOMEM;
	}
	if (!p->date && h->n && h->e[0].t_ns != INT64_MIN) {
		time_t t = (time_t)(h->e[0].t_ns / 1000000000);
		struct tm tm;
		char d[16];
		if (gmtime_r(&t, &tm) && strftime(d, sizeof(d), "%Y-%m-%d", &tm) == 10 &&
		    page_set_str(&p->date, d) < 0)
			return -ENOMEM;
	}
	/* (a note is one line of free text) */
	int rc = page_add_note(p, "wire sizes: response.bodySize (bytes transferred), else _transferSize - headersSize, content.size, _objectSize, _bytesIn");
	if (rc == 0)
		rc = page_add_note(p, "decoded sizes: content.size, else the wire size; encoding: Content-Encoding if gzip, deflate, br or zstd, else identity (one size: the wire size)");
	if (rc == 0)
		rc = page_add_note(p, "parents: _initiator naming an earlier entry, else the root; request bytes: request.headersSize + bodySize, else estimated");
	if (rc == 0 && (h->rep->cached || h->rep->skipped[IMPORT_SKIP_CACHED]))
		rc = page_add_note(p, h->o->cache_skip ? "%zu of %zu entries were served from cache: left out (--cache skip)"
				   : "%zu of %zu entries were served from cache; imported at their content size (as a cold load fetches them)",
				   h->rep->cached + h->rep->skipped[IMPORT_SKIP_CACHED], h->rep->entries);
	if (rc == 0)
		rc = page_add_note(p, "protocols: HTTP/1.x %zu, h2 %zu, h3 %zu, unknown %zu; connection plan: %s",
				   h->rep->proto[IMPORT_PROTO_H1], h->rep->proto[IMPORT_PROTO_H2],
				   h->rep->proto[IMPORT_PROTO_H3], h->rep->proto[IMPORT_PROTO_UNKNOWN],
				   h->rep->plan_dropped ? h->rep->mux_timing ? "dropped (a connection carried overlapping requests: multiplexed ids are not HTTP/1.1 connections; --plan keep keeps them)" : "dropped (multiplexed ids are not HTTP/1.1 connections; --plan keep keeps them)"
				   : page_count_conns(p) ? "kept" : "none");
	if (rc == 0 && h->rep->warnings[IMPORT_WARN_REPEAT])
		rc = page_add_note(p, "%zu repeated URLs: tfl-repeat=N added to the query of the N-th repeat",
				   h->rep->warnings[IMPORT_WARN_REPEAT]);
	if (rc == 0)
		rc = page_add_note(p, "entries %zu, kept %zu, skipped: data %zu, blob %zu, extension %zu, websocket %zu, other scheme %zu, failed %zu, cached %zu; size fallbacks %zu, sizes unknown %zu, sizes differing without Content-Encoding %zu",
				   h->rep->entries, h->n, h->rep->skipped[IMPORT_SKIP_DATA],
				   h->rep->skipped[IMPORT_SKIP_BLOB], h->rep->skipped[IMPORT_SKIP_EXTENSION],
				   h->rep->skipped[IMPORT_SKIP_WEBSOCKET], h->rep->skipped[IMPORT_SKIP_SCHEME],
				   h->rep->skipped[IMPORT_SKIP_FAILED], h->rep->skipped[IMPORT_SKIP_CACHED],
				   h->rep->warnings[IMPORT_WARN_SIZE_FALLBACK],
				   h->rep->warnings[IMPORT_WARN_SIZE_UNKNOWN],
				   h->rep->warnings[IMPORT_WARN_SIZE_MISMATCH]);
	return rc;
}

int import_har(const char *name, const char *buf, size_t len,
	       const struct import_opts *o, struct page **built,
	       struct import_report *rep)
{
	struct har h = { .name = name, .rep = rep, .o = o };
	json_error_t jerr;
	json_t *root = json_loadb(buf, len, 0, &jerr);
	struct page *p = NULL;
	int rc = 0;
	if (!root) {
		log_err("%s:%d: JSON: %s (column %d)", name, jerr.line, jerr.text, jerr.column);
		return -EINVAL;
	}
	const json_t *log = json_object_get(root, "log");
	const json_t *entries = json_object_get(log, "entries");
	if (!json_is_array(entries)) {
		log_err("%s: log.entries: missing or not an array (not a HAR file)", name);
		rc = -EINVAL;
		goto end;
	}
	const char *pid;
	if (!(p = import_page_new(name, o)) ||
	    !(h.e = calloc(json_array_size(entries) + 1, sizeof(*h.e)))) {
		rc = -ENOMEM;
		goto end;
	}
	if ((rc = choose_page(&h, log, o, p, &pid)) < 0)
		goto end;
	size_t i;
	const json_t *e;
	json_array_foreach(entries, i, e) {
		if (!json_is_object(e)) {
			har_err(&h, i, "", "not an object");
			continue;
		}
		const char *ref = json_string_value(json_object_get(e, "pageref"));
		if (pid && (!ref || strcmp(ref, pid))) {
			rep->other_pages++;
			continue;
		}
		rep->entries++;
		if ((rc = har_read_entry(&h, i, e)) < 0)
			goto end;
	}
	if (h.n == 0 && !h.nerr) {
		log_err("%s: page %s: no entries to import (%zu read, all skipped)", name,
			pid ? pid : "-", rep->entries);
		rc = -EINVAL;
		goto end;
	}
	qsort(h.e, h.n, sizeof(*h.e), cmp_entry);
	plan_rules(&h, json_string_value(json_object_get(json_object_get(log, "creator"), "name")));
	link_entries(&h);
	if ((rc = split_repeats(&h)) < 0 || (rc = build(&h, p)) < 0)
		goto end;
	if (!h.nerr)
		check_servable(&h, p);
	for (int w = 0; w < IMPORT_WARN_N; w++)
		if (rep->warnings[w])
			log_warn("%s: %zu entr%s: %s%s", name, rep->warnings[w],
				 rep->warnings[w] == 1 ? "y" : "ies", import_warn_name(w),
				 log_verbose ? "" : " (-v lists them)");
	rep->kept = h.n;
	if (h.nerr > HAR_MAX_ERRORS)
		log_err("%s: %d more errors not shown", name, h.nerr - HAR_MAX_ERRORS);
	rc = h.nerr ? -EINVAL : 0;
end:
	if (rc == -ENOMEM)
		log_err("%s: out of memory", name);
	for (size_t k = 0; k < h.n; k++)
		har_entry_free(&h.e[k]);
	free(h.e);
	json_decref(root);
	if (rc == 0)
		*built = p;
	else
		page_free(p);
	return rc;
}
