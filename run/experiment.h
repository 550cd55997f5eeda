/*
 * Experiments: which conditions to measure, read from a small text file
 * (experiments/README.md describes the format).
 *
 * A file sets keys such as "rtt = 20ms, 100ms, 200ms"; list-valued keys span
 * a matrix of conditions, the cartesian product of their lists.  Every value
 * is checked when it is read, so that a typo is reported as
 * "file:line: key: problem (use FORM)" before anything runs; all errors of a
 * file are reported, not only the first.  "--set key=value" on the command
 * line replaces a key and is checked the same way.
 */
#ifndef TFOLAB_RUN_EXPERIMENT_H
#define TFOLAB_RUN_EXPERIMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/vocab.h"
#include "emulator/link.h"

#define CONDITION_PAGE_MAX 256       /* bytes of a page name or path, with NUL */
#define CONDITION_CC_MAX 16          /* as the kernel's TCP_CA_NAME_MAX */
#define EXPERIMENT_MAX_CONDITIONS 100000

struct experiment_keys;  /* the keys' values; private to experiment.c */

struct experiment {
	char *name;          /* "name = ...", else the file's base name without .conf */
	char *description;   /* "description = ...", else "" */
	char *source;        /* the path or buffer name given to the parser */
	char *text;          /* the file's text as read, to store with a run */
	char **sets;         /* the --set overrides applied, in order */
	size_t n_sets;
	struct experiment_keys *keys;
};

/* One cell of the matrix: everything needed to run its loads. */
struct condition_spec {
	size_t index;          /* position in the matrix, from 0 */
	size_t pair;           /* shared by the cells that differ only in tfo */
	char page[CONDITION_PAGE_MAX];  /* built-in page name or path of a .page file */
	uint64_t rtt_ns;       /* up.delay_ns + down.delay_ns, split in halves */
	struct link_params link;  /* rates, delays, loss (both directions) and
	                             queue limits, link_params_finish()ed */
	enum tfo_mode tfo;
	enum tls_mode tls;     /* plain HTTP or HTTPS; a pair shares it */
	enum fetcher fetcher;  /* what loads the page: our fetcher or Chromium
	                          (over plain HTTP only); a pair shares it */
	bool markup;           /* the origin serves bodies a browser parses (the
	                          page's markup links its resources): true in
	                          every cell of an experiment whose fetcher list
	                          holds chromium, so that both fetchers load the
	                          same bytes */
	enum body_encoding encoding;
	uint32_t per_conn;     /* requests per connection; 0 = unlimited */
	uint32_t conns_per_host;
	uint32_t trials;       /* loads that are counted */
	uint32_t warmup;       /* loads before them, not counted */
	uint64_t timeout_ns;   /* per request */
	uint64_t stall_limit_ns;  /* a trial whose link delivered a packet this
	                             late is a host stall, repeated; 0 = never */
	enum backend_choice backend;
	char cc[CONDITION_CC_MAX];  /* congestion control; "" = the kernel's default */
};

/*
 * experiment_parse - read and check the experiment file @path.  Returns 0 and
 * a new experiment in *@out (free with experiment_free), -EINVAL after
 * logging every error of the file, or another negative errno if it cannot be
 * read (logged).  *@out is untouched on failure.
 */
int experiment_parse(const char *path, struct experiment **out);

/*
 * experiment_parse_buf - the same for @text held in memory; @name stands for
 * the file in messages and gives the default experiment name.
 */
int experiment_parse_buf(const char *name, const char *text, struct experiment **out);

/*
 * experiment_set - apply one command-line override, "key=value", where the
 * value may be a list.  It replaces the key whatever the file said.  Returns
 * 0, -EINVAL after logging ("--set key: problem (use FORM)") with @e
 * unchanged, or -ENOMEM.
 */
int experiment_set(struct experiment *e, const char *key_eq_value);

/*
 * experiment_matrix - the conditions of @e, in the documented order (pages
 * outermost, then rtt, down, up, queue, loss, per_conn, conns_per_host, encoding, tls,
 * fetcher, tfo innermost).  Returns 0 with a malloc'd array in *@out (free() it; it does
 * not point into @e) and its length in *@n, or -EINVAL after logging if a
 * required key is missing, the matrix is too large or fetcher chromium meets
 * a tls other than off ("FILE:LINE: fetcher: chromium runs over HTTP only"),
 * or -ENOMEM.
 */
int experiment_matrix(const struct experiment *e, struct condition_spec **out, size_t *n);

/*
 * experiment_effective - every key with the value in force (file, --set or
 * default) as "key = value" lines, for the record of a run.  Returns a
 * malloc'd string, or NULL if out of memory.
 */
char *experiment_effective(const struct experiment *e);

/*
 * experiment_load - experiment_parse(@path), then experiment_set of each of
 * the @nsets overrides @sets in order.  0 and *@out, or a negative errno
 * after logging every problem, with *@out untouched.
 */
int experiment_load(const char *path, const char *const *sets, size_t nsets,
		    struct experiment **out);

/*
 * experiment_load_matrix - experiment_load, then experiment_matrix: the
 * experiment in *@out and its cells in *@cells (n *@n; free both).  0, or
 * a negative errno after logging, with nothing allocated.
 */
int experiment_load_matrix(const char *path, const char *const *sets, size_t nsets,
			   struct experiment **out, struct condition_spec **cells, size_t *n);

/* experiment_free - free @e and everything it owns; NULL is a no-op. */
void experiment_free(struct experiment *e);

/*
 * condition_format - one line naming the cell, e.g.
 * "amazon rtt=100ms down=4mbit up=256kbit queue=1000p loss=0% per_conn=2
 * conns_per_host=6 encoding=wire tfo=on", with " tls=1.3" before tfo when
 * not plain HTTP (the default) and " fetcher=chromium" when not the builtin
 * fetcher (the default), truncated to @len.
 */
void condition_format(const struct condition_spec *c, char *buf, int len);

#endif
