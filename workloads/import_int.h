/*
 * Internals shared by import.c, import_csv.c and import_har.c.
 */
#ifndef TFOLAB_WORKLOADS_IMPORT_INT_H
#define TFOLAB_WORKLOADS_IMPORT_INT_H

#include "workloads/import.h"

/*
 * Each importer builds *built (a page not yet checked; NULL on failure) from
 * the whole input.  Problems are logged with the input's name and counted;
 * any problem gives -EINVAL.
 */
int import_manifest(const char *name, const char *buf, size_t len,
		    const struct import_opts *o, struct page **built,
		    struct import_report *rep);
int import_capture(const char *name, const char *buf, size_t len,
		   const struct import_opts *o, struct page **built,
		   struct import_report *rep);
int import_har(const char *name, const char *buf, size_t len,
	       const struct import_opts *o, struct page **built,
	       struct import_report *rep);

/* A new page named after o->name or the file name; NULL on ENOMEM. */
struct page *import_page_new(const char *file, const struct import_opts *o);

/* Copy of s[0..len) with bytes that a request target cannot hold raw
 * (controls, space, DEL, non-ASCII) percent-encoded; "" becomes "/"; a path
 * not starting with '/' gets one.  NULL on ENOMEM. */
char *import_path_encode(const char *s, size_t len);

/* Makes s fit a metadata line: controls become spaces, runs of blanks one
 * space, a '#' that would start a comment '_', surrounding blanks go.  In
 * place. */
void import_text_clean(char *s);

/* The file name without directories. */
const char *import_basename(const char *path);

/*
 * The whole file at path in *buf (NUL-terminated; free it) and its length
 * in *len; *buf is NULL on failure.  Returns 0 or a negative errno, logged
 * once naming path and the call ("PATH: open: ...", "PATH: read: ...",
 * -EFBIG "PATH: too large to import"), except two left to the caller:
 * -ENOENT when missing_ok (a file beside the input may be absent) and
 * -ENOMEM (the importers report it as "NAME: out of memory").
 */
int import_read_file(const char *path, int missing_ok, char **buf, size_t *len);

#endif
