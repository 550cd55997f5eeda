#include "results/cells.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emulator/units.h"
#include "harness/log.h"

static int same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

unsigned cell_cond_diff(const struct store_condition *a, const struct store_condition *b)
{
	unsigned d = 0;
	if (a->down_bps != b->down_bps)
		d |= CELL_VARY_DOWN;
	if (a->up_bps != b->up_bps)
		d |= CELL_VARY_UP;
	if (a->queue_pkts != b->queue_pkts || a->queue_bytes != b->queue_bytes)
		d |= CELL_VARY_QUEUE;
	if (a->loss != b->loss)
		d |= CELL_VARY_LOSS;
	if (a->per_conn != b->per_conn)
		d |= CELL_VARY_PER_CONN;
	if (a->conns_per_host != b->conns_per_host)
		d |= CELL_VARY_CONNS;
	if (!same_str(a->cc, b->cc))
		d |= CELL_VARY_CC;
	if (!same_str(a->backend, b->backend))
		d |= CELL_VARY_BACKEND;
	return d;
}

/* Appends ", " and a printf-formatted item to buf at *pos, truncating. */
static void append(char *buf, size_t len, size_t *pos, const char *fmt, const char *a,
		   long long n)
{
	if (*pos >= len)
		return;
	int w = snprintf(buf + *pos, len - *pos, "%s", *pos ? ", " : "");
	*pos += (size_t)w;
	if (*pos >= len)
		return;
	w = a ? snprintf(buf + *pos, len - *pos, fmt, a) : snprintf(buf + *pos, len - *pos, fmt, n);
	*pos += (size_t)w;
}

void cell_setting_format(const struct store_condition *c, unsigned mask, char *buf, size_t len)
{
	char tmp[64];
	size_t pos = 0;
	if (len == 0)
		return;
	buf[0] = '\0';
	if (mask & CELL_VARY_DOWN) {
		units_format_rate((uint64_t)c->down_bps, tmp, sizeof(tmp));
		append(buf, len, &pos, "down %s", tmp, 0);
	}
	if (mask & CELL_VARY_UP) {
		units_format_rate((uint64_t)c->up_bps, tmp, sizeof(tmp));
		append(buf, len, &pos, "up %s", tmp, 0);
	}
	if (mask & CELL_VARY_QUEUE) {
		if (c->queue_pkts && c->queue_bytes)
			snprintf(tmp, sizeof(tmp), "%lldp,%lldB", (long long)c->queue_pkts,
				 (long long)c->queue_bytes);
		else if (c->queue_bytes)
			snprintf(tmp, sizeof(tmp), "%lldB", (long long)c->queue_bytes);
		else
			snprintf(tmp, sizeof(tmp), "%lldp", (long long)c->queue_pkts);
		append(buf, len, &pos, "queue %s", tmp, 0);
	}
	if (mask & CELL_VARY_LOSS) {
		snprintf(tmp, sizeof(tmp), "%g%%", c->loss * 100);
		append(buf, len, &pos, "loss %s", tmp, 0);
	}
	if (mask & CELL_VARY_PER_CONN) {
		if (c->per_conn)
			append(buf, len, &pos, "%lld req/conn", NULL, c->per_conn);
		else
			append(buf, len, &pos, "%s req/conn", "unlimited", 0);
	}
	if (mask & CELL_VARY_CONNS)
		append(buf, len, &pos, "%lld conns/host", NULL, c->conns_per_host);
	if (mask & CELL_VARY_CC)
		append(buf, len, &pos, "cc %s", c->cc && *c->cc ? c->cc : "default", 0);
	if (mask & CELL_VARY_BACKEND)
		append(buf, len, &pos, "backend %s", c->backend ? c->backend : "?", 0);
}

void cell_row_setting(const struct cell_set *set, const struct cell *c, unsigned mask,
		      char *buf, size_t len)
{
	cell_setting_format(cell_cond(c), set->varying & mask, buf, len);
	if (set->has_cookie && c->tfo.cond) {
		size_t used = strlen(buf);
		snprintf(buf + used, len - used, "%sTFO %s cookies", used ? ", " : "",
			 c->tfo.cond->tfo_mode == STORE_TFO_COOKIE ? "with" : "without");
	}
}

const struct store_condition *cell_cond(const struct cell *c)
{
	return c->off.cond ? c->off.cond : c->tfo.cond;
}

const char *cell_significance(const struct cell *c)
{
	if (!c->tested)
		return "";
	if (c->welch.p < CELL_ALPHA_STRONG)
		return "**";
	if (c->welch.p < CELL_ALPHA)
		return "*";
	return "ns";
}

const char *cell_verdict_code(enum cell_verdict v)
{
	switch (v) {
	case CELL_NOT_SIGNIFICANT: return "not_significant";
	case CELL_WITHIN: return "within";
	case CELL_BELOW: return "below";
	case CELL_ABOVE: return "above";
	default: return "insufficient_data";
	}
}

void cell_verdict_format(const struct cell *c, char *buf, size_t len)
{
	const char *ci = c->ci_meets_range ? " (CI reaches it)" : "";
	switch (c->verdict) {
	case CELL_NOT_SIGNIFICANT:
		snprintf(buf, len, "not significant");
		break;
	case CELL_WITHIN:
		snprintf(buf, len, "within %s", PAPER_RANGE_TEXT);
		break;
	case CELL_BELOW:
		snprintf(buf, len, "%sbelow paper range%s", c->imp.point < 0 ? "TFO slower, " : "", ci);
		break;
	case CELL_ABOVE:
		snprintf(buf, len, "above paper range%s", ci);
		break;
	default:
		snprintf(buf, len, "%s", !c->off.cond ? "no non-TFO condition" :
					 !c->tfo.cond ? "no TFO condition" : "insufficient data");
		break;
	}
}

