/*
 * For the store's tests: reading and writing a database through a second,
 * raw sqlite3 connection, so that a test does not trust the store's own
 * readers.  Include after <cmocka.h>.
 */
#ifndef TFOLAB_TESTS_RAW_SQLITE_H
#define TFOLAB_TESTS_RAW_SQLITE_H

#include <sqlite3.h>

/* One integer from a raw query on a separate connection; -1 without a row. */
static inline long long raw_int(const char *path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *stmt;
	long long v = -1;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL), SQLITE_OK);
	if (sqlite3_step(stmt) == SQLITE_ROW)
		v = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	return v;
}

/* Runs SQL on a separate connection; it must succeed. */
static inline void raw_exec(const char *path, const char *sql)
{
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

#endif
