/*
 * Bodies a browser parses (the origin's browser mode): HTML, CSS and
 * JavaScript whose references make a browser request exactly the given
 * URLs, each reference at a given decoded offset, padded with inert filler
 * (comments) to an exact decoded size, and gzip'd to within
 * MARKUP_TOLERANCE of a given wire size; images are a valid 1x1 picture of
 * their type padded with random bytes after its end marker.
 *
 * Pure: memory in, memory out, nothing of the page model (bodies/ sits
 * below workloads/); workloads/origin_bodies.c turns a page into specs.
 *
 * How each reference is written, by the parent's kind and the via:
 *   HTML, via html:  css <link rel=stylesheet href>, js <script src>,
 *                    png/gif/jpeg <img src>, html <iframe src>,
 *                    other <script>fetch("u")</script>
 *   HTML, via js:    <script>STATEMENT</script> (JS's statement below)
 *   HTML, via css:   <style>.tflG{background-image:url("u")}</style>
 *   HTML, via end:   one <script> at the very end holding every
 *                    MARKUP_AT_END reference's STATEMENT ("unknown")
 *   CSS, any via:    a css child while no rule came before it:
 *                    @import url("u");  anything else (and a css child
 *                    after a rule, where @import is ignored): the rule
 *                    .tflG{background-image:url("u")}, which every HTML
 *                    document's <i class=tflG></i> (the slots) makes the
 *                    browser fetch, as an image whatever it is
 *   JS, any via:     the STATEMENT: png/gif/jpeg new Image().src="u";
 *                    js an inserted <script>, css an inserted <link
 *                    rel=stylesheet>, html an inserted <iframe>,
 *                    other fetch("u");
 * G is the reference's slot (struct markup_ref.slot), a page-wide index.
 * Images and other bodies carry no references (-EINVAL).
 * Note that fetch() does not delay the load event, while every other
 * form does.
 */
#ifndef TFOLAB_BODIES_MARKUP_H
#define TFOLAB_BODIES_MARKUP_H

#include <stddef.h>
#include <stdint.h>

enum markup_kind {
	MARKUP_HTML,
	MARKUP_CSS,
	MARKUP_JS,
	MARKUP_PNG,
	MARKUP_GIF,
	MARKUP_JPEG,
	MARKUP_OTHER,
	MARKUP_KINDS
};

/* One table: the kind's name, file extension (with the dot), the MIME
 * type the origin serves it with, and whether it is text (filler and
 * references) rather than a picture or opaque bytes. */
struct markup_kind_info {
	const char *name;
	const char *ext;
	const char *mime;
	int text;
};
extern const struct markup_kind_info markup_kinds[MARKUP_KINDS];

/* The kind of a content type ("text/html", "image/png; q", ...): the
 * seven above; anything unknown (NULL included) is MARKUP_OTHER. */
enum markup_kind markup_kind_of_ctype(const char *ctype);

enum markup_via { MARKUP_VIA_HTML, MARKUP_VIA_CSS, MARKUP_VIA_JS, MARKUP_VIA_END };

/* The offset of a reference in the end script of the root ("unknown"). */
#define MARKUP_AT_END UINT64_MAX

struct markup_ref {
	uint64_t offset;        /* decoded offset wanted, or MARKUP_AT_END */
	const char *url;        /* absolute URL, e.g. http://host/path?q */
	enum markup_kind kind;  /* the child's kind: how it is loaded */
	enum markup_via via;
	int slot;               /* page-wide slot G for a css-style reference
	                           (parent CSS, or via css); -1 = none */
};

struct markup_spec {
	enum markup_kind kind;
	uint64_t decoded;       /* exact decoded size */
	uint64_t wire;          /* gzip size wanted; 0 = served identity */
	uint64_t seed;          /* everything random derives from it */
	const struct markup_ref *refs;  /* any order */
	size_t nrefs;
	unsigned nslots;        /* HTML: <i class=tflG></i> for G < nslots */
};

/* The tolerance on the gzip size: 2% of the target, but at least 16
 * bytes (a small body's granularity and gzip's 18-byte frame). */
#define MARKUP_TOLERANCE(wire) ((wire) / 50 > 16 ? (wire) / 50 : 16)

struct markup_body {
	unsigned char *decoded; /* the body as the browser parses it */
	size_t decoded_len;     /* = spec.decoded unless flags & MARKUP_GROWN */
	unsigned char *wire;    /* as sent: gzip stream, or = decoded */
	size_t wire_len;
	uint64_t *placed;       /* per spec ref: offset of its text (tag,
	                           rule or statement; for MARKUP_AT_END the
	                           statement inside the end script) */
	uint64_t max_displaced; /* largest placed - offset (not AT_END) */
	unsigned slots;         /* slots written (HTML) */
	unsigned flags;         /* MARKUP_* below */
};
#define MARKUP_GROWN 1      /* references did not fit: decoded_len > decoded */
#define MARKUP_TRUNCATED 2  /* an image shorter than its minimal picture, or
                               an HTML body shorter than its skeleton and
                               slots: a prefix of them */
#define MARKUP_WIDE 4       /* filler needed bytes 0x80-0xFF to reach wire */

/*
 * Makes the body of spec into *out (zeroed first; release it with
 * markup_body_release).  Returns 0; -ERANGE when the gzip size cannot come
 * within MARKUP_TOLERANCE of spec->wire (*out is then filled all the same,
 * with the closest size found, for the caller to log); -EINVAL (logged)
 * for a reference its parent cannot carry or a css-style reference without
 * a slot; -ENOMEM.  Deterministic: the same spec gives the same bytes.
 */
int markup_make(const struct markup_spec *spec, struct markup_body *out);
void markup_body_release(struct markup_body *b);

/*
 * Checks b against spec: decoded size (unless grown), gunzip(wire) ==
 * decoded, wire within tolerance, each reference's text at its placed
 * offset.  Returns 0, or -EINVAL with the first problem in why.
 */
int markup_check(const struct markup_spec *spec, const struct markup_body *b,
		 char *why, size_t len);

#endif
