/*
 * The origin's browser mode: a page's resources as bodies a browser parses
 * (bodies/markup.h), so that a real browser requests exactly the page's
 * resources.  Here a page becomes markup specs:
 *   - a resource's kind is page_res_kind's (its content type's, an
 *     "other" with children made a script);
 *   - its children are its references: via html, css, js at their decoded
 *     ref_offset; "unknown", and a ref_offset of -1 (after the parent
 *     completed), in the end block (for the root: a <script> at the end);
 *   - references are absolute URLs scheme://HOST[:PORT]/PATH;
 *   - a child loaded by a CSS rule (parent CSS, or via css) gets a
 *     page-wide slot; the root, and every HTML body that loads CSS, holds
 *     an element for every slot (a stylesheet of an iframe loaded by
 *     script finds none: its pictures are then not fetched).
 * Text bodies are gzip'd when the page encodes them (br, zstd and deflate
 * too: Chromium over plain HTTP accepts only gzip and deflate, so gzip
 * stands for them), within 2% of the page's wire size (markup.h).
 */
#include "workloads/origin.h"

#include "bodies/body.h"
#include "bodies/markup.h"
#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum page_enc origin_browser_enc(const struct page *pg, size_t i)
{
	return pg->res[i].enc == PAGE_ENC_IDENTITY ? PAGE_ENC_IDENTITY : PAGE_ENC_GZIP;
}

/* The slot of every resource loaded by a CSS rule (parent CSS, or via
 * css): its rank among them; -1 for the others.  Returns their number. */
static unsigned slots_of(const struct page *pg, const int *kind, int *slot)
{
	unsigned n = 0;
	for (size_t j = 0; j < pg->n; j++) {
		const struct page_res *r = &pg->res[j];
		slot[j] = -1;
		if (r->parent >= 0 && (kind[r->parent] == MARKUP_CSS ||
				       (r->via && strcmp(r->via, "css") == 0)))
			slot[j] = (int)n++;
	}
	return n;
}

void origin_spec_release(struct origin_spec *os)
{
	for (size_t k = 0; k < os->spec.nrefs; k++)
		free((char *)os->refs[k].url);
	free(os->refs);
	memset(os, 0, sizeof(*os));
}

int origin_browser_url(const struct page *pg, size_t i, uint16_t port, int tls, char *out,
		       size_t len)
{
	const char *host = pg->hosts[pg->res[i].host];
	size_t name = strcspn(host, ":");   /* a host's own ":port" stays last */
	char ps[8] = "";
	if (port != (tls ? 443 : 80) && !host[name])
		snprintf(ps, sizeof(ps), ":%u", port);
	int n = snprintf(out, len, "%s://%.*s%s%s%s%s", tls ? "https" : "http", (int)name, host,
			 ORIGIN_BROWSER_TLD, host + name, ps, pg->res[i].path);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : n;
}

/* The URL of resource c (browser mode), or NULL (ENOMEM). */
static char *abs_url(const struct page *pg, const struct page_res *c,
		     const struct origin_opts *o)
{
	size_t i = (size_t)(c - pg->res);
	size_t len = strlen(pg->hosts[c->host]) + strlen(c->path) + 32;
	char *url = malloc(len);
	if (!url ||
	    origin_browser_url(pg, i, origin_port(o), o->tls != TLS_OFF, url, len) < 0) {
		free(url);
		return NULL;
	}
	return url;
}

int origin_spec_make(const struct page *pg, size_t i, const struct origin_opts *o,
		     struct origin_spec *os)
{
	const struct page_res *r = &pg->res[i];
	memset(os, 0, sizeof(*os));
	int *kind = calloc(pg->n, sizeof(*kind)), *slot = calloc(pg->n, sizeof(*slot));
	os->refs = calloc(pg->n, sizeof(*os->refs));
	if (!kind || !slot || !os->refs) {
		free(kind), free(slot), free(os->refs);
		log_err("origin: %s", strerror(ENOMEM));
		return -ENOMEM;
	}
	page_res_kinds(pg, kind);
	unsigned nslots = slots_of(pg, kind, slot);
	size_t n = 0;
	int styled = i == 0;
	for (size_t j = 0; j < pg->n; j++) {
		const struct page_res *c = &pg->res[j];
		if (c->parent != (int)i)
			continue;
		struct markup_ref *m = &os->refs[n];
		if (!(m->url = abs_url(pg, c, o))) {
			os->spec.nrefs = n;
			origin_spec_release(os);
			free(kind), free(slot);
			log_err("origin: %s", strerror(ENOMEM));
			return -ENOMEM;
		}
		m->kind = (enum markup_kind)kind[j];
		m->via = page_res_via(c);
		m->offset = m->via == MARKUP_VIA_END ? MARKUP_AT_END : (uint64_t)c->ref_offset;
		m->slot = slot[j];
		/* Slots go where CSS applies: the root, and an HTML body that
		 * loads a stylesheet or a css-loaded child itself; others keep
		 * their few bytes for filler. */
		styled |= m->kind == MARKUP_CSS || m->slot >= 0;
		n++;
	}
	os->spec.kind = (enum markup_kind)kind[i];
	os->spec.decoded = r->body_bytes;
	os->spec.wire = origin_browser_enc(pg, i) == PAGE_ENC_GZIP ? r->wire_bytes : 0;
	os->spec.seed = origin_body_seed(pg, i, o->seed);
	os->spec.refs = os->refs;
	os->spec.nrefs = n;
	os->spec.nslots = styled ? nslots : 0;
	free(kind);
	free(slot);
	return 0;
}

