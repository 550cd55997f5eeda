/*
 * Renderers of stored results.
 *
 * table_render prints Table 1 of the TFO paper for one run: Page, RTT,
 * PLT non-TFO, PLT TFO, Improvement, and how each cell stands against what
 * the paper reports (a range of 4-41% whose gain grows with RTT), with notes
 * that name every disagreement; a run with HTTPS cells gets a TLS column,
 * one with Chromium's cells a Fetcher column.
 * table_render_compare prints TFO's gain per page and RTT against one key
 * of the experiment, a column per value: requests per connection (the
 * persistence comparison), tls (the gain over HTTP beside the gain over
 * each TLS mode), or fetcher (the builtin fetcher's PLTs and gain beside
 * Chromium's, with the PLTs' difference).
 *
 * Both print to `out` in Markdown, CSV or JSON, and only after everything
 * was computed, so an error leaves `out` untouched.  Statistics use the
 * valid trials; invalid ones are counted and shown.
 */
#ifndef TFOLAB_RESULTS_TABLE_H
#define TFOLAB_RESULTS_TABLE_H

#include <stdint.h>
#include <stdio.h>

#include "results/store.h"

enum table_format {
	TABLE_MD,
	TABLE_CSV,
	TABLE_JSON,
};

#define TABLE_FORMAT_FORM "md, csv or json"
#define TABLE_DEFAULT_SEED 2011      /* any fixed value: renders are reproducible */
#define TABLE_DEFAULT_RESAMPLES 2000
#define TABLE_DEFAULT_LEVEL 0.95

/* The key table_render_compare makes its columns of. */
enum table_pivot {
	TABLE_PIVOT_AUTO,        /* per_conn if the run varies it, else tls if the
	                            run varies it, else fetcher if the run varies
	                            it, else per_conn */
	TABLE_PIVOT_PER_CONN,
	TABLE_PIVOT_TLS,
	TABLE_PIVOT_FETCHER,
};

#define TABLE_PIVOT_FORM "per_conn, tls or fetcher"

struct table_opts {
	enum table_format format;
	enum table_pivot pivot;  /* of table_render_compare */
	uint64_t seed;           /* of the bootstrap */
	unsigned resamples;
	double level;            /* confidence level of the intervals */
};

/* Markdown, the default seed, resamples and level. */
void table_opts_default(struct table_opts *o);

/* "md", "csv" or "json"; -EINVAL otherwise (the caller reports it). */
int table_format_parse(const char *s, enum table_format *out);

/*
 * Renders Table 1 of run_id.  Returns 0; -ENOENT if there is no such run,
 * -ENODATA if it has no valid trial (both logged); a store error; -ENOMEM;
 * -EIO if writing fails.
 */
int table_render(struct store *st, int64_t run_id, const struct table_opts *o, FILE *out);

/* "per_conn", "tls" or "fetcher" (TABLE_PIVOT_FORM); -EINVAL otherwise
 * (the caller reports it). */
int table_pivot_parse(const char *s, enum table_pivot *out);

/* Renders TFO's gain against o->pivot of run_id; the same returns. */
int table_render_compare(struct store *st, int64_t run_id, const struct table_opts *o, FILE *out);

#endif
