/*
 * gnuplot, run as a child process on scripts made from the committed
 * templates in plots/ (*.gp).
 *
 * A script NAME.gp is written next to its data: a generated preamble that
 * sets the plot's variables (file names, titles, series, ranges) followed
 * by plots/common.gp (terminal and style) and plots/NAME.gp.  It names its
 * files relative to its directory, and gnuplot runs with that directory as
 * its working directory, so a user can re-plot with
 *   cd DIR && gnuplot -e "fmt='svg'" NAME.gp
 * No shell is involved: gnuplot is exec'd with a fixed argument vector, and
 * every string from the data reaches gnuplot as a quoted string literal.
 */
#ifndef TFOLAB_PLOTS_PLOT_GP_H
#define TFOLAB_PLOTS_PLOT_GP_H

#include <stddef.h>
#include <stdio.h>

#define PLOT_GP_PACKAGE "gnuplot-nox"

/* The templates' directory: $TFOLAB_PLOTS_DIR when set, else the installed
 * PREFIX/share/tfolab/plots beside the binary (common/datadir.h), else the
 * source tree's plots/ as configured at build time (not with
 * $TFOLAB_NO_SOURCE_TREE=1: then a path that does not exist, so reading a
 * template fails naming it). */
const char *plot_gp_dir(void);

/*
 * The gnuplot to run: $TFOLAB_GNUPLOT when set (a path), else "gnuplot"
 * searched in $PATH.  Writes its path to buf and returns 0, or -ENOENT (not
 * logged) when there is none that is executable.
 */
int plot_gp_find(char *buf, size_t len);

/* Writes s as a gnuplot single-quoted string literal (newlines become spaces). */
void plot_gp_put_str(FILE *f, const char *s);

/*
 * Writes DIR/NAME.gp: a header, pre (the generated variables), then the
 * templates common.gp and NAME.gp from plot_gp_dir().  0, or a negative
 * errno (logged, naming the file).
 */
int plot_gp_write(const char *dir, const char *name, const char *pre);

/*
 * Runs `gnuplot -e "fmt='FMT'" NAME.gp` in dir (fmt is "png" or "svg"),
 * which writes DIR/NAME.FMT.  Returns 0; -EIO when gnuplot fails (logged
 * with its stderr), or another negative errno (logged).  gnuplot's
 * warnings on success are passed on as warnings.
 */
int plot_gp_run(const char *gnuplot, const char *dir, const char *name, const char *fmt);

#endif
