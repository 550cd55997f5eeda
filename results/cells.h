/*
 * Cells: the comparisons behind Table 1.  A cell pairs the non-TFO condition
 * of one matrix position (pair_key) with one TFO condition (mode on or
 * cookie) and holds the statistics of their valid PLTs: summaries, Welch's
 * t-test of the difference, the bootstrap CI of the relative improvement,
 * and how the result stands against what the paper reports.
 *
 * Invalid trials never enter the statistics; they are counted per side.
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
 * average, and the gain grows with RTT.  Its per-cell values are not in our
 * reference, so cells are judged against the range and the trend only.
 */
#define PAPER_IMPROVEMENT_MIN 0.04
#define PAPER_IMPROVEMENT_MAX 0.41
#define PAPER_IMPROVEMENT_MEAN 0.10
#define PAPER_RANGE_TEXT "4–41%"

#define CELL_ALPHA 0.05         /* significant below this p */
#define CELL_ALPHA_STRONG 0.01

enum cell_verdict {
	CELL_NO_DATA,           /* a side is missing or has < 2 valid trials */
	CELL_NOT_SIGNIFICANT,   /* Welch p >= CELL_ALPHA */
	CELL_WITHIN,            /* significant, point in the paper's range */
	CELL_BELOW,             /* significant, point below it */
	CELL_ABOVE,             /* significant, point above it */
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
	CELL_VARY_ALL = (1 << 8) - 1,
};

struct cell_side {
	const struct store_condition *cond;  /* NULL when the run lacks it */
	size_t n;                /* valid trials */
	size_t invalid;
	double *plt_s;           /* the n valid PLTs in seconds */
	struct stats_summary sum;  /* meaningful when n > 0 */
};

struct cell {
	struct cell_side off, tfo;
	int tested;              /* both sides have >= 2 valid trials */
	struct stats_welch welch;  /* of off - tfo, in seconds */
	struct stats_interval imp;  /* 1 - mean tfo / mean off, as a fraction */
	enum cell_verdict verdict;
	int ci_meets_range;      /* the improvement CI intersects the paper's range */
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
	unsigned varying;        /* enum cell_vary bits that differ across cells */
	int has_cookie;          /* some cell's TFO side uses real cookies */
};

/*
 * Loads every condition of the run and builds its cells.  Returns 0 (the set
 * may hold cells without data; see valid_trials), a store error, -ENOMEM,
 * or a stats error.  Release the set with cells_release even on failure.
 */
int cells_load(struct store *st, int64_t run_id, const struct cell_opts *o, struct cell_set *set);
void cells_release(struct cell_set *set);

/* "**" (p < 0.01), "*" (p < 0.05), "ns", or "" for an untested cell. */
const char *cell_significance(const struct cell *c);

/* A stable code for csv/json: "within", "below", "above", "not_significant",
 * "insufficient_data". */
const char *cell_verdict_code(enum cell_verdict v);

/* The verdict for people, e.g. "below paper range (CI reaches it)". */
void cell_verdict_format(const struct cell *c, char *buf, size_t len);

/* The cell's page, RTT and parameters (any side's; they agree). */
const struct store_condition *cell_cond(const struct cell *c);

/* The enum cell_vary bits in which a and b differ. */
unsigned cell_cond_diff(const struct store_condition *a, const struct store_condition *b);

/* The parameters selected by mask, e.g. "down 4mbit, 2 req/conn". */
void cell_setting_format(const struct store_condition *c, unsigned mask, char *buf, size_t len);

/* What sets the cell apart in its run: the varying parameters selected by
 * mask, and the TFO mode when the run has cookie cells. */
void cell_row_setting(const struct cell_set *set, const struct cell *c, unsigned mask,
		      char *buf, size_t len);

#endif
