/*
 * Files and directory trees of a run: removing a tree a run made (its
 * directory, a browser profile, an origin's docroot) and reading the tail
 * of a log a child wrote there, for the error that names why it died.
 */
#ifndef TFOLAB_OS_FS_H
#define TFOLAB_OS_FS_H

#include <stddef.h>

/*
 * fs_tree_remove - remove @path and everything below it, never following
 * a symlink.  0 (also when it did not exist), or a negative errno (logged).
 */
int fs_tree_remove(const char *path);

/*
 * fs_file_tail - the end of file @path into @out (at most @len - 1 bytes,
 * NUL-terminated; @len >= 1): whole lines only when the file is longer
 * (the cut first line is dropped, unless the window holds no newline at
 * all: then the last bytes of that one long line), trailing newlines and
 * carriage returns removed.  Returns the bytes in @out (0: empty), or a
 * negative errno with @out "" (not logged: a child that wrote nothing may
 * have left no file, and the caller only adds the tail to its own error).
 */
int fs_file_tail(const char *path, char *out, size_t len);

#endif
