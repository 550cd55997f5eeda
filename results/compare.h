/*
 * Private to results/compare*.c: the comparison of TFO's gain against one
 * key (results/table.h table_render_compare), built in compare.c; the
 * fetcher comparison's PLTs side by side are in compare_fetcher.c.
 */
#ifndef TFOLAB_RESULTS_COMPARE_H
#define TFOLAB_RESULTS_COMPARE_H

#include <stdio.h>

#include <jansson.h>

#include "results/cells.h"

/* One key to compare by: how a condition's value is read, ordered and named. */
struct pivot {
	const char *key;         /* as the experiment key, the csv column and json field */
	unsigned vary;           /* its enum cell_vary bit */
	int (*value)(const struct store_condition *c);
	int rank_unlimited;      /* 0 ranks last (per_conn's "unlimited") */
	void (*heading)(int v, char *buf, size_t len);  /* a column's heading */
	void (*text)(int v, char *buf, size_t len);     /* a value in notes and csv */
	const char *title;
	int shrink_check;        /* the notes check that the gain shrinks along the columns */
	const char *one;         /* "a single ONE" when the run has one value */
	const char *sweep;       /* how to sweep it, for that note */
	const char *expect;      /* the expectation, in the notes and json */
	int versus;              /* the columns are fetchers: PLTs side by side
	                            with their difference (compare_fetcher.c) */
};

/* One page, RTT, setting (but the pivot's key) and TFO mode. */
struct series {
	const struct cell *first;
	const struct cell **by_col;  /* [ncols], NULL where not measured */
	int shrinks;                 /* -1: fewer than two tested points */
};

struct compare {
	const struct pivot *pv;
	int *cols;                   /* the key's values, in rank order */
	size_t ncols;
	struct series *s;
	size_t ns;
};

/* The column of the key's value @v; ncols when there is none. */
size_t compare_col_of(const struct compare *cmp, int v);

/* What sets a series apart but the pivot's key, e.g. "TLS 1.3". */
void compare_series_setting(const struct cell_set *set, const struct compare *cmp,
			    const struct series *s, char *buf, size_t len);

/* A table row's start: "| amazon | 100 |", and "| setting |" with @with_setting. */
void compare_md_row_start(FILE *f, const struct cell_set *set, const struct compare *cmp,
			  const struct series *s, int with_setting);

/* A note's start: "- amazon 100 ms (setting)". */
void compare_md_row_name(FILE *f, const struct cell_set *set, const struct compare *cmp,
			 const struct series *s);

/* ",v" in @fmt, or "," alone when not @present or not finite. */
void compare_csv_num(FILE *f, const char *fmt, double v, int present);

/* The fetcher comparison (pivot.versus, compare_fetcher.c): its table, its
 * notes, a group's "vs_builtin" in json and a row's csv columns
 * (off_diff_s, off_diff_pct, tfo_diff_s, tfo_diff_pct, marked). */
void compare_md_versus_table(FILE *f, const struct cell_set *set, const struct compare *cmp,
			     int with_setting);
void compare_md_versus_notes(FILE *f, const struct cell_set *set, const struct compare *cmp);
void compare_json_versus(json_t *g, const struct compare *cmp, const struct series *s);
void compare_csv_versus(FILE *f, const struct compare *cmp, const struct series *s, size_t col);

#endif
