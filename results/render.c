#include "results/render.h"

#include <errno.h>
#include <math.h>
#include <string.h>
#include <time.h>

#include "common/log.h"

void table_opts_default(struct table_opts *o)
{
	o->format = TABLE_MD;
	o->pivot = TABLE_PIVOT_AUTO;
	o->seed = TABLE_DEFAULT_SEED;
	o->resamples = TABLE_DEFAULT_RESAMPLES;
	o->level = TABLE_DEFAULT_LEVEL;
}

int table_format_parse(const char *s, enum table_format *out)
{
	static const char *const names[] = { "md", "csv", "json" };
	for (size_t i = 0; i < 3; i++)
		if (s && !strcmp(s, names[i])) {
			*out = (enum table_format)i;
			return 0;
		}
	return -EINVAL;
}

int render_load(struct store *st, int64_t run_id, const struct table_opts *o,
		struct store_run *run, struct cell_set *set)
{
	memset(set, 0, sizeof(*set));
	memset(run, 0, sizeof(*run));
	int rc = store_run_get(st, run_id, run);
	if (rc == -ENOENT) {
		log_err("run %lld: no such run in the database", (long long)run_id);
		return rc;
	}
	if (rc < 0)
		return rc;
	struct cell_opts co = { .seed = o->seed, .resamples = o->resamples, .level = o->level };
	rc = cells_load(st, run_id, &co, set);
	if (rc < 0)
		return rc;
	if (set->valid_trials == 0) {
		log_err("run %lld: no valid trials (%zu conditions, %zu invalid trials)",
			(long long)run_id, set->nconds, set->invalid_trials);
		return -ENODATA;
	}
	return 0;
}

void render_release(struct store_run *run, struct cell_set *set)
{
	store_run_release(run);
	cells_release(set);
}

void render_rtt_ms(const struct store_condition *c, char *buf, size_t len)
{
	snprintf(buf, len, "%g", (double)c->rtt_ns / 1e6);
}

void render_plt(const struct cell_side *s, char *buf, size_t len)
{
	char inv[64] = "";
	size_t used = 0;
	if (s->invalid)
		used = (size_t)snprintf(inv, sizeof(inv), ", %zu invalid", s->invalid);
	if (s->fallbacks > 0)
		snprintf(inv + used, sizeof(inv) - used, ", %lld fallback%s",
			 (long long)s->fallbacks, s->fallbacks == 1 ? "" : "s");
	if (s->n == 0)
		snprintf(buf, len, "n/a (n=0%s)", inv);
	else if (s->n == 1)
		snprintf(buf, len, "%.3f (n=1%s)", s->sum.mean, inv);
	else
		snprintf(buf, len, "%.3f ± %.3f (n=%zu%s)", s->sum.mean, s->sum.sd, s->n, inv);
}

void render_improvement(const struct cell *c, char *buf, size_t len)
{
	if (!c->tested)
		snprintf(buf, len, "n/a");
	else
		snprintf(buf, len, "%.1f%% [%.1f, %.1f] %s", 100 * c->imp.point, 100 * c->imp.lo,
			 100 * c->imp.hi, cell_significance(c));
}

static void utc_time(int64_t ns, char *buf, size_t len)
{
	time_t t = (time_t)(ns / 1000000000);
	struct tm tm;
	if (ns <= 0 || !gmtime_r(&t, &tm) || !strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm))
		snprintf(buf, len, "unknown time");
}

static const char *or_unknown(const char *s)
{
	return s && *s ? s : "unknown";
}

