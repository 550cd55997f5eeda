/*
 * Where an installed tfolab keeps its data: the built-in pages, the gnuplot
 * templates and the experiments, under PREFIX/share/tfolab (meson install).
 * The binary finds them relative to itself (/proc/self/exe, then the
 * bindir-to-datadir path fixed at configure time), so a relocated or
 * DESTDIR-staged install works and the source tree is never needed.
 */
#ifndef TFOLAB_COMMON_DATADIR_H
#define TFOLAB_COMMON_DATADIR_H

#include <stddef.h>

/*
 * datadir_installed - the installed directory @sub (e.g. "pages") of the
 * running binary's prefix: EXE_DIR/REL/@sub, where REL is the configured
 * datadir/tfolab seen from the bindir (typically ../share/tfolab).  Writes
 * it to @buf[@len] and returns 0 when it is a directory; -ENOENT when it is
 * not (a binary run from its build directory), -ENAMETOOLONG.  Nothing is
 * logged.
 */
int datadir_installed(const char *sub, char *buf, size_t len);

/*
 * datadir_from_exe - the same for a given executable path @exe (pure but
 * for the stat; unit-tested without installing).
 */
int datadir_from_exe(const char *exe, const char *sub, char *buf, size_t len);

/*
 * datadir_source_ok - 1 when the source tree compiled into the binary may
 * be searched (a build directory's binary), 0 when $TFOLAB_NO_SOURCE_TREE
 * is set to anything but "" or "0": tests use it to prove that an
 * installed binary needs no source tree.
 */
int datadir_source_ok(void);

#endif
