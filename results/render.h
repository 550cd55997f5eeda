/*
 * Pieces shared by the renderers of results/table.c and results/compare.c
 * (private to the results module): loading a run's cells with the common
 * error reporting, formatting of cells, and the run's provenance.
 */
#ifndef TFOLAB_RESULTS_RENDER_H
#define TFOLAB_RESULTS_RENDER_H

#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "results/cells.h"
#include "results/store.h"
#include "results/table.h"

/*
 * The run and its cells.  -ENOENT (no such run) and -ENODATA (no valid
 * trial) are logged here.  Release both with render_release, even on error.
 */
int render_load(struct store *st, int64_t run_id, const struct table_opts *o,
		struct store_run *run, struct cell_set *set);
void render_release(struct store_run *run, struct cell_set *set);

/* "20", "100", "12.5" */
void render_rtt_ms(const struct store_condition *c, char *buf, size_t len);

/* "1.234 ± 0.056 (n=18, 2 invalid, 3 fallbacks)" or "n/a (n=0, 3 invalid)";
 * fallbacks only when there were some. */
void render_plt(const struct cell_side *s, char *buf, size_t len);

/* "10.9% [7.2, 14.1] **", or "n/a" for an untested cell */
void render_improvement(const struct cell *c, char *buf, size_t len);

/* Markdown: the run's provenance line(s) and the settings shared by all
 * cells (those not in set->varying), with the congestion control the
 * connections reported when they all agree ("cc cubic (read back)"). */
void render_md_header(FILE *f, const char *title, const struct store_run *run,
		      const struct cell_set *set);

/* Markdown: the note that states how improvements and marks are computed
 * (pairing, bootstrap over pairs, paired t-test), ending in a newline. */
void render_md_method(FILE *f, const struct cell_set *set, const struct table_opts *o);

/* Markdown: a note on cells whose connections reported another congestion
 * control than configured, or on trials that disagree; nothing if none. */
void render_md_cc(FILE *f, const struct cell_set *set);

/* Writes s as a Markdown table cell, escaping '|'. */
void render_md_text(FILE *f, const char *s);

/* Writes s as a CSV field, quoted when needed (RFC 4180). */
void render_csv_text(FILE *f, const char *s);

/* A JSON number, or null for NaN and infinities. */
json_t *render_json_num(double v);

/* The run's provenance and the method's parameters as JSON objects. */
json_t *render_json_run(const struct store_run *run);
json_t *render_json_method(const struct table_opts *o);

/* Prints the document; -EIO (logged) if writing fails.  Steals doc. */
int render_json_dump(FILE *f, json_t *doc);

#endif