void render_md_header(FILE *f, const char *title, const struct store_run *run,
		      const struct cell_set *set)
{
	char when[64], shared[512];
	utc_time(run->started_at, when, sizeof(when));
	fprintf(f, "# %s\n\n", title);
	fprintf(f, "Run %lld (%s, %s), started %s; git %s; kernel %s; backend %s.\n",
		(long long)run->id, or_unknown(run->experiment_name), run->status, when,
		or_unknown(run->git_describe), or_unknown(run->kernel),
		or_unknown(run->link_backend));
	if (run->merged_shards)
		fprintf(f, "Merged from %d shards on %d host%s (tfolab merge).\n",
			run->merged_shards, run->merged_hosts, run->merged_hosts == 1 ? "" : "s");
	else if (run->shard_n)
		fprintf(f, "Shard %d/%d of the experiment only: merge the shards with tfolab merge.\n",
			run->shard_k, run->shard_n);
	if (strcmp(run->status, "done"))
		fprintf(f, "This run is %s: the table holds only the trials stored so far.\n",
			run->status);
	if (set->n > 0) {
		const struct store_condition *c = cell_cond(&set->cells[0]);
		unsigned mask = CELL_VARY_ALL & ~set->varying;
		/* plain HTTP and the builtin fetcher throughout: as before the keys */
		mask &= ~(CELL_COLUMNS & ~set->columns);
		/* The cc is formatted here when the read-back can be added to it;
		 * it comes just before the backend, as in cell_setting_format. */
		int cc_here = (mask & CELL_VARY_CC) && set->cc_read;
		cell_setting_format(c, cc_here ? mask & ~(CELL_VARY_CC | CELL_VARY_BACKEND) : mask,
				    shared, sizeof(shared));
		if (cc_here) {
			size_t used = strlen(shared);
			const char *conf = c->cc && *c->cc ? c->cc : "default";
			if (!strcmp(conf, set->cc_read))
				used += (size_t)snprintf(shared + used, sizeof(shared) - used,
							 "%scc %s (read back)", used ? ", " : "", conf);
			else
				used += (size_t)snprintf(shared + used, sizeof(shared) - used,
							 "%scc %s (read back: %s)", used ? ", " : "",
							 conf, set->cc_read);
			if ((mask & CELL_VARY_BACKEND) && used < sizeof(shared))
				snprintf(shared + used, sizeof(shared) - used, "%sbackend %s",
					 used ? ", " : "", c->backend ? c->backend : "?");
		}
		if (*shared)
			fprintf(f, "Every cell: %s.\n", shared);
	}
	fprintf(f, "\n");
}

void render_md_method(FILE *f, const struct cell_set *set, const struct table_opts *o)
{
	fprintf(f, "- Improvement: 1 − mean TFO / mean non-TFO over the cell's pairs, a pair being "
		"the non-TFO and the TFO trial of one round, run back to back (both valid); "
		"paired: %zu pairs", set->pairs);
	if (set->unpaired)
		fprintf(f, " (%zu valid trial%s without a valid partner left out)", set->unpaired,
			set->unpaired == 1 ? "" : "s");
	fprintf(f, "; %g%% CI from a bootstrap over pairs (%u resamples, seed %llu); paired "
		"t-test on the per-pair differences: ** p < %g, * p < %g, ns otherwise.\n",
		100 * o->level, o->resamples, (unsigned long long)o->seed, CELL_ALPHA_STRONG,
		CELL_ALPHA);
	size_t nbad = 0;
	for (size_t i = 0; i < set->n; i++)
		nbad += set->cells[i].tested && !set->cells[i].ci_test_agree;
	if (nbad == 0)
		return;
	fprintf(f, "- In %zu cell%s the CI and the test disagree (one excludes no gain, the other "
		"does not):", nbad, nbad == 1 ? "" : "s");
	for (size_t i = 0, k = 0; i < set->n; i++) {
		const struct cell *c = &set->cells[i];
		char rtt[32], setting[256];
		if (!c->tested || c->ci_test_agree)
			continue;
		render_rtt_ms(cell_cond(c), rtt, sizeof(rtt));
		fprintf(f, "%s ", k++ ? ";" : "");
		render_md_text(f, cell_cond(c)->page);
		fprintf(f, " %s ms", rtt);
		cell_row_setting(set, c, CELL_VARY_ALL, setting, sizeof(setting));
		if (*setting) {
			fprintf(f, " (");
			render_md_text(f, setting);
			fprintf(f, ")");
		}
		fprintf(f, ": p = %.3g", c->test.p);
	}
	fprintf(f, ".\n");
}

