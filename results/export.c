/*
 * The trials of a run with their conditions, as CSV or JSON.  The select
 * list is built from the schema itself (PRAGMA table_info), so that every
 * column is exported under its own name: the condition's id becomes
 * condition_id, the trial's id trial_id, and trials.condition_id, which
 * repeats the former, is left out.
 */
#include "results/export.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "results/store_db.h"

/* Appends to the memstream @sel the columns of @table, as "alias.col AS name". */
static int add_columns(struct store *st, FILE *sel, const char *table, const char *alias,
		       const char *id_as, const char *skip, int *first)
{
	char sql[128];
	sqlite3_stmt *stmt;
	snprintf(sql, sizeof(sql), "PRAGMA table_info(%s)", table);
	int rc = store_db_prep(st, "table_info", sql, &stmt);
	if (rc < 0)
		return rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(stmt, 1);
		if (!name || (skip && !strcmp(name, skip)))
			continue;
		const char *as = !strcmp(name, "id") ? id_as : name;
		fprintf(sel, "%s%s.\"%s\" AS \"%s\"", *first ? "" : ", ", alias, name, as);
		*first = 0;
	}
	sqlite3_finalize(stmt);
	return rc == SQLITE_DONE ? 0 : store_db_fail(st, "table_info");
}

/* The SELECT of every trial of a run (?1) with its condition; malloc'd, or NULL. */
static char *export_sql(struct store *st)
{
	char *sql = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&sql, &len);
	int first = 1;
	if (!f)
		return NULL;
	fprintf(f, "SELECT ");
	int rc = add_columns(st, f, "conditions", "c", "condition_id", NULL, &first);
	if (rc == 0)
		rc = add_columns(st, f, "trials", "t", "trial_id", "condition_id", &first);
	fprintf(f, " FROM trials t JOIN conditions c ON c.id = t.condition_id"
		   " WHERE c.run_id = ?1 ORDER BY c.idx, c.id, t.seq");
	if (fclose(f) != 0 || rc < 0) {
		free(sql);
		return NULL;
	}
	return sql;
}

/* One CSV field: quoted when it holds a comma, a quote or a line break. */
static void csv_text(FILE *out, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, out);
		return;
	}
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

static void csv_row(FILE *out, sqlite3_stmt *stmt, int ncol)
{
	for (int i = 0; i < ncol; i++) {
		if (i)
			fputc(',', out);
		switch (sqlite3_column_type(stmt, i)) {
		case SQLITE_NULL:
			break;
		case SQLITE_INTEGER:
			fprintf(out, "%lld", (long long)sqlite3_column_int64(stmt, i));
			break;
		case SQLITE_FLOAT:
			fprintf(out, "%.17g", sqlite3_column_double(stmt, i));
			break;
		default:
			csv_text(out, (const char *)sqlite3_column_text(stmt, i));
		}
	}
	fputc('\n', out);
}

/* One JSON object; -ENOMEM if it cannot be built. */
static int json_row(FILE *out, sqlite3_stmt *stmt, int ncol, int first)
{
	json_t *o = json_object();
	for (int i = 0; o && i < ncol; i++) {
		json_t *v;
		switch (sqlite3_column_type(stmt, i)) {
		case SQLITE_NULL:
			v = json_null();
			break;
		case SQLITE_INTEGER:
			v = json_integer((json_int_t)sqlite3_column_int64(stmt, i));
			break;
		case SQLITE_FLOAT:
			v = json_real(sqlite3_column_double(stmt, i));
			break;
		default:
			v = json_string((const char *)sqlite3_column_text(stmt, i));
		}
		if (!v || json_object_set_new(o, sqlite3_column_name(stmt, i), v) < 0) {
			json_decref(o);
			o = NULL;
		}
	}
	char *text = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(o);
	if (!text)
		return -ENOMEM;
	fprintf(out, "%s  %s", first ? "" : ",\n", text);
	free(text);
	return 0;
}

int trials_render(struct store *st, int64_t run_id, const struct table_opts *o, FILE *out)
{
	struct store_run run;
	sqlite3_stmt *stmt;
	int rc;

	if (o->format != TABLE_CSV && o->format != TABLE_JSON) {
		log_err("trials: --format: use csv or json (a table of every trial is not markdown)");
		return -EINVAL;
	}
	if ((rc = store_run_get(st, run_id, &run)) < 0) {
		if (rc == -ENOENT)
			log_err("trials: the database %s holds no run %lld", st->path, (long long)run_id);
		return rc;
	}
	store_run_release(&run);
	char *sql = export_sql(st);
	if (!sql) {
		log_err("trials: cannot build the query (out of memory or an unreadable schema)");
		return -ENOMEM;
	}
	rc = store_db_prep(st, "export trials", sql, &stmt);
	free(sql);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(stmt, 1, run_id);
	int ncol = sqlite3_column_count(stmt), n = 0;
	if (o->format == TABLE_CSV) {
		for (int i = 0; i < ncol; i++)
			fprintf(out, "%s%s", i ? "," : "", sqlite3_column_name(stmt, i));
		fputc('\n', out);
	} else {
		fputs("[\n", out);
	}
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (o->format == TABLE_CSV) {
			csv_row(out, stmt, ncol);
		} else if (json_row(out, stmt, ncol, n == 0) < 0) {
			log_err("trials: out of memory");
			sqlite3_finalize(stmt);
			return -ENOMEM;
		}
		n++;
	}
	if (rc != SQLITE_DONE) {
		rc = store_db_fail(st, "export trials");
		sqlite3_finalize(stmt);
		return rc;
	}
	sqlite3_finalize(stmt);
	if (o->format == TABLE_JSON)
		fputs(n ? "\n]\n" : "]\n", out);
	if (fflush(out) != 0 || ferror(out)) {
		log_err("trials: write: %s", strerror(errno));
		return -EIO;
	}
	return n;
}
