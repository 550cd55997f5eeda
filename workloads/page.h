/*
 * A page: the resources a browser fetches to load it, who references whom,
 * and (for captures) the exact connection plan.  The text form is the .page
 * file described in workloads/pages/README.md.
 *
 * When may a resource be requested?  Every condition it has must hold:
 *   - parent >= 0, ref_offset >= 0: once ref_offset bytes of the parent's
 *     body have arrived (the reference appears at that offset);
 *   - parent >= 0, ref_offset == -1: once the parent has completed;
 *   - wait_head_group >= 0: once every request of that group has received
 *     its first PAGE_HEAD_BYTES bytes;
 *   - wait_done_group >= 0: once every request of that group has completed.
 * Offsets count bytes of the decoded body (what the browser parses), while
 * the network carries wire_bytes (the body as sent, gzip'd for text): the
 * parent has delivered decoded offset X once page_wire_offset() of its wire
 * bytes have arrived, X * wire / decoded rounded up.
 * A resource with none of these (parent -1 and no waits) is requested when
 * the load starts: normally only res[0], the root document.  Captures give
 * no parents at all: their group waits drive them.  page_parse guarantees
 * that these conditions form no cycle.
 */
#ifndef TFOLAB_WORKLOADS_PAGE_H
#define TFOLAB_WORKLOADS_PAGE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "bodies/markup.h"

#define PAGE_MAX_BODY (1ull << 30)   /* 1 GiB */
#define PAGE_MAX_REQ (1u << 20)      /* request bytes: 1 MiB */
#define PAGE_MAX_GROUP 1000000       /* conn, group and wait values */
#define PAGE_HEAD_BYTES 4000         /* what wait_head waits for (capture) */

/*
 * Content-Encoding of a body on the wire: one table of names
 * (page_enc_name, page_enc_parse) for the page format, the origin and the
 * importers.
 */
enum page_enc {
	PAGE_ENC_IDENTITY,
	PAGE_ENC_GZIP,
	PAGE_ENC_DEFLATE,
	PAGE_ENC_BR,
	PAGE_ENC_ZSTD,
	PAGE_ENC_COUNT
};

/* page_res_init's wire_bytes: "same as body_bytes", resolved by page_add. */
#define PAGE_WIRE_SAME UINT64_MAX

struct page_res {
	char *id;               /* unique within the page, as written in the file */
	int parent;             /* index of the parent in page.res, or -1 */
	int host;               /* index into page.hosts */
	char *path;             /* path + query as requested (no whitespace;
	                           written percent-encoded by whoever made it) */
	uint64_t body_bytes;    /* decoded response body bytes, <= PAGE_MAX_BODY:
	                           what ref_offset counts */
	uint64_t wire_bytes;    /* body bytes on the wire (encoded), <=
	                           PAGE_MAX_BODY; = body_bytes when not encoded */
	enum page_enc enc;      /* the wire body's Content-Encoding */
	uint32_t req_bytes;     /* request bytes (headers included); 0 = unknown */
	char *ctype;            /* content type, e.g. text/html, or "other" */
	int64_t ref_offset;     /* bytes of the parent after which this may be
	                           requested; -1 = after the parent completes.
	                           Always -1 when parent is -1; else < the
	                           parent's body_bytes. */
	int conn;               /* explicit connection id, or -1 */
	int group;              /* capture dependency group, or -1 */
	int wait_head_group;    /* start once every request of that group got
	                           its first PAGE_HEAD_BYTES bytes; -1 = none */
	int wait_done_group;    /* start once every request of that group
	                           completed; -1 = none */
	int line;               /* line in the .page file, for messages */
	char *via;              /* how the reference was found (manifest
	                           discovered_by: html, css, js, unknown), or
	                           NULL.  For "js" the request comes after the
	                           script ran, not at ref_offset. */
};

struct page {
	char *name;             /* metadata: name (required, one word) */
	char *source;           /* where it came from, or NULL */
	char *date;             /* YYYY[-MM[-DD]] of the load, or NULL */
	char **notes;           /* free-text "note" lines, in order */
	size_t nnotes;
	char *file;             /* path it was read from, or NULL */
	size_t n;               /* resources; res[0] is the root document */
	struct page_res *res;
	size_t nhosts;
	char **hosts;           /* distinct hosts, in order of first use */
};