static void md_cc_side(FILE *f, const char *what, const struct cell_side *s, int *k)
{
	if (!s->cc_used || !s->cond || !strcmp(s->cc_used, s->cond->cc ? s->cond->cc : ""))
		return;
	fprintf(f, "%s%s trials reported ", (*k)++ ? ", " : "", what);
	render_md_text(f, s->cc_used);
}

void render_md_cc(FILE *f, const struct cell_set *set)
{
	size_t nbad = 0;
	for (size_t i = 0; i < set->n; i++)
		nbad += set->cells[i].cc_mismatch;
	if (nbad == 0) {
		if (set->cc_known && !set->cc_read && (set->varying & CELL_VARY_CC))
			fprintf(f, "- Congestion control: the connections reported the configured one "
				"in every cell that reports it.\n");
		return;
	}
	fprintf(f, "- Congestion control read back from the connections differs from the "
		"configured one in %zu cell%s:", nbad, nbad == 1 ? "" : "s");
	for (size_t i = 0, n = 0; i < set->n; i++) {
		const struct cell *c = &set->cells[i];
		char rtt[32];
		int k = 0;
		if (!c->cc_mismatch)
			continue;
		render_rtt_ms(cell_cond(c), rtt, sizeof(rtt));
		fprintf(f, "%s ", n++ ? ";" : "");
		render_md_text(f, cell_cond(c)->page);
		fprintf(f, " %s ms, configured ", rtt);
		render_md_text(f, cell_cond(c)->cc);
		fprintf(f, ": ");
		md_cc_side(f, tfo_mode_title(TFO_OFF), &c->off, &k);
		if (c->tfo.cond)
			md_cc_side(f, tfo_mode_title(c->tfo.cond->tfo_mode), &c->tfo, &k);
	}
	fprintf(f, ".\n");
}

void render_md_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '|')
			fputc('\\', f);
		fputc(*s == '\n' ? ' ' : *s, f);
	}
}

void render_csv_text(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

json_t *render_json_num(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static json_t *json_str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

json_t *render_json_run(const struct store_run *run)
{
	char when[64];
	utc_time(run->started_at, when, sizeof(when));
	return json_pack("{s:I, s:o, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:I, s:I, s:I}",
			 "id", (json_int_t)run->id,
			 "experiment", json_str_or_null(run->experiment_name),
			 "started", when,
			 "status", json_str_or_null(run->status),
			 "git_describe", json_str_or_null(run->git_describe),
			 "kernel", json_str_or_null(run->kernel),
			 "backend", json_str_or_null(run->link_backend),
			 "host", json_str_or_null(run->host),
			 "command_line", json_str_or_null(run->command_line),
			 "shard", (json_int_t)run->shard_k,      /* 0: not one shard */
			 "shards", (json_int_t)(run->merged_shards ? run->merged_shards : run->shard_n),
			 "hosts", (json_int_t)run->merged_hosts); /* 0: not merged */
}

json_t *render_json_method(const struct table_opts *o)
{
	return json_pack("{s:s, s:s, s:s, s:o, s:I, s:I, s:f, s:f}",
			 "pairing", "the non-TFO and TFO trials of one round (run back to back), "
				    "both valid",
			 "test", "paired t-test on the per-pair differences",
			 "improvement_ci", "percentile bootstrap over pairs",
			 "level", render_json_num(o->level),
			 "resamples", (json_int_t)o->resamples,
			 "seed", (json_int_t)o->seed,
			 "alpha", CELL_ALPHA,
			 "alpha_strong", CELL_ALPHA_STRONG);
}

int render_json_dump(FILE *f, json_t *doc)
{
	if (!doc) {
		log_err("json: building the document failed");
		return -ENOMEM;
	}
	int rc = json_dumpf(doc, f, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
	json_decref(doc);
	if (rc < 0 || fputc('\n', f) == EOF) {
		log_err("json: writing the document failed");
		return -EIO;
	}
	return 0;
}
