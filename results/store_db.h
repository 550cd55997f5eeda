/*
 * Private to results/store*.c: the store object and the statement helpers
 * that log a failing statement once, by name, with sqlite3_errmsg.
 */
#ifndef TFOLAB_RESULTS_STORE_DB_H
#define TFOLAB_RESULTS_STORE_DB_H

#include <sqlite3.h>

#include "results/store.h"

struct store {
	sqlite3 *db;
	char *path;
	int version;    /* the schema version it was opened at: the current
	                   one, or an older one in tests (store_open_version),
	                   whose writers leave out the newer columns */
};

/* Logs the database's last error for statement `what`; returns its errno. */
int store_db_fail(struct store *st, const char *what);

/* Runs SQL without results; 0 or the logged error. */
int store_db_exec(struct store *st, const char *what, const char *sql);

/* Prepares SQL into *stmt; 0 or the logged error. */
int store_db_prep(struct store *st, const char *what, const char *sql, sqlite3_stmt **stmt);

/* Steps a statement that returns no rows and finalizes it either way. */
int store_db_step_done(struct store *st, const char *what, sqlite3_stmt *stmt);

/* Binds s, or NULL when s is NULL. */
int store_db_bind_text(sqlite3_stmt *stmt, int i, const char *s);

/* Binds v, or NULL when v is negative (not measured). */
int store_db_bind_opt(sqlite3_stmt *stmt, int i, int64_t v);

/* A malloc'd copy of a text column, NULL for NULL (or no memory). */
char *store_db_strdup(sqlite3_stmt *stmt, int i);

/*
 * store_db_grow - make room for one more element of @size bytes in the
 * array *@arr of capacity *@cap holding @len elements (doubling).  0, or
 * -ENOMEM with *@arr unchanged.
 */
int store_db_grow(void **arr, size_t *cap, size_t len, size_t size);

/*
 * A row reader for store_db_rows: fills @elem (zeroed first) from the
 * current row of @stmt.  Returns 0 to keep the element, 1 to drop the row
 * (a filter), or a negative errno (-ENOMEM), which ends the read.
 */
typedef int (*store_db_row_fn)(sqlite3_stmt *stmt, void *elem, void *ctx);

/*
 * store_db_rows - step the prepared (and bound) @stmt to its end, reading
 * each row into a new element of @size bytes of the array *@arr with @row.
 * Always finalizes @stmt.  Returns 0, or the first error (a step failure is
 * logged naming @what).  On failure *@arr and *@len still hold the elements
 * read so far, the one that failed included (zeroed, then partly filled),
 * which the caller frees with its own free function: elements may own
 * strings.
 */
int store_db_rows(struct store *st, const char *what, sqlite3_stmt *stmt, size_t size,
		  store_db_row_fn row, void *ctx, void **arr, size_t *len);

#endif
