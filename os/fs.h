/*
 * Files and directory trees of a run: removing a tree a run made (its
 * directory, a browser profile, an origin's docroot).
 */
#ifndef TFOLAB_OS_FS_H
#define TFOLAB_OS_FS_H

/*
 * fs_tree_remove - remove @path and everything below it, never following
 * a symlink.  0 (also when it did not exist), or a negative errno (logged).
 */
int fs_tree_remove(const char *path);

#endif
