/*
 * Inside bodies/markup: the layout (markup.c) shared with the gzip search,
 * the images and the check (markup_gzip.c).
 */
#ifndef TFOLAB_BODIES_MARKUP_INT_H
#define TFOLAB_BODIES_MARKUP_INT_H

#include "bodies/markup.h"

/* A growable NUL-terminated text; err set once an allocation failed. */
struct sbuf {
	char *p;
	size_t len, cap;
	int err;
};
int sbuf_put(struct sbuf *b, const char *s, size_t n);

/* The inside of one comment: bytes the filler may choose. */
struct seg {
	uint64_t at, len;
};

/* A laid-out text body: structure in place, filler segments to fill. */
struct layout {
	enum markup_kind kind;
	unsigned char *buf;
	uint64_t size;
	struct seg *segs;
	size_t nsegs;
	uint64_t filler;        /* sum of the segments' lengths */
};

/*
 * The texts of spec's references in the order they are laid out (by
 * offset, MARKUP_AT_END last): order[k] is the index in spec->refs of
 * texts[k].  Both arrays hold spec->nrefs entries; texts start empty and
 * are the caller's to free.  0, -EINVAL (logged) or -ENOMEM.
 */
int markup_texts(const struct markup_spec *s, size_t *order, struct sbuf *texts);

/*
 * Lays out text body s into *l (filler segments left unwritten) and sets
 * out->placed, max_displaced, slots and flags (GROWN, TRUNCATED).
 * 0, -EINVAL (logged) or -ENOMEM; on failure *l holds nothing.
 */
int markup_layout(const struct markup_spec *s, struct layout *l, struct markup_body *out);
void markup_layout_release(struct layout *l);

#endif
