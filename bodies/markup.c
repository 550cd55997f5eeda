/*
 * Bodies a browser parses: the layout (references at their offsets, the
 * gaps between them filled with comments) and the references' text.  The
 * gzip size is reached by markup_gzip.c, which rewrites only the bytes
 * inside the comments: the structure is laid out once.
 *
 * Layout of a text body, front to back:
 *   - HTML's skeleton: <!DOCTYPE html><meta charset=utf-8> and the slots
 *     <i class=tflG></i> (dropped from the end when the body is too small);
 *   - each reference in order of offset (ties in the spec's order), at its
 *     offset or, when the one before (or the skeleton) still covers it, at
 *     the first free byte after (the displacement is reported);
 *   - the end block (HTML: one <script> with the MARKUP_AT_END statements;
 *     CSS and JS: their texts) ending exactly at the decoded size;
 *   - every gap a comment (<!--x--> in HTML, / *x* / in CSS and JS), or
 *     spaces when shorter than an empty comment; other bodies are filler
 *     alone.  Comment bytes avoid '-', '<', '>', '!', '*' and '/', so no
 *     comment ends early.
 * When the texts need more room than the decoded size, the body grows
 * (MARKUP_GROWN) rather than dropping a reference.
 */
#include "bodies/markup.h"

#include "bodies/body.h"
#include "bodies/markup_int.h"
#include "common/log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const struct markup_kind_info markup_kinds[MARKUP_KINDS] = {
	[MARKUP_HTML] = {"html", ".html", "text/html; charset=utf-8", 1},
	[MARKUP_CSS] = {"css", ".css", "text/css; charset=utf-8", 1},
	[MARKUP_JS] = {"js", ".js", "application/javascript; charset=utf-8", 1},
	[MARKUP_PNG] = {"png", ".png", "image/png", 0},
	[MARKUP_GIF] = {"gif", ".gif", "image/gif", 0},
	[MARKUP_JPEG] = {"jpeg", ".jpg", "image/jpeg", 0},
	[MARKUP_OTHER] = {"other", ".bin", "application/octet-stream", 0},
};

enum markup_kind markup_kind_of_ctype(const char *ctype)
{
	static const struct {
		const char *ctype;
		enum markup_kind kind;
	} map[] = {
		{"text/html", MARKUP_HTML}, {"application/xhtml+xml", MARKUP_HTML},
		{"text/css", MARKUP_CSS}, {"application/javascript", MARKUP_JS},
		{"text/javascript", MARKUP_JS}, {"application/x-javascript", MARKUP_JS},
		{"image/png", MARKUP_PNG}, {"image/gif", MARKUP_GIF},
		{"image/jpeg", MARKUP_JPEG}, {"image/jpg", MARKUP_JPEG},
	};
	if (!ctype)
		return MARKUP_OTHER;
	size_t n = strcspn(ctype, "; \t");
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strlen(map[i].ctype) == n && strncasecmp(ctype, map[i].ctype, n) == 0)
			return map[i].kind;
	return MARKUP_OTHER;
}

/* ---- growable text ----------------------------------------------------- */

