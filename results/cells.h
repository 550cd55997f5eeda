/*
 * Cells: the comparisons behind Table 1.  A cell pairs the non-TFO condition
 * of one matrix position (pair_key) with one TFO condition (mode on or
 * cookie) and holds the statistics of their valid PLTs: summaries per side,
 * and over the pairs of trials run back to back (see "Pairing" in cells.c)
 * a paired t-test of the per-pair differences and a bootstrap over pairs of
 * the relative improvement; then how the result stands against what the
 * paper reports.
 *
 * Invalid trials never enter the statistics; they are counted per side.
 * Valid trials without a valid partner enter the side's summary but not the
 * paired statistics; they are counted per cell (unpaired).
 */
#ifndef TFOLAB_RESULTS_CELLS_H
#define TFOLAB_RESULTS_CELLS_H

#include <stddef.h>
#include <stdint.h>

#include "results/stats.h"
#include "results/store.h"

/*
 * What the paper reports, from shared/reference/README.md: TFO cut whole
 * page load time by 4% to 41% across Table 1's cells, by more than 10% on
 * average, and the gain grows with RTT.  The values it states for single
 * cells are in struct paper_cell's table (cells.c, paper_cells).
 */
#define PAPER_IMPROVEMENT_MIN 0.04
#define PAPER_IMPROVEMENT_MAX 0.41
#define PAPER_IMPROVEMENT_MEAN 0.10
#define PAPER_RANGE_TEXT "4–41%"

#define CELL_ALPHA 0.05         /* significant below this p */
#define CELL_ALPHA_STRONG 0.01

/* A cell of the paper's Table 1 whose improvement the paper states. */
struct paper_cell {
	const char *page;        /* as tfolab names it (workloads/pages) */
	int rtt_ms;
	double low, high;        /* the stated improvement (fractions); equal for one value */
};

/* The paper's statement for page at rtt_ns, or NULL. */
const struct paper_cell *paper_cell_find(const char *page, int64_t rtt_ns);

/* All of the statements: *n of them. */
const struct paper_cell *paper_cells(size_t *n);

/* "16%" or "4–5%" */
void paper_cell_format(const struct paper_cell *p, char *buf, size_t len);

/* Every statement, e.g. "amazon, nytimes, wsj 4–5% at 20 ms; wikipedia-tcp 16% at 100 ms". */
void paper_cells_summary(char *buf, size_t len);

enum cell_verdict {
	CELL_NO_DATA,           /* a side is missing or there are < 2 pairs */
	CELL_NOT_SIGNIFICANT,   /* paired t-test p >= CELL_ALPHA */
	CELL_WITHIN,            /* significant, point in the paper's range */
	CELL_BELOW,             /* significant, point below it */
	CELL_ABOVE,             /* significant, point above it */
};

/* A tested cell against the paper's statement for it: its improvement CI
 * meets the stated value, or lies wholly below or above it. */
enum cell_paper_check {
	CELL_PAPER_NONE,        /* no statement, or the cell is not tested */
	CELL_PAPER_WITHIN,
	CELL_PAPER_BELOW,
	CELL_PAPER_ABOVE,
};

/* Parameters that can differ between cells, besides page, RTT and mode. */
enum cell_vary {
	CELL_VARY_DOWN = 1 << 0,
	CELL_VARY_UP = 1 << 1,
	CELL_VARY_QUEUE = 1 << 2,
	CELL_VARY_LOSS = 1 << 3,
	CELL_VARY_PER_CONN = 1 << 4,
	CELL_VARY_CONNS = 1 << 5,
	CELL_VARY_CC = 1 << 6,
	CELL_VARY_BACKEND = 1 << 7,
	CELL_VARY_ENCODING = 1 << 8,
	CELL_VARY_TLS = 1 << 9,
	CELL_VARY_FETCHER = 1 << 10,
	CELL_VARY_ALL = (1 << 11) - 1,
};

/* The keys a table gives a column of their own (struct cell_set.columns)
 * rather than a place in the Setting column. */
#define CELL_COLUMNS (CELL_VARY_TLS | CELL_VARY_FETCHER)

