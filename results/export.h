/*
 * Every trial of a run, joined with its condition, as CSV or JSON: so that
 * users get their data out without learning the schema (`tfolab trials`).
 */
#ifndef TFOLAB_RESULTS_EXPORT_H
#define TFOLAB_RESULTS_EXPORT_H

#include <stdint.h>
#include <stdio.h>

#include "results/store.h"
#include "results/table.h"

/*
 * trials_render - one row per trial of run @run_id, in the order of the
 * matrix (condition index, TFO mode, then seq), each with every column of
 * its condition (condition_id, run_id, idx, page, rtt_ns, ...) and of the
 * trial (trial_id, seq, plt_ns, valid, stalled, ...), named as in the
 * schema; a column added to either table appears without a change here.
 * @o->format is TABLE_CSV (a header line, then RFC 4180 rows; NULL is an
 * empty field) or TABLE_JSON (an array of objects; NULL is null).  Returns
 * the number of rows, or a negative errno (logged): -ENOENT when there is
 * no such run, -EINVAL for TABLE_MD.
 */
int trials_render(struct store *st, int64_t run_id, const struct table_opts *o, FILE *out);

#endif
