/*
 * The keys of an experiment file, private to run/experiment.c and
 * run/expkey.c: one table entry per key.
 */
#ifndef TFOLAB_RUN_EXPKEY_H
#define TFOLAB_RUN_EXPKEY_H

#include <stdint.h>

/* The matrix keys come first, outermost first; see experiment_matrix().  tfo
 * stays innermost: the cells of a pair differ in it alone. */
enum key_id {
	K_PAGES, K_RTT, K_DOWN, K_UP, K_QUEUE, K_LOSS, K_PER_CONN, K_CONNS, K_ENCODING, K_TLS,
	K_FETCHER, K_TFO,
	K_TRIALS, K_WARMUP, K_TIMEOUT, K_STALL_LIMIT, K_BACKEND, K_CC, K_PRESET, K_NAME, K_DESCRIPTION,
	K_COUNT
};
#define K_MATRIX (K_TFO + 1)

enum key_kind {
	KIND_LIST,    /* comma-separated items, each a dimension of the matrix */
	KIND_SCALAR,  /* exactly one item */
	KIND_TEXT,    /* free text, commas included; may be empty */
};

union key_val {
	uint64_t u;
	double d;
	struct {
		uint32_t pkts;
		uint64_t bytes;
	} q;
};

/* Item parsers: 0, -EINVAL (not of the form) or -ERANGE (out of range). */
typedef int (*item_parse_fn)(const char *s, union key_val *v);

struct key_def {
	const char *name;
	const char *alias;     /* another accepted spelling, or NULL */
	enum key_kind kind;
	item_parse_fn parse;
	const char *what;      /* "\"x\" is not WHAT" */
	const char *form;      /* "(use FORM)" when not of the form */
	const char *range;     /* "(use RANGE)" when out of range */
	const char *def;       /* default as text; NULL = none */
};

extern const struct key_def expkeys[K_COUNT];

/* expkey_lookup - the key named @name (or its alias), or -1. */
int expkey_lookup(const char *name);

/*
 * expkey_suggest - the known key closest to @name, for "did you mean", or
 * NULL if none is close.
 */
const char *expkey_suggest(const char *name);

#endif
