#include "results/cells.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/units.h"

/*
 * The values the paper states for single cells of its Table 1 (S.
 * Radhakrishnan et al., "TCP Fast Open", ACM CoNEXT 2011, the text on Table
 * 1): the content-heavy pages (amazon, nytimes, wsj) gain 4-5% at 20 ms;
 * the Wikipedia article on TCP gains 16% at 100 ms and 41% at 200 ms.
 * shared/reference/README.md gives only the 4-41% range (PAPER_IMPROVEMENT_*).
 * These are the only copy of the statements; cells are compared with them,
 * nothing is fitted to them.
 */
static const struct paper_cell paper_table[] = {
	{ "amazon", 20, 0.04, 0.05 },
	{ "nytimes", 20, 0.04, 0.05 },
	{ "wsj", 20, 0.04, 0.05 },
	{ "wikipedia-tcp", 100, 0.16, 0.16 },
	{ "wikipedia-tcp", 200, 0.41, 0.41 },
};

const struct paper_cell *paper_cells(size_t *n)
{
	*n = sizeof(paper_table) / sizeof(paper_table[0]);
	return paper_table;
}

const struct paper_cell *paper_cell_find(const char *page, int64_t rtt_ns)
{
	for (size_t i = 0; i < sizeof(paper_table) / sizeof(paper_table[0]); i++)
		if (!strcmp(paper_table[i].page, page) &&
		    (int64_t)paper_table[i].rtt_ms * 1000000 == rtt_ns)
			return &paper_table[i];
	return NULL;
}

void paper_cell_format(const struct paper_cell *p, char *buf, size_t len)
{
	if (p->low == p->high)
		snprintf(buf, len, "%g%%", 100 * p->low);
	else
		snprintf(buf, len, "%g–%g%%", 100 * p->low, 100 * p->high);
}

void paper_cells_summary(char *buf, size_t len)
{
	size_t pos = 0, n;
	const struct paper_cell *t = paper_cells(&n);
	char v[32];
	if (len)
		buf[0] = '\0';
	for (size_t i = 0; i < n && pos < len; i++) {
		/* Statements of one value and RTT share their tail. */
		int last = i + 1 == n || t[i + 1].rtt_ms != t[i].rtt_ms ||
			   t[i + 1].low != t[i].low || t[i + 1].high != t[i].high;
		pos += (size_t)snprintf(buf + pos, len - pos, "%s", t[i].page);
		if (pos >= len)
			break;
		if (!last) {
			pos += (size_t)snprintf(buf + pos, len - pos, ", ");
			continue;
		}
		paper_cell_format(&t[i], v, sizeof(v));
		pos += (size_t)snprintf(buf + pos, len - pos, " %s at %d ms%s", v, t[i].rtt_ms,
					i + 1 < n ? "; " : "");
	}
}

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
	if (!same_str(a->encoding, b->encoding))
		d |= CELL_VARY_ENCODING;
	if (a->tls != b->tls)
		d |= CELL_VARY_TLS;
	if (a->fetcher != b->fetcher)
		d |= CELL_VARY_FETCHER;
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
	/* NULL: a run from before schema 4, which did not record it. */
	if ((mask & CELL_VARY_ENCODING) && c->encoding)
		append(buf, len, &pos, "%s bodies", c->encoding, 0);
	if (mask & CELL_VARY_TLS)
		append(buf, len, &pos, "%s", tls_mode_title(c->tls), 0);
	if (mask & CELL_VARY_FETCHER)
		append(buf, len, &pos, "%s fetcher", fetcher_title(c->fetcher), 0);
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
			 c->tfo.cond->tfo_mode == TFO_COOKIE ? "with" : "without");
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
	if (c->test.p < CELL_ALPHA_STRONG)
		return "**";
	if (c->test.p < CELL_ALPHA)
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

const char *cell_paper_check_code(enum cell_paper_check p)
{
	switch (p) {
	case CELL_PAPER_WITHIN: return "within";
	case CELL_PAPER_BELOW: return "below";
	case CELL_PAPER_ABOVE: return "above";
	default: return "";
	}
}

int cell_agrees(const struct cell *c)
{
	return c->verdict == CELL_WITHIN &&
	       (c->paper_check == CELL_PAPER_NONE || c->paper_check == CELL_PAPER_WITHIN);
}