struct cell_side {
	const struct store_condition *cond;  /* NULL when the run lacks it */
	size_t n;                /* valid trials */
	size_t invalid;
	double *plt_s;           /* the n valid PLTs in seconds, in seq order */
	int *round;              /* the ABAB round of each (cells.c, "Pairing") */
	struct stats_summary sum;  /* meaningful when n > 0 */
	int64_t fallbacks;       /* TFO fallbacks (connections) summed over the
	                            valid trials that report them; -1 if none does */
	char *cc_used;           /* the congestion control the valid trials'
	                            connections reported when all that report it
	                            agree, "mixed" when not, NULL when none does */
};

struct cell {
	struct cell_side off, tfo;
	size_t npairs;           /* rounds where both sides' trials are valid */
	double *pair_off;        /* their PLTs in seconds, in round order */
	double *pair_tfo;
	size_t unpaired;         /* valid trials of either side left without a partner */
	int tested;              /* npairs >= 2 */
	struct stats_paired test;  /* of off - tfo per pair, in seconds */
	struct stats_interval imp;  /* 1 - mean tfo / mean off over the pairs, as a fraction,
	                               with its bootstrap-over-pairs CI */
	int ci_test_agree;       /* the CI excludes 0 exactly when p < 1 - level */
	enum cell_verdict verdict;
	int ci_meets_range;      /* the improvement CI intersects the paper's range */
	const struct paper_cell *paper;  /* the paper's value for the cell, or NULL */
	enum cell_paper_check paper_check;
	int cc_mismatch;         /* a side's read-back cc is known and is not the
	                            configured one (when one is configured) */
};

struct cell_opts {
	uint64_t seed;           /* of the bootstrap */
	unsigned resamples;
	double level;            /* of both intervals, e.g. 0.95 */
};

struct cell_set {
	struct store_condition *conds;
	size_t nconds;
	struct cell *cells;      /* in matrix order */
	size_t n;
	size_t valid_trials;
	size_t invalid_trials;
	size_t stalled_trials;   /* of the invalid: host stalls, repeated */
	size_t pairs;            /* summed over the cells */
	size_t unpaired;         /* summed over the cells */
	unsigned varying;        /* enum cell_vary bits that differ across cells */
	int has_cookie;          /* some cell's TFO side uses real cookies */
	unsigned columns;        /* CELL_COLUMNS bits tables show a column of:
	                            TLS when some cell is HTTPS or cells differ
	                            in tls, the fetcher when some cell is
	                            Chromium's or cells differ in fetcher */
	const char *cc_read;     /* the cc every side that reports one reported
	                            (a side's string); NULL if none or they differ */
	int cc_known;            /* some side reports its cc */
};

/*
 * Loads every condition of the run and builds its cells.  Returns 0 (the set
 * may hold cells without data; see valid_trials), a store error, -ENOMEM,
 * or a stats error.  Release the set with cells_release even on failure.
 */
int cells_load(struct store *st, int64_t run_id, const struct cell_opts *o, struct cell_set *set);
void cells_release(struct cell_set *set);

/* "**" (p < 0.01), "*" (p < 0.05), "ns" from the paired t-test, or "" for an
 * untested cell. */
const char *cell_significance(const struct cell *c);

/* A stable code for csv/json: "within", "below", "above", "not_significant",
 * "insufficient_data". */
const char *cell_verdict_code(enum cell_verdict v);

/* The same for the check against the stated value: "within", "below",
 * "above", or "" (CELL_PAPER_NONE). */
const char *cell_paper_check_code(enum cell_paper_check p);

/* The cell agrees with everything the paper says of it: a point within the
 * range and, where the paper states its value, a CI that meets it. */
int cell_agrees(const struct cell *c);

/* The verdict for people, e.g. "below paper range (CI reaches it)" or
 * "within 4–41%; paper 16%: below". */
void cell_verdict_format(const struct cell *c, char *buf, size_t len);

/* The cell's page, RTT and parameters (any side's; they agree). */
const struct store_condition *cell_cond(const struct cell *c);

/* The enum cell_vary bits in which a and b differ. */
unsigned cell_cond_diff(const struct store_condition *a, const struct store_condition *b);

/* The parameters selected by mask, e.g. "down 4mbit, 2 req/conn, TLS 1.3,
 * Chromium fetcher". */
void cell_setting_format(const struct store_condition *c, unsigned mask, char *buf, size_t len);

/* What sets the cell apart in its run: the varying parameters selected by
 * mask, and the TFO mode when the run has cookie cells. */
void cell_row_setting(const struct cell_set *set, const struct cell *c, unsigned mask,
		      char *buf, size_t len);

#endif