void origin_file_name(const struct page *pg, size_t i, int browser, char *out, size_t len)
{
	char name[BODY_NAME_MAX];
	body_name(pg->hosts[pg->res[i].host], pg->res[i].path, name, sizeof(name));
	snprintf(out, len, "%s%s", name,
		 browser ? markup_kinds[page_res_kind(pg, i)].ext : "");
}

/* Resource i's markup body, checked and written; its wire size in *wire.
 * A gzip size out of tolerance is logged and served all the same. */
static int browser_body(const struct page *pg, size_t i, const struct origin_opts *o,
			int dfd, struct origin_size *size)
{
	struct origin_spec os;
	struct markup_body b;
	char name[ORIGIN_FILE_MAX], why[256];
	int rc = origin_spec_make(pg, i, o, &os);
	if (rc < 0)
		return rc;
	rc = markup_make(&os.spec, &b);
	if (rc == -ERANGE)
		log_warn("origin: resource %s (line %d): gzip size %zu, wanted %llu (+-%llu)",
			 pg->res[i].id, pg->res[i].line, b.wire_len,
			 (unsigned long long)os.spec.wire,
			 (unsigned long long)MARKUP_TOLERANCE(os.spec.wire));
	else if (rc == 0 && markup_check(&os.spec, &b, why, sizeof(why)) < 0) {
		log_err("origin: resource %s (line %d): body check: %s", pg->res[i].id,
			pg->res[i].line, why);
		rc = -EIO;
	}
	if (rc == 0 || rc == -ERANGE) {
		if (b.flags & MARKUP_GROWN)
			log_warn("origin: resource %s (line %d): its references need %zu bytes, "
				 "more than its %llu", pg->res[i].id, pg->res[i].line,
				 b.decoded_len, (unsigned long long)os.spec.decoded);
		origin_file_name(pg, i, 1, name, sizeof(name));
		rc = body_save(dfd, name, b.wire, b.wire_len);
		size->wire = b.wire_len;
		size->decoded = b.decoded_len;
		markup_body_release(&b);
	}
	origin_spec_release(&os);
	return rc;
}

int origin_docroot_browser(const struct page *pg, const char *dir,
			   const struct origin_opts *o, struct origin_size *size)
{
	int rc = origin_page_check(pg);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < pg->n; i++) {
		enum markup_kind k = page_res_kind(pg, i);
		if (k >= MARKUP_PNG && k != MARKUP_OTHER)
			for (size_t j = 0; j < pg->n; j++)
				if (pg->res[j].parent == (int)i) {
					log_err("origin: resource %s (line %d): a picture cannot "
						"reference %s", pg->res[i].id, pg->res[i].line,
						pg->res[j].id);
					return -EINVAL;
				}
	}
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0) {
		rc = -errno;
		log_err("origin: docroot %s: open: %s", dir, strerror(errno));
		return rc;
	}
	int said = 0;
	for (size_t i = 0; i < pg->n && rc == 0; i++) {
		long d = origin_dup_of(pg, i);
		if (d >= 0) {
			size[i] = size[d];
			continue;
		}
		if (pg->res[i].enc != PAGE_ENC_IDENTITY && pg->res[i].enc != PAGE_ENC_GZIP &&
		    !said++)
			log_info("origin: browser mode serves %s (and every encoding but "
				 "identity) as gzip, which Chromium accepts over HTTP",
				 page_enc_name(pg->res[i].enc));
		rc = browser_body(pg, i, o, dfd, &size[i]);
		if (rc < 0)
			log_err("origin: docroot %s: resource %s (line %d) not written", dir,
				pg->res[i].id, pg->res[i].line);
	}
	close(dfd);
	return rc;
}