void cell_verdict_format(const struct cell *c, char *buf, size_t len)
{
	const char *ci = c->ci_meets_range ? " (CI reaches it)" : "";
	char v[32];
	int w;
	switch (c->verdict) {
	case CELL_NOT_SIGNIFICANT:
		w = snprintf(buf, len, "not significant");
		break;
	case CELL_WITHIN:
		w = snprintf(buf, len, "within %s", PAPER_RANGE_TEXT);
		break;
	case CELL_BELOW:
		w = snprintf(buf, len, "%sbelow paper range%s", c->imp.point < 0 ? "TFO slower, " : "", ci);
		break;
	case CELL_ABOVE:
		w = snprintf(buf, len, "above paper range%s", ci);
		break;
	default:
		w = snprintf(buf, len, "%s", !c->off.cond ? "no non-TFO condition" :
					     !c->tfo.cond ? "no TFO condition" :
					     c->off.n >= 2 && c->tfo.n >= 2 ? "fewer than 2 pairs" :
					     "insufficient data");
		break;
	}
	if (c->paper_check != CELL_PAPER_NONE && w >= 0 && (size_t)w < len) {
		paper_cell_format(c->paper, v, sizeof(v));
		snprintf(buf + w, len - (size_t)w, "; paper %s: %s", v,
			 cell_paper_check_code(c->paper_check));
	}
}

/*
 * Pairing.  run/group.c runs the conditions of one pair_key in rounds:
 * in round t it loads the off condition's t-th counted trial and then the
 * on (and cookie) condition's t-th, back to back (ABAB).  A trial that
 * caught a host stall is stored invalid (stalled = 1) and repeated at once
 * with the next seq, so it does not count; any other invalid trial (a
 * timeout, a failed load) counts and is not repeated.  So seq is the number
 * of counted plus stalled trials before it, and drifts apart between the
 * sides after a stall: pairing by seq would match trials of different
 * rounds.  Pairing the k-th valid off with the k-th valid on would too,
 * once one side has a timeout.  The round of a trial is its rank among its
 * condition's trials that were not stalls, in seq order; the off and TFO
 * trials of a round form a pair when both are valid.  A valid trial whose
 * partner is invalid or missing (a side that gave up after too many
 * stalls, a run interrupted between the two) is left out of the paired
 * statistics and counted in cell.unpaired.  A resumed run keeps the rule:
 * the runner resumes each side at its count of counted trials, though a
 * round split by the interruption was not run back to back.
 */
static void side_free(struct cell_side *s)
{
	free(s->plt_s);
	free(s->round);
	free(s->cc_used);
	s->plt_s = NULL;
	s->round = NULL;
	s->cc_used = NULL;
}

/* Folds a trial's cc into the side's: NULL unknown, the value, or "mixed". */
static int cc_fold(char **acc, const char *cc)
{
	if (!cc || (*acc && !strcmp(*acc, cc)))
		return 0;
	if (*acc && !strcmp(*acc, "mixed"))
		return 0;
	char *d = strdup(*acc ? "mixed" : cc);
	if (!d)
		return -ENOMEM;
	free(*acc);
	*acc = d;
	return 0;
}

static int side_load(struct store *st, const struct store_condition *cond, struct cell_side *s)
{
	struct store_trial_stat *t = NULL;
	size_t nt = 0;
	int round = 0, rc;
	s->cond = cond;
	s->fallbacks = -1;
	if (!cond)
		return 0;
	if ((rc = store_condition_trial_stats(st, cond->id, &t, &nt)) < 0)
		return rc;
	s->plt_s = malloc((nt ? nt : 1) * sizeof(*s->plt_s));
	s->round = malloc((nt ? nt : 1) * sizeof(*s->round));
	if (!s->plt_s || !s->round) {
		rc = -ENOMEM;
		goto end;
	}
	for (size_t i = 0; i < nt; i++) {
		int r = t[i].stalled ? -1 : round++;
		if (!t[i].valid) {
			s->invalid++;
			continue;
		}
		s->plt_s[s->n] = (double)t[i].plt_ns / 1e9;
		s->round[s->n++] = r;
		if (t[i].fallbacks >= 0)
			s->fallbacks = (s->fallbacks < 0 ? 0 : s->fallbacks) + t[i].fallbacks;
		if ((rc = cc_fold(&s->cc_used, t[i].cc_used)) < 0)
			goto end;
	}
	if (s->n > 0)
		rc = stats_summarize(s->plt_s, s->n, &s->sum);
end:
	if (rc < 0) {
		side_free(s);
		s->n = 0;
	}
	store_trial_stats_free(t, nt);
	return rc;
}

/* Joins the two sides on their rounds (both ascending); see "Pairing". */
static int cell_pair(struct cell *c)
{
	const struct cell_side *a = &c->off, *b = &c->tfo;
	size_t cap = a->n < b->n ? a->n : b->n, i = 0, j = 0;
	c->pair_off = malloc((cap ? cap : 1) * sizeof(*c->pair_off));
	c->pair_tfo = malloc((cap ? cap : 1) * sizeof(*c->pair_tfo));
	if (!c->pair_off || !c->pair_tfo)
		return -ENOMEM;
	while (i < a->n && j < b->n) {
		if (a->round[i] < b->round[j]) {
			i++;
		} else if (a->round[i] > b->round[j]) {
			j++;
		} else {
			c->pair_off[c->npairs] = a->plt_s[i++];
			c->pair_tfo[c->npairs++] = b->plt_s[j++];
		}
	}
	c->unpaired = a->n + b->n - 2 * c->npairs;
	return 0;
}

