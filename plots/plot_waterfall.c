#include "plots/plot_waterfall.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static int cmp_trial(const void *a, const void *b)
{
	const struct store_trial_ref *x = a, *y = b;
	if (x->plt_ns != y->plt_ns)
		return (x->plt_ns > y->plt_ns) - (x->plt_ns < y->plt_ns);
	return (x->seq > y->seq) - (x->seq < y->seq);
}

static void side_release(struct plot_wf_side *s)
{
	store_requests_free(s->req, s->n);
	memset(s, 0, sizeof(*s));
}

/* Loads the median trial of cond with its requests; -ENODATA if it has no
 * valid trial or its trial no requests. */
static int side_load(const struct plot_data *pd, struct store *db,
		     const struct store_condition *cond, struct plot_wf_side *s)
{
	struct store_trial_ref *t = NULL;
	size_t nt = 0;
	memset(s, 0, sizeof(*s));
	s->cond = cond;
	int rc = store_condition_trials(db, cond->id, &t, &nt);
	if (rc < 0)
		return rc;
	if (nt == 0) {
		free(t);
		return -ENODATA;
	}
	qsort(t, nt, sizeof(*t), cmp_trial);
	s->trial = t[(nt - 1) / 2];
	s->ntrials = nt;
	free(t);
	rc = store_trial_requests(db, s->trial.id, &s->req, &s->n);
	if (rc < 0)
		return rc;
	if (s->n == 0)
		return -ENODATA;
	for (size_t i = 0; i < s->n; i++) {
		s->new_conns += s->req[i].new_conn != 0;
		s->syn_data += s->req[i].new_conn && s->req[i].syn_data;
	}

	char name[PLOT_TITLE_MAX];
	cell_setting_format(cond, pd->set.varying, name, sizeof(name));
	int w = snprintf(s->title, sizeof(s->title), "%s, %g ms%s%s, %s: trial %d, PLT %.0f ms "
			 "(median of %zu), %zu new connections",
			 cond->page, (double)cond->rtt_ns / 1e6, *name ? ", " : "", name,
			 tfo_mode_title(cond->tfo_mode),
			 s->trial.seq, (double)s->trial.plt_ns / 1e6, nt, s->new_conns);
	if (w >= (int)sizeof(s->title))  /* a long page path: cut, and show it */
		memcpy(s->title + sizeof(s->title) - 4, "...", 4);
	return 0;
}

static double side_span_ms(const struct plot_wf_side *s)
{
	int64_t span = s->trial.plt_ns;
	for (size_t i = 0; i < s->n; i++) {
		const struct store_request *r = &s->req[i];
		int64_t t[] = { r->queued_ns, r->connect_start_ns, r->connected_ns, r->tls_done_ns,
				r->req_sent_ns, r->first_byte_ns, r->last_byte_ns };
		for (size_t k = 0; k < sizeof(t) / sizeof(t[0]); k++)
			if (t[k] > span)
				span = t[k];
	}
	return (double)span / 1e6;
}

/* Both sides have valid trials, and it is of page (if not NULL), TLS
 * mode tls and fetcher (each if >= 0). */
static int candidate(const struct cell *c, const char *page, int tls, int fetcher)
{
	return c->off.n && c->tfo.n && (!page || !strcmp(cell_cond(c)->page, page)) &&
	       (tls < 0 || (int)cell_cond(c)->tls == tls) &&
	       (fetcher < 0 || (int)cell_cond(c)->fetcher == fetcher);
}

int plot_waterfall_load(const struct plot_data *pd, struct store *db, const char *page,
			int tls, int fetcher, struct plot_waterfall *wf)
{
	memset(wf, 0, sizeof(*wf));
	int64_t max_rtt = -1;
	for (size_t i = 0; i < pd->set.n; i++) {
		const struct cell *c = &pd->set.cells[i];
		if (candidate(c, page, tls, fetcher) && cell_cond(c)->rtt_ns > max_rtt)
			max_rtt = cell_cond(c)->rtt_ns;
	}
	for (size_t i = 0; i < pd->set.n; i++) {
		const struct cell *c = &pd->set.cells[i];
		if (!candidate(c, page, tls, fetcher) || cell_cond(c)->rtt_ns != max_rtt)
			continue;
		int rc = side_load(pd, db, c->off.cond, &wf->off);
		if (rc == 0)
			rc = side_load(pd, db, c->tfo.cond, &wf->tfo);
		if (rc == 0) {
			wf->cell = c;
			double a = side_span_ms(&wf->off), b = side_span_ms(&wf->tfo);
			wf->span_ms = a > b ? a : b;
			return 0;
		}
		side_release(&wf->off);
		side_release(&wf->tfo);
		if (rc != -ENODATA)
			return rc;
	}
	return -ENODATA;
}

void plot_waterfall_release(struct plot_waterfall *wf)
{
	side_release(&wf->off);
	side_release(&wf->tfo);
	memset(wf, 0, sizeof(*wf));
}

static void put_ms(FILE *f, int64_t ns)
{
	fputc('\t', f);
	plot_put_num(f, ns < 0 ? NAN : (double)ns / 1e6);
}

int plot_write_waterfall(const struct plot_data *pd, const struct plot_wf_side *s, FILE *f)
{
	fprintf(f, "# tfolab plot: waterfall of one page load, run %lld, condition %lld: %s\n",
		(long long)pd->run_id, (long long)s->cond->id, s->title);
	fprintf(f, "# %zu requests, %zu new connections, %zu of them with SYN data acked\n",
		s->n, s->new_conns, s->syn_data);
	fputs("# times in ms from the trial's start, NaN = never; connect_* and tls_done only for "
	      "the request that opened its connection (tls_done: its TLS handshake done, NaN "
	      "without TLS); wait = req_sent..first_byte, receive = first_byte..last_byte\n", f);
	fputs("# row\tres_idx\tconn_id\tnew_conn\tsyn_data\tqueued_ms\tconnect_start_ms"
	      "\tconnected_ms\treq_sent_ms\tfirst_byte_ms\tlast_byte_ms\ttls_done_ms\turl\n", f);
	for (size_t i = 0; i < s->n; i++) {
		const struct store_request *r = &s->req[i];
		fprintf(f, "%zu\t%d\t%d\t%d\t%d", i + 1, r->res_idx, r->conn_id, r->new_conn ? 1 : 0,
			r->new_conn && r->syn_data ? 1 : 0);
		put_ms(f, r->queued_ns);
		put_ms(f, r->new_conn ? r->connect_start_ns : -1);
		put_ms(f, r->new_conn ? r->connected_ns : -1);
		put_ms(f, r->req_sent_ns);
		put_ms(f, r->first_byte_ns);
		put_ms(f, r->last_byte_ns);
		put_ms(f, r->new_conn ? r->tls_done_ns : -1);
		fputc('\t', f);
		plot_put_text(f, r->host);
		if (r->path && *r->path)
			plot_put_text(f, r->path);
		fputc('\n', f);
	}
	return fflush(f) == 0 && !ferror(f) ? 0 : -EIO;
}