/*
 * Reads and checks a .page file.  On success *out is a new page (free it
 * with page_free) and 0 is returned.  On failure every problem is logged as
 * "FILE:LINE: FIELD: PROBLEM" (up to a cap, then a count), *out is left
 * untouched, and -EINVAL (bad content), -ENOMEM, or the negative errno of
 * opening/reading the file is returned.
 */
int page_parse(const char *path, struct page **out);

/* Same from memory; name is used in messages and stored as page.file.
 * buf need not be NUL-terminated; NUL bytes inside it are errors. */
int page_parse_buf(const char *name, const char *buf, size_t len,
		   struct page **out);

/* Frees everything the page owns.  NULL is a no-op. */
void page_free(struct page *p);

/*
 * Writes the page in the .page format (parse of the output gives an equal
 * page).  Returns 0, -EINVAL (logged) if a field cannot be written (a token
 * that is empty or holds whitespace, a newline in metadata, a dangling
 * index), or -EIO if writing failed.
 */
int page_write(const struct page *p, FILE *f);

/* Writes the page to a file path (atomically: temp file + rename). */
int page_write_file(const struct page *p, const char *path);

/*
 * Building a page in memory (the importers do this).  page_new returns an
 * empty page named name (copied), or NULL on ENOMEM.  page_add appends a copy
 * of *r (its strings are copied; r->host is ignored and host is interned;
 * r->parent is kept as given: an index into p->res once all are added, or
 * -1) and returns its index, or -ENOMEM.
 * page_set_str replaces a metadata string (name, source or date) with a copy.
 * page_add_note appends a printf-formatted note line.  The result is checked
 * only when parsed again: write it and page_parse_buf it.
 */
struct page *page_new(const char *name);
int page_add(struct page *p, const struct page_res *r, const char *host);
int page_set_str(char **field, const char *value);
int page_add_note(struct page *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void page_res_init(struct page_res *r);   /* all -1 / NULL / 0 */

/* "identity", "gzip", ... for e < PAGE_ENC_COUNT, else "?". */
const char *page_enc_name(enum page_enc e);
/* The encoding named s (exact, lower case), or -1. */
int page_enc_parse(const char *s, size_t len);

/*
 * The wire bytes of parent r that carry its decoded bytes [0, decoded_off):
 * decoded_off * wire_bytes / body_bytes, rounded up (0 for an empty body).
 * Pure; a browser can parse decoded offset X once these have arrived.
 */
uint64_t page_wire_offset(const struct page_res *r, uint64_t decoded_off);

/*
 * How a browser treats resource i, one definition for the fetcher's model
 * (workloads/sched.c) and the bodies a real browser parses
 * (workloads/origin_bodies.c):
 *   page_res_kind: its content type's kind (enum markup_kind), except
 *     that an "other" resource with children is a script: its children
 *     are requested when it runs (browsers run a <script src> whatever
 *     its type);
 *   page_res_kinds: page_res_kind of every resource in one pass, into
 *     kind[pg->n];
 *   page_res_via: where its reference sits in its parent (enum
 *     markup_via): the end block for "unknown" and for ref_offset -1,
 *     else by via (NULL: html, a tag at ref_offset).
 */
enum markup_kind page_res_kind(const struct page *pg, size_t i);
void page_res_kinds(const struct page *pg, int *kind);
enum markup_via page_res_via(const struct page_res *r);

/*
 * Makes every resource go out at its decoded size, unencoded (the
 * experiment key encoding = decoded): wire_bytes = body_bytes, identity.
 */
void page_use_decoded(struct page *p);

/* Small queries. */
uint64_t page_total_bytes(const struct page *p);          /* sum of bodies */
uint64_t page_total_wire(const struct page *p);           /* sum of wire bodies */
int page_find_host(const struct page *p, const char *host); /* index or -1 */
int page_find_id(const struct page *p, const char *id);     /* index or -1 */
const char *page_host(const struct page *p, const struct page_res *r);
size_t page_count_conns(const struct page *p);  /* distinct conn >= 0 */
size_t page_count_groups(const struct page *p); /* distinct group >= 0 */

/* 1 if the pages have equal metadata and resources (file and line numbers
 * are not compared), else 0. */
int page_equal(const struct page *a, const struct page *b);

#endif
