/*
 * Reaching the wire size.  A text body's filler (the inside of its
 * comments, taken in order as one stream of F bytes) is random for its
 * first R bytes and a repeated phrase after: gzip's size grows with R,
 * nearly one for one while random bytes cost ~6 bits each, so a binary
 * search on R lands within a few bytes of any size between the
 * all-repeated and the all-random body.  Random bytes come first from a
 * 64-symbol alphabet (letters, digits, space, '.'); when even all-random
 * filler compresses too well, from 192 symbols (the same and bytes
 * 0x80-0xFF, which sit harmlessly in comments: a UTF-8 decoder makes them
 * U+FFFD).  Pictures: a valid 1x1 picture, then random bytes.
 */
#include "bodies/markup.h"

#include "bodies/body.h"
#include "bodies/markup_int.h"
#include "common/log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static const char phrase[] = "tfolab filler, text repeated so that it compresses well. ";
static const char narrow[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 .";

/* The smallest valid picture of each type (1x1; the JPEG from libjpeg,
 * grey, quality 50, optimized; the PNG grey 8-bit), whose decoders stop
 * at the end marker, so random bytes may follow. */
static const unsigned char png[] = {
	0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48,
	0x44, 0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00, 0x00, 0x00,
	0x00, 0x3a, 0x7e, 0x9b, 0x55, 0x00, 0x00, 0x00, 0x0a, 0x49, 0x44, 0x41, 0x54, 0x78,
	0xda, 0x63, 0xf8, 0x0f, 0x00, 0x01, 0x01, 0x01, 0x00, 0x1c, 0xb0, 0x8c, 0x99, 0x00,
	0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82};
static const unsigned char gif[] = {
	0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0xff,
	0xff, 0xff, 0x00, 0x00, 0x00, 0x21, 0xf9, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00, 0x2c,
	0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x02, 0x02, 0x44, 0x01, 0x00,
	0x3b};
static const unsigned char jpeg[] = {
	0xff, 0xd8, 0xff, 0xdb, 0x00, 0x43, 0x00, 0x10, 0x0b, 0x0c, 0x0e, 0x0c, 0x0a, 0x10,
	0x0e, 0x0d, 0x0e, 0x12, 0x11, 0x10, 0x13, 0x18, 0x28, 0x1a, 0x18, 0x16, 0x16, 0x18,
	0x31, 0x23, 0x25, 0x1d, 0x28, 0x3a, 0x33, 0x3d, 0x3c, 0x39, 0x33, 0x38, 0x37, 0x40,
	0x48, 0x5c, 0x4e, 0x40, 0x44, 0x57, 0x45, 0x37, 0x38, 0x50, 0x6d, 0x51, 0x57, 0x5f,
	0x62, 0x67, 0x68, 0x67, 0x3e, 0x4d, 0x71, 0x79, 0x70, 0x64, 0x78, 0x5c, 0x65, 0x67,
	0x63, 0xff, 0xc0, 0x00, 0x0b, 0x08, 0x00, 0x01, 0x00, 0x01, 0x01, 0x01, 0x11, 0x00,
	0xff, 0xc4, 0x00, 0x14, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07, 0xff, 0xc4, 0x00, 0x14, 0x10, 0x01,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0xff, 0xda, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3f, 0x00, 0x40, 0x7f,
	0xff, 0xd9};

/* ---- gzip -------------------------------------------------------------- */

/* gzip (deflate level 6, the header's time 0) of in into *out, which is
 * grown as needed (*cap its size).  Its length, or 0 on failure. */
static size_t gzip(const unsigned char *in, size_t n, unsigned char **out, size_t *cap)
{
	z_stream z = {0};
	if (deflateInit2(&z, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return 0;
	size_t bound = deflateBound(&z, n);
	if (bound > *cap) {
		unsigned char *p = realloc(*out, bound);
		if (!p) {
			deflateEnd(&z);
			return 0;
		}
		*out = p;
		*cap = bound;
	}
	z.next_in = (unsigned char *)in;
	z.avail_in = (uInt)n;
	z.next_out = *out;
	z.avail_out = (uInt)*cap;
	int r = deflate(&z, Z_FINISH);
	size_t len = z.total_out;
	deflateEnd(&z);
	return r == Z_STREAM_END ? len : 0;
}

/* gunzip of in equals want (exactly want_len bytes). */
static int gunzip_equals(const unsigned char *in, size_t n, const unsigned char *want,
			 size_t want_len)
{
	unsigned char *buf = malloc(want_len + 1);
	z_stream z = {0};
	if (!buf || inflateInit2(&z, 31) != Z_OK) {
		free(buf);
		return 0;
	}
	z.next_in = (unsigned char *)in;
	z.avail_in = (uInt)n;
	z.next_out = buf;
	z.avail_out = (uInt)want_len + 1;
	int r = inflate(&z, Z_FINISH);
	int ok = r == Z_STREAM_END && z.total_out == want_len && z.avail_in == 0 &&
		 memcmp(buf, want, want_len) == 0;
	inflateEnd(&z);
	free(buf);
	return ok;
}

/* ---- filler and search ------------------------------------------------- */

struct search {
	struct layout *l;
	unsigned char *rnd;     /* F random bytes, the seed's stream */
	unsigned char *gz;      /* gzip output, reused */
	size_t gzcap;
};

/* Writes the filler for R random bytes (wide: the 192-symbol alphabet) and
 * returns the gzip size (0 on failure). */
static size_t try_r(struct search *x, uint64_t r, int wide)
{
	uint64_t j = 0;
	size_t nn = sizeof(narrow) - 1, plen = sizeof(phrase) - 1;
	for (size_t s = 0; s < x->l->nsegs; s++) {
		unsigned char *p = x->l->buf + x->l->segs[s].at;
		for (uint64_t i = 0; i < x->l->segs[s].len; i++, j++) {
			unsigned v = x->rnd[j];
			if (j >= r)
				p[i] = (unsigned char)phrase[j % plen];
			else if (!wide)
				p[i] = (unsigned char)narrow[v % nn];
			else
				p[i] = v % (nn + 128) < nn ? (unsigned char)narrow[v % (nn + 128)]
							   : (unsigned char)(0x80 + v % (nn + 128) - nn);
		}
	}
	return gzip(x->l->buf, x->l->size, &x->gz, &x->gzcap);
}

static uint64_t dist(size_t a, uint64_t b)
{
	return a > b ? a - b : b - a;
}

/*
 * The R (and alphabet) whose gzip size is nearest want; leaves the body
 * filled with it and *got its size.  0, -ERANGE when out of tolerance,
 * -ENOMEM.
 */
static int search(struct search *x, uint64_t want, unsigned *flags, size_t *got)
{
	uint64_t F = x->l->filler, tol = MARKUP_TOLERANCE(want);
	int wide = 0;
	size_t hi = try_r(x, F, 0);
	if (hi && hi + tol < want && F > 0) {
		wide = 1;
		*flags |= MARKUP_WIDE;
		hi = try_r(x, F, 1);
	}
	size_t lo = try_r(x, 0, wide);
	if (!lo || !hi)
		return -ENOMEM;
	uint64_t a = 0, b = F, best;
	size_t sa = lo, sb = hi;
	if (want > lo && want < hi) {
		while (b - a > 1) {   /* size(a) < want <= size(b), nearly monotone */
			uint64_t m = a + (b - a) / 2;
			size_t sm = try_r(x, m, wide);
			if (!sm)
				return -ENOMEM;
			if (sm < want)
				a = m, sa = sm;
			else
				b = m, sb = sm;
		}
	}
	best = dist(sa, want) <= dist(sb, want) ? a : b;
	if (want >= hi)
		best = F;
	*got = try_r(x, best, wide);
	if (!*got)
		return -ENOMEM;
	return dist(*got, want) <= tol ? 0 : -ERANGE;
}

/* ---- bodies ------------------------------------------------------------ */

/* A picture: the minimal one (a prefix when the body is smaller), then
 * random bytes. */
static int picture(const struct markup_spec *s, struct markup_body *out)
{
	const unsigned char *pic = s->kind == MARKUP_PNG ? png : s->kind == MARKUP_GIF ? gif : jpeg;
	size_t plen = s->kind == MARKUP_PNG ? sizeof(png)
		      : s->kind == MARKUP_GIF ? sizeof(gif) : sizeof(jpeg);
	if (!(out->decoded = malloc(s->decoded ? s->decoded : 1)))
		return -ENOMEM;
	out->decoded_len = s->decoded;
	if (s->decoded < plen) {
		plen = s->decoded;
		out->flags |= MARKUP_TRUNCATED;
	}
	memcpy(out->decoded, pic, plen);
	body_fill(s->seed, 0, out->decoded + plen, s->decoded - plen);
	return 0;
}

static int text_body(const struct markup_spec *s, struct markup_body *out)
{
	struct layout l;
	int rc = markup_layout(s, &l, out);
	if (rc < 0)
		return rc;
	struct search x = {.l = &l, .rnd = malloc(l.filler ? l.filler : 1)};
	size_t got = 0;
	if (!x.rnd) {
		markup_layout_release(&l);
		return -ENOMEM;
	}
	body_fill(s->seed, 0, x.rnd, l.filler);
	if (s->wire) {
		rc = search(&x, s->wire, &out->flags, &got);
		if (rc != -ENOMEM) {
			out->wire = x.gz;
			out->wire_len = got;
			x.gz = NULL;
		}
	} else {
		try_r(&x, l.filler, 0);   /* identity: the filler all random */
	}
	out->decoded = l.buf;
	out->decoded_len = l.size;
	l.buf = NULL;
	free(x.rnd);
	free(x.gz);
	markup_layout_release(&l);
	return rc;
}

int markup_make(const struct markup_spec *spec, struct markup_body *out)
{
	memset(out, 0, sizeof(*out));
	if ((unsigned)spec->kind >= MARKUP_KINDS) {
		log_err("markup: kind %d out of range", (int)spec->kind);
		return -EINVAL;
	}
	int rc;
	if (markup_kinds[spec->kind].text || spec->kind == MARKUP_OTHER) {
		rc = text_body(spec, out);
	} else if (spec->nrefs > 0) {
		log_err("markup: a %s body cannot reference %s", markup_kinds[spec->kind].name,
			spec->refs[0].url);
		rc = -EINVAL;
	} else if ((rc = picture(spec, out)) == 0 && spec->wire) {
		size_t cap = 0;
		out->wire_len = gzip(out->decoded, out->decoded_len, &out->wire, &cap);
		rc = !out->wire_len ? -ENOMEM
		     : dist(out->wire_len, spec->wire) <= MARKUP_TOLERANCE(spec->wire) ? 0 : -ERANGE;
	}
	if (rc == -ENOMEM)
		log_err("markup: %s", strerror(ENOMEM));
	if (rc == 0 || rc == -ERANGE) {
		if (!out->wire) {
			out->wire = out->decoded;
			out->wire_len = out->decoded_len;
		}
		if (!out->placed)
			out->placed = calloc(1, sizeof(*out->placed));
	}
	if (rc < 0 && rc != -ERANGE)
		markup_body_release(out);
	return rc;
}

void markup_body_release(struct markup_body *b)
{
	if (b->wire != b->decoded)
		free(b->wire);
	free(b->decoded);
	free(b->placed);
	memset(b, 0, sizeof(*b));
}

/* ---- check ------------------------------------------------------------- */

static int refs_check(const struct markup_spec *s, const struct markup_body *b, char *why,
		      size_t len)
{
	size_t n = s->nrefs;
	size_t *order = calloc(n + 1, sizeof(*order));
	struct sbuf *texts = calloc(n + 1, sizeof(*texts));
	int rc = order && texts ? markup_texts(s, order, texts) : -ENOMEM;
	if (rc < 0)
		snprintf(why, len, "the references' texts: %s", strerror(-rc));
	for (size_t k = 0; rc == 0 && k < n; k++) {
		const struct markup_ref *r = &s->refs[order[k]];
		uint64_t at = b->placed[order[k]];
		if (r->offset != MARKUP_AT_END && at < r->offset) {
			snprintf(why, len, "%s placed at %llu, before its offset %llu", r->url,
				 (unsigned long long)at, (unsigned long long)r->offset);
			rc = -EINVAL;
		} else if (at + texts[k].len > b->decoded_len ||
			   memcmp(b->decoded + at, texts[k].p, texts[k].len) != 0) {
			snprintf(why, len, "%s: its text is not at %llu", r->url,
				 (unsigned long long)at);
			rc = -EINVAL;
		}
	}
	for (size_t k = 0; texts && k < n; k++)
		free(texts[k].p);
	free(texts);
	free(order);
	return rc;
}

int markup_check(const struct markup_spec *spec, const struct markup_body *b, char *why,
		 size_t len)
{
	if (!(b->flags & MARKUP_GROWN) && b->decoded_len != spec->decoded) {
		snprintf(why, len, "decoded size %zu, not %llu", b->decoded_len,
			 (unsigned long long)spec->decoded);
		return -EINVAL;
	}
	if (!spec->wire && (b->wire_len != b->decoded_len ||
			    memcmp(b->wire, b->decoded, b->decoded_len) != 0)) {
		snprintf(why, len, "an identity body whose wire bytes differ");
		return -EINVAL;
	}
	if (spec->wire && !gunzip_equals(b->wire, b->wire_len, b->decoded, b->decoded_len)) {
		snprintf(why, len, "the wire bytes do not gunzip to the decoded body");
		return -EINVAL;
	}
	if (spec->wire && dist(b->wire_len, spec->wire) > MARKUP_TOLERANCE(spec->wire)) {
		snprintf(why, len, "wire size %zu, not within %llu of %llu", b->wire_len,
			 (unsigned long long)MARKUP_TOLERANCE(spec->wire),
			 (unsigned long long)spec->wire);
		return -EINVAL;
	}
	return refs_check(spec, b, why, len);
}
