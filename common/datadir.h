/*
 * Where an installed tfolab keeps its data: the built-in pages, the gnuplot
 * templates and the experiments, under PREFIX/share/tfolab (meson install),
 * and the TFO preload library, under LIBDIR/tfolab.
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

/*
 * The TFO preload library (browser/preload/tfo_preload.c), which browser
 * mode LD_PRELOADs into the browser.  Built beside the binary, in
 * BUILD/browser/preload/; installed in LIBDIR/tfolab/.
 */
#define PRELOAD_NAME "libtfolab-tfo-preload.so"

/*
 * preload_path - the TFO preload library this binary uses: $TFOLAB_PRELOAD
 * when set and not empty; else the build's copy beside the binary
 * (EXE_DIR/browser/preload/PRELOAD_NAME: a binary run from its build
 * directory uses its own build's library); else the installed one
 * (EXE_DIR/REL/PRELOAD_NAME, REL being the configured libdir/tfolab seen
 * from the bindir).  Writes the path to @buf[@len] and returns 0 when that
 * file is there; -ENOENT when it is not (@buf then holds the last path
 * tried), -ENAMETOOLONG.  Nothing is logged.
 */
int preload_path(char *buf, size_t len);

/* preload_path_from_exe - the same, but for @exe and without the
 * environment (pure but for the stat; unit-tested). */
int preload_path_from_exe(const char *exe, char *buf, size_t len);

#endif
