/*
 * The catalogue of .page files: where the built-in pages are and how a page
 * name given on the command line becomes a file.
 *
 * Page directories, searched in this order (only those that exist):
 *   1. each directory of $TFOLAB_PAGES (colon-separated), when it is set;
 *   2. the installed pages of the binary's prefix, PREFIX/share/tfolab/pages
 *      found relative to the binary (common/datadir.h);
 *   3. the source tree's workloads/pages, compiled in at configure time
 *      (TFOLAB_PAGES_DIR): right for any build directory of that tree;
 *   4. ../workloads/pages relative to the running binary (a build directory
 *      inside a source tree that has moved since it was configured).
 * An installed binary (2 exists) never searches 3 and 4, nor does any with
 * $TFOLAB_NO_SOURCE_TREE=1.
 * Duplicates (same real path) are listed once.
 */
#ifndef TFOLAB_WORKLOADS_PAGES_H
#define TFOLAB_WORKLOADS_PAGES_H

#include <stddef.h>

/*
 * The page directories above, as a NULL-terminated malloc'd array of
 * malloc'd strings in *dirs (free with pages_dirs_free); returns how many,
 * or -ENOMEM.  Zero directories is not an error.
 */
int pages_dirs(char ***dirs);
void pages_dirs_free(char **dirs);

/*
 * Resolves a page for the other commands: a name such as "amazon" is looked
 * up as NAME.page in the page directories; anything containing '/' or
 * ending in ".page" is taken as a path and must be readable.  Writes the
 * path to path[len] and returns 0, or logs (naming where it looked) and
 * returns -ENOENT, or -ENAMETOOLONG.
 */
int pages_find(const char *name, char *path, size_t len);

#endif