static int side_load(struct store *st, const struct store_condition *cond, struct cell_side *s)
{
	int64_t *ns = NULL;
	s->cond = cond;
	if (!cond)
		return 0;
	int rc = store_condition_plts(st, cond->id, &ns, &s->n, &s->invalid);
	if (rc < 0)
		return rc;
	if (s->n > 0) {
		s->plt_s = malloc(s->n * sizeof(*s->plt_s));
		if (!s->plt_s) {
			free(ns);
			s->n = 0;
			return -ENOMEM;
		}
		for (size_t i = 0; i < s->n; i++)
			s->plt_s[i] = (double)ns[i] / 1e9;
		rc = stats_summarize(s->plt_s, s->n, &s->sum);
	}
	free(ns);
	return rc;
}

static int cell_compute(struct cell *c, const struct cell_opts *o)
{
	c->verdict = CELL_NO_DATA;
	if (c->off.n < 2 || c->tfo.n < 2)
		return 0;
	int rc = stats_welch(c->off.plt_s, c->off.n, c->tfo.plt_s, c->tfo.n, o->level, &c->welch);
	if (rc == 0)
		rc = stats_boot_improvement(c->off.plt_s, c->off.n, c->tfo.plt_s, c->tfo.n,
					    o->resamples, o->seed, o->level, &c->imp);
	if (rc == -EDOM) {
		/* A PLT of 0 is a measurement bug, not a result: say so, skip the cell. */
		log_warn("condition %lld: a valid trial has PLT 0; cell not tested",
			 (long long)c->off.cond->id);
		return 0;
	}
	if (rc < 0)
		return rc;
	c->tested = 1;
	c->ci_meets_range = c->imp.hi >= PAPER_IMPROVEMENT_MIN && c->imp.lo <= PAPER_IMPROVEMENT_MAX;
	if (c->welch.p >= CELL_ALPHA)
		c->verdict = CELL_NOT_SIGNIFICANT;
	else if (c->imp.point < PAPER_IMPROVEMENT_MIN)
		c->verdict = CELL_BELOW;
	else if (c->imp.point > PAPER_IMPROVEMENT_MAX)
		c->verdict = CELL_ABOVE;
	else
		c->verdict = CELL_WITHIN;
	return 0;
}

static int cell_first_idx(const struct cell *c)
{
	if (c->off.cond && c->tfo.cond)
		return c->off.cond->idx < c->tfo.cond->idx ? c->off.cond->idx : c->tfo.cond->idx;
	return cell_cond(c)->idx;
}

static int cmp_cell(const void *a, const void *b)
{
	const struct cell *x = a, *y = b;
	int i = cell_first_idx(x), j = cell_first_idx(y);
	if (i != j)
		return (i > j) - (i < j);
	return (int)cell_cond(x)->tfo_mode - (int)cell_cond(y)->tfo_mode;
}

/* The non-TFO partner of cond, or NULL. */
static const struct store_condition *find_off(const struct cell_set *set,
					      const struct store_condition *cond)
{
	for (size_t i = 0; i < set->nconds; i++)
		if (set->conds[i].tfo_mode == STORE_TFO_OFF && set->conds[i].pair_key == cond->pair_key)
			return &set->conds[i];
	return NULL;
}

static int has_partner(const struct cell_set *set, const struct store_condition *off)
{
	for (size_t i = 0; i < set->nconds; i++)
		if (set->conds[i].tfo_mode != STORE_TFO_OFF && set->conds[i].pair_key == off->pair_key)
			return 1;
	return 0;
}

int cells_load(struct store *st, int64_t run_id, const struct cell_opts *o, struct cell_set *set)
{
	memset(set, 0, sizeof(*set));
	int rc = store_conditions_list(st, run_id, &set->conds, &set->nconds);
	if (rc < 0)
		return rc;
	/* At most one cell per condition. */
	set->cells = calloc(set->nconds ? set->nconds : 1, sizeof(*set->cells));
	if (!set->cells)
		return -ENOMEM;
	for (size_t i = 0; i < set->nconds; i++) {
		const struct store_condition *c = &set->conds[i];
		struct cell *cell = &set->cells[set->n];
		if (c->tfo_mode != STORE_TFO_OFF) {
			cell->tfo.cond = c;
			cell->off.cond = find_off(set, c);
		} else if (!has_partner(set, c)) {
			cell->off.cond = c;
		} else {
			continue;
		}
		set->n++;
		rc = side_load(st, cell->off.cond, &cell->off);
		if (rc == 0)
			rc = side_load(st, cell->tfo.cond, &cell->tfo);
		if (rc == 0)
			rc = cell_compute(cell, o);
		if (rc < 0)
			return rc;
	}
	rc = store_run_trial_counts(st, run_id, &set->valid_trials, &set->invalid_trials,
				    &set->stalled_trials);
	if (rc < 0)
		return rc;
	qsort(set->cells, set->n, sizeof(*set->cells), cmp_cell);
	for (size_t i = 0; i < set->nconds; i++)
		set->has_cookie |= set->conds[i].tfo_mode == STORE_TFO_COOKIE;
	for (size_t i = 1; i < set->n; i++)
		set->varying |= cell_cond_diff(cell_cond(&set->cells[0]), cell_cond(&set->cells[i]));
	return 0;
}

void cells_release(struct cell_set *set)
{
	for (size_t i = 0; i < set->n; i++) {
		free(set->cells[i].off.plt_s);
		free(set->cells[i].tfo.plt_s);
	}
	free(set->cells);
	store_conditions_free(set->conds, set->nconds);
	memset(set, 0, sizeof(*set));
}