static enum cell_paper_check paper_check(const struct cell *c)
{
	if (!c->tested || !c->paper)
		return CELL_PAPER_NONE;
	if (c->imp.hi < c->paper->low)
		return CELL_PAPER_BELOW;
	if (c->imp.lo > c->paper->high)
		return CELL_PAPER_ABOVE;
	return CELL_PAPER_WITHIN;
}

/* A configured cc the read-back can contradict: a name, not "" or "unknown". */
static int cc_mismatch(const struct cell_side *s)
{
	const char *conf = s->cond ? s->cond->cc : NULL;
	return s->cc_used && conf && *conf && strcmp(conf, "unknown") && strcmp(conf, s->cc_used);
}

static int cell_compute(struct cell *c, const struct cell_opts *o)
{
	c->verdict = CELL_NO_DATA;
	c->paper = paper_cell_find(cell_cond(c)->page, cell_cond(c)->rtt_ns);
	c->cc_mismatch = cc_mismatch(&c->off) || cc_mismatch(&c->tfo);
	if (!c->off.cond || !c->tfo.cond)
		return 0;
	int rc = cell_pair(c);
	if (rc < 0 || c->npairs < 2)
		return rc;
	rc = stats_paired_t(c->pair_off, c->pair_tfo, c->npairs, o->level, &c->test);
	if (rc == 0)
		rc = stats_boot_paired_improvement(c->pair_off, c->pair_tfo, c->npairs,
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
	c->ci_test_agree = (c->imp.lo > 0 || c->imp.hi < 0) == (c->test.p < 1 - o->level);
	if (c->test.p >= CELL_ALPHA)
		c->verdict = CELL_NOT_SIGNIFICANT;
	else if (c->imp.point < PAPER_IMPROVEMENT_MIN)
		c->verdict = CELL_BELOW;
	else if (c->imp.point > PAPER_IMPROVEMENT_MAX)
		c->verdict = CELL_ABOVE;
	else
		c->verdict = CELL_WITHIN;
	c->paper_check = paper_check(c);
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
		if (set->conds[i].tfo_mode == TFO_OFF && set->conds[i].pair_key == cond->pair_key)
			return &set->conds[i];
	return NULL;
}

static int has_partner(const struct cell_set *set, const struct store_condition *off)
{
	for (size_t i = 0; i < set->nconds; i++)
		if (set->conds[i].tfo_mode != TFO_OFF && set->conds[i].pair_key == off->pair_key)
			return 1;
	return 0;
}

/* The set's read-back cc: what every side that reports one reported. */
static void cc_summarize(struct cell_set *set)
{
	int agree = 1;
	for (size_t i = 0; i < set->n; i++) {
		const struct cell_side *sd[2] = { &set->cells[i].off, &set->cells[i].tfo };
		for (int k = 0; k < 2; k++) {
			const char *cc = sd[k]->cc_used;
			if (!cc)
				continue;
			if (!set->cc_read)
				set->cc_read = cc;
			agree &= !strcmp(cc, set->cc_read) && strcmp(cc, "mixed");
			set->cc_known = 1;
		}
	}
	if (!agree)
		set->cc_read = NULL;
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
		if (c->tfo_mode != TFO_OFF) {
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
		set->pairs += cell->npairs;
		set->unpaired += cell->unpaired;
	}
	rc = store_run_trial_counts(st, run_id, &set->valid_trials, &set->invalid_trials,
				    &set->stalled_trials);
	if (rc < 0)
		return rc;
	qsort(set->cells, set->n, sizeof(*set->cells), cmp_cell);
	for (size_t i = 0; i < set->nconds; i++) {
		set->has_cookie |= set->conds[i].tfo_mode == TFO_COOKIE;
		if (set->conds[i].tls != TLS_OFF)
			set->columns |= CELL_VARY_TLS;
		if (set->conds[i].fetcher != FETCHER_BUILTIN)
			set->columns |= CELL_VARY_FETCHER;
	}
	for (size_t i = 1; i < set->n; i++)
		set->varying |= cell_cond_diff(cell_cond(&set->cells[0]), cell_cond(&set->cells[i]));
	set->columns |= set->varying & CELL_COLUMNS;
	cc_summarize(set);
	return 0;
}

void cells_release(struct cell_set *set)
{
	for (size_t i = 0; i < set->n; i++) {
		side_free(&set->cells[i].off);
		side_free(&set->cells[i].tfo);
		free(set->cells[i].pair_off);
		free(set->cells[i].pair_tfo);
	}
	free(set->cells);
	store_conditions_free(set->conds, set->nconds);
	memset(set, 0, sizeof(*set));
}
