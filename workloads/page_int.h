/*
 * Internals shared by page_parse.c (reading lines) and page_check.c (the
 * whole-file checks).
 */
#ifndef TFOLAB_WORKLOADS_PAGE_INT_H
#define TFOLAB_WORKLOADS_PAGE_INT_H

#include <stddef.h>

#include "workloads/page.h"

#define PARSE_MAX_ERRORS 20

struct parser {
	const char *name;
	int nerr;
	struct page *p;
	char **parent_id;   /* per resource: parent id as written, or NULL */
	int meta_line[3];   /* line of name, source, date */
};

/* Reports "NAME:LINE: FIELD: PROBLEM" (no line when line <= 0) and counts
 * it; only the first PARSE_MAX_ERRORS are printed. */
void page_perr(struct parser *ps, int line, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* "text" for messages: at most 48 bytes, non-printable bytes as \xHH. */
const char *page_quote(const char *s, size_t len, char *buf, size_t size);

/* The second pass: resolves parents and checks ids, the root, offsets, wait
 * groups and cycles, reporting through page_perr.  -ENOMEM, else 0. */
int page_check(struct parser *ps);

#endif