int sbuf_put(struct sbuf *b, const char *s, size_t n)
{
	if (b->err)
		return -ENOMEM;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (!p) {
			b->err = 1;
			return -ENOMEM;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

static void sbuf_str(struct sbuf *b, const char *s)
{
	sbuf_put(b, s, strlen(s));
}

/* The URL escaped for where it goes.  HTML attribute (double-quoted):
 * & and ".  CSS string (double-quoted): " \ < and control bytes as hex
 * escapes ending in a space.  JS string (double-quoted): " \ < and
 * control bytes as \xHH (< so that no "</script" closes an inline
 * script).  Every escape decodes to the URL's exact bytes. */
enum esc { ESC_ATTR, ESC_CSS, ESC_JS };

static void sbuf_url(struct sbuf *b, const char *u, enum esc e)
{
	char t[8];
	for (const unsigned char *s = (const unsigned char *)u; *s; s++) {
		int special = *s < 0x20 || *s == 0x7f || *s == '"' || *s == '\\' || *s == '<';
		if (e == ESC_ATTR && *s == '&')
			sbuf_str(b, "&amp;");
		else if (e == ESC_ATTR && *s == '"')
			sbuf_str(b, "&quot;");
		else if (e == ESC_CSS && special)
			snprintf(t, sizeof(t), "\\%x ", *s), sbuf_str(b, t);
		else if (e == ESC_JS && special)
			snprintf(t, sizeof(t), "\\x%02x", *s), sbuf_str(b, t);
		else
			sbuf_put(b, (const char *)s, 1);
	}
}

/* ---- the references' text ---------------------------------------------- */

static int is_image(enum markup_kind k)
{
	return k == MARKUP_PNG || k == MARKUP_GIF || k == MARKUP_JPEG;
}

/* The JavaScript statement that requests r. */
static void js_stmt(struct sbuf *b, const struct markup_ref *r)
{
	static const char *const insert[][2] = {
		[MARKUP_JS] = {"{let e=document.createElement(\"script\");e.src=\"",
			       "\";(document.head||document.documentElement).appendChild(e)}"},
		[MARKUP_CSS] = {"{let e=document.createElement(\"link\");e.rel=\"stylesheet\";"
				"e.href=\"",
				"\";(document.head||document.documentElement).appendChild(e)}"},
		[MARKUP_HTML] = {"{let e=document.createElement(\"iframe\");e.src=\"",
				 "\";(document.body||document.documentElement).appendChild(e)}"},
	};
	if (is_image(r->kind)) {
		sbuf_str(b, "new Image().src=\"");
		sbuf_url(b, r->url, ESC_JS);
		sbuf_str(b, "\";");
	} else if (r->kind == MARKUP_OTHER) {
		/* The body is read: Chromium cancels (net::ERR_ABORTED) a
		 * fetch whose body nobody reads. */
		sbuf_str(b, "fetch(\"");
		sbuf_url(b, r->url, ESC_JS);
		sbuf_str(b, "\").then(function(r){return r.arrayBuffer()});");
	} else {
		sbuf_str(b, insert[r->kind][0]);
		sbuf_url(b, r->url, ESC_JS);
		sbuf_str(b, insert[r->kind][1]);
	}
}

/* .tflG{background-image:url("u")} */
static void css_rule(struct sbuf *b, const struct markup_ref *r)
{
	char t[40];
	snprintf(t, sizeof(t), ".tfl%d{background-image:url(\"", r->slot);
	sbuf_str(b, t);
	sbuf_url(b, r->url, ESC_CSS);
	sbuf_str(b, "\")}");
}

/* The tag of a via=html reference in HTML. */
static void html_tag(struct sbuf *b, const struct markup_ref *r)
{
	static const char *const tag[][2] = {
		[MARKUP_HTML] = {"<iframe src=\"", "\"></iframe>"},
		[MARKUP_CSS] = {"<link rel=stylesheet href=\"", "\">"},
		[MARKUP_JS] = {"<script src=\"", "\"></script>"},
		[MARKUP_PNG] = {"<img src=\"", "\">"},
		[MARKUP_GIF] = {"<img src=\"", "\">"},
		[MARKUP_JPEG] = {"<img src=\"", "\">"},
	};
	if (r->kind == MARKUP_OTHER) {
		sbuf_str(b, "<script>");
		js_stmt(b, r);
		sbuf_str(b, "</script>");
		return;
	}
	sbuf_str(b, tag[r->kind][0]);
	sbuf_url(b, r->url, ESC_ATTR);
	sbuf_str(b, tag[r->kind][1]);
}

/* Whether r's form is a css rule, which needs a slot. */
static int needs_slot(enum markup_kind parent, const struct markup_ref *r, int rule_seen)
{
	if (parent == MARKUP_CSS)
		return r->kind != MARKUP_CSS || rule_seen;
	return parent == MARKUP_HTML && r->via == MARKUP_VIA_CSS;
}

/*
 * The text of reference r in a body of kind parent, into b (emptied).
 * *rule_seen says whether a CSS rule came before (then @import is
 * ignored by browsers) and is updated.  -EINVAL (logged) when parent
 * carries no references or a rule has no slot.
 */
static int ref_text(enum markup_kind parent, const struct markup_ref *r, int *rule_seen,
		    struct sbuf *b)
{
	b->len = 0;
	if (!markup_kinds[parent].text || parent == MARKUP_OTHER) {
		log_err("markup: a %s body cannot reference %s", markup_kinds[parent].name, r->url);
		return -EINVAL;
	}
	if (needs_slot(parent, r, *rule_seen) && r->slot < 0) {
		log_err("markup: %s: a css rule needs a slot", r->url);
		return -EINVAL;
	}
	if (parent == MARKUP_JS || (parent == MARKUP_HTML && r->offset == MARKUP_AT_END)) {
		js_stmt(b, r);
	} else if (parent == MARKUP_CSS) {
		if (r->kind == MARKUP_CSS && !*rule_seen) {
			sbuf_str(b, "@import url(\"");
			sbuf_url(b, r->url, ESC_CSS);
			sbuf_str(b, "\");");
		} else {
			css_rule(b, r);
			*rule_seen = 1;
		}
	} else if (r->via == MARKUP_VIA_JS) {
		sbuf_str(b, "<script>");
		js_stmt(b, r);
		sbuf_str(b, "</script>");
	} else if (r->via == MARKUP_VIA_CSS) {
		sbuf_str(b, "<style>");
		css_rule(b, r);
		sbuf_str(b, "</style>");
	} else {
		html_tag(b, r);
	}
	return b->err ? -ENOMEM : 0;
}

/* qsort_r order of reference indices: by offset, then index. */
static int by_offset(const void *a, const void *b, void *spec)
{
	const struct markup_spec *s = spec;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	uint64_t oi = s->refs[i].offset, oj = s->refs[j].offset;
	if (oi != oj)
		return oi < oj ? -1 : 1;
	return i < j ? -1 : i > j;
}

int markup_texts(const struct markup_spec *s, size_t *order, struct sbuf *texts)
{
	for (size_t i = 0; i < s->nrefs; i++)
		order[i] = i;
	qsort_r(order, s->nrefs, sizeof(*order), by_offset, (void *)s);
	int rule_seen = 0;
	for (size_t k = 0; k < s->nrefs; k++) {
		int rc = ref_text(s->kind, &s->refs[order[k]], &rule_seen, &texts[k]);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* ---- layout ------------------------------------------------------------ */

/* HTML's skeleton with as many slots as fit in room bytes. */
static void skeleton(const struct markup_spec *s, uint64_t room, struct sbuf *b,
		     unsigned *slots)
{
	static const char head[] = "<!DOCTYPE html><meta charset=utf-8>";
	char t[40];
	*slots = 0;
	if (s->kind != MARKUP_HTML)
		return;
	sbuf_str(b, head);
	for (unsigned g = 0; g < s->nslots; g++) {
		int n = snprintf(t, sizeof(t), "<i class=tfl%u></i>", g);
		if (b->len + (size_t)n > room)
			break;
		sbuf_str(b, t);
		(*slots)++;
	}
}

/* Fills [at, at + gap) of the layout: a comment whose inside is a filler
 * segment, or spaces when the gap is too short for one. */
static int gap_fill(struct layout *l, uint64_t at, uint64_t gap)
{
	static const char *const wrap[][2] = {
		[MARKUP_HTML] = {"<!--", "-->"}, [MARKUP_CSS] = {"/*", "*/"},
		[MARKUP_JS] = {"/*", "*/"}, [MARKUP_OTHER] = {"", ""},
	};
	const char *open = wrap[l->kind][0], *close = wrap[l->kind][1];
	size_t ol = strlen(open), cl = strlen(close);
	if (gap == 0)
		return 0;
	if (gap < ol + cl + 1) {
		memset(l->buf + at, ' ', gap);
		return 0;
	}
	memcpy(l->buf + at, open, ol);
	memcpy(l->buf + at + gap - cl, close, cl);
	if (l->nsegs % 64 == 0) {
		struct seg *p = realloc(l->segs, (l->nsegs + 64) * sizeof(*p));
		if (!p)
			return -ENOMEM;
		l->segs = p;
	}
	l->segs[l->nsegs++] = (struct seg){at + ol, gap - ol - cl};
	l->filler += gap - ol - cl;
	return 0;
}

/* The end block: HTML's <script> around the AT_END statements, else the
 * texts one after the other; off[k] is where text k starts inside it. */
static void end_block(const struct markup_spec *s, struct sbuf *texts, size_t from,
		      struct sbuf *end, uint64_t *off)
{
	if (from == s->nrefs)
		return;
	if (s->kind == MARKUP_HTML)
		sbuf_str(end, "<script>");
	for (size_t k = from; k < s->nrefs; k++) {
		off[k] = end->len;
		sbuf_put(end, texts[k].p, texts[k].len);
	}
	if (s->kind == MARKUP_HTML)
		sbuf_str(end, "</script>");
}

/* The positions of the skeleton (at 0), the references and the end
 * block; the size of the body. */
static uint64_t positions(const struct markup_spec *s, const size_t *order, size_t nmid,
			  const struct sbuf *texts, size_t skel, size_t endlen, uint64_t *pos)
{
	uint64_t cur = skel;
	for (size_t k = 0; k < nmid; k++) {
		uint64_t want = s->refs[order[k]].offset;
		pos[k] = want > cur ? want : cur;
		cur = pos[k] + texts[k].len;
	}
	uint64_t end = s->decoded >= endlen ? s->decoded - endlen : 0;
	pos[nmid] = endlen && end > cur ? end : cur;
	cur = pos[nmid] + endlen;
	return cur > s->decoded ? cur : s->decoded;
}

int markup_layout(const struct markup_spec *s, struct layout *l, struct markup_body *out)
{
	size_t n = s->nrefs, nmid = 0;
	size_t *order = calloc(n + 1, sizeof(*order));
	struct sbuf *texts = calloc(n + 1, sizeof(*texts));
	uint64_t *pos = calloc(n + 1, sizeof(*pos)), *endoff = calloc(n + 1, sizeof(*endoff));
	struct sbuf skel = {0}, end = {0};
	int rc = -ENOMEM;
	memset(l, 0, sizeof(*l));
	l->kind = s->kind;
	out->placed = calloc(n + 1, sizeof(*out->placed));
	if (!order || !texts || !pos || !endoff || !out->placed)
		goto out;
	if ((rc = markup_texts(s, order, texts)) < 0)
		goto out;
	while (nmid < n && s->refs[order[nmid]].offset != MARKUP_AT_END)
		nmid++;
	end_block(s, texts, nmid, &end, endoff);
	uint64_t need = end.len;
	for (size_t k = 0; k < nmid; k++)
		need += texts[k].len;
	skeleton(s, s->decoded > need ? s->decoded - need : 0, &skel, &out->slots);
	if (n == 0 && skel.len > s->decoded) {
		skel.len = s->decoded;   /* a tiny HTML body: its skeleton's prefix */
		out->flags |= MARKUP_TRUNCATED;
	}
	rc = -ENOMEM;
	if (skel.err || end.err)
		goto out;
	l->size = positions(s, order, nmid, texts, skel.len, end.len, pos);
	if (!(l->buf = malloc(l->size ? l->size : 1)))
		goto out;
	if (skel.len)   /* an empty sbuf has no buffer */
		memcpy(l->buf, skel.p, skel.len);
	uint64_t cur = skel.len;
	for (size_t k = 0; k <= nmid; k++) {
		if ((rc = gap_fill(l, cur, pos[k] - cur)) < 0)
			goto out;
		const struct sbuf *t = k < nmid ? &texts[k] : &end;
		if (t->len)
			memcpy(l->buf + pos[k], t->p, t->len);
		cur = pos[k] + t->len;
		if (k == nmid)
			break;
		out->placed[order[k]] = pos[k];
		uint64_t d = pos[k] - s->refs[order[k]].offset;
		if (d > out->max_displaced)
			out->max_displaced = d;
	}
	for (size_t k = nmid; k < n; k++)
		out->placed[order[k]] = pos[nmid] + endoff[k];
	rc = gap_fill(l, cur, l->size - cur);
	if (l->size > s->decoded)
		out->flags |= MARKUP_GROWN;
out:
	for (size_t k = 0; texts && k < n; k++)
		free(texts[k].p);
	free(texts), free(order), free(pos), free(endoff), free(skel.p), free(end.p);
	if (rc < 0)
		markup_layout_release(l);
	return rc;
}

void markup_layout_release(struct layout *l)
{
	free(l->buf);
	free(l->segs);
	memset(l, 0, sizeof(*l));
}
