#include "plots/plot.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/log.h"
#include "plots/plot_data.h"
#include "plots/plot_gp.h"
#include "plots/plot_waterfall.h"

#define PATH_LEN 4096

struct ctx {
	struct store *st;
	const struct plot_opts *o;
	FILE *list;
	char run_title[256];
};

/* mkdir -p; 0 or a negative errno (logged). */
static int mkdirs(const char *dir)
{
	char path[PATH_LEN];
	if ((size_t)snprintf(path, sizeof(path), "%s", dir) >= sizeof(path)) {
		log_err("%s: path too long", dir);
		return -ENAMETOOLONG;
	}
	for (char *p = path + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;
		*p = '\0';
		if (mkdir(path, 0777) < 0 && errno != EEXIST) {
			int rc = -errno;
			log_err("mkdir %s: %s", path, strerror(-rc));
			return rc;
		}
		*p = c;
		if (!c)
			break;
	}
	struct stat sb;
	if (stat(dir, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
		log_err("%s: not a directory", dir);
		return -ENOTDIR;
	}
	return 0;
}

static FILE *dat_open(struct ctx *x, const char *name, char *path)
{
	snprintf(path, PATH_LEN, "%s/%s.dat", x->o->out_dir, name);
	FILE *f = fopen(path, "w");
	if (!f)
		log_err("%s: %s", path, strerror(errno));
	return f;
}

/* Closes a data file that `rc` says was written (or not) and lists it. */
static int dat_close(struct ctx *x, FILE *f, const char *path, int rc)
{
	if (fclose(f) != 0 && rc == 0)
		rc = -EIO;
	if (rc < 0) {
		log_err("%s: write failed", path);
		return rc;
	}
	fprintf(x->list, "%s\n", path);
	return 0;
}

typedef int (*dat_writer)(const struct plot_data *pd, FILE *f);

static int dat_write(struct ctx *x, const struct plot_data *pd, const char *name, dat_writer fn)
{
	char path[PATH_LEN];
	FILE *f = dat_open(x, name, path);
	if (!f)
		return -EIO;
	return dat_close(x, f, path, fn(pd, f));
}

static void pre_str(FILE *f, const char *var, const char *val)
{
	fprintf(f, "%s = ", var);
	plot_gp_put_str(f, val);
	fputc('\n', f);
}

static void pre_num(FILE *f, const char *var, double v)
{
	fprintf(f, "%s = %.10g\n", var, v);
}

/* Writes the script NAME.gp from pre and renders it in every format. */
static int render(struct ctx *x, const char *name, char *pre, size_t width, size_t height)
{
	char path[PATH_LEN], *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return -ENOMEM;
	pre_str(f, "out", name);
	pre_num(f, "width", (double)width);
	pre_num(f, "height", (double)height);
	pre_str(f, "run_title", x->run_title);
	fputs(pre, f);
	if (fclose(f) != 0) {
		free(buf);
		return -ENOMEM;
	}
	int rc = plot_gp_write(x->o->out_dir, name, buf);
	free(buf);
	if (rc < 0)
		return rc;
	snprintf(path, sizeof(path), "%s/%s.gp", x->o->out_dir, name);
	fprintf(x->list, "%s\n", path);
	if (!x->o->gnuplot)
		return 0;
	const char *fmts[] = { x->o->png ? "png" : NULL, x->o->svg ? "svg" : NULL };
	for (size_t i = 0; i < 2; i++) {
		if (!fmts[i])
			continue;
		rc = plot_gp_run(x->o->gnuplot, x->o->out_dir, name, fmts[i]);
		if (rc < 0)
			return rc;
		snprintf(path, sizeof(path), "%s/%s.%s", x->o->out_dir, name, fmts[i]);
		fprintf(x->list, "%s\n", path);
	}
	return 0;
}

/* A preamble being built; pre_end renders it. */
struct pre {
	FILE *f;
	char *buf;
	size_t len;
};

static int pre_begin(struct pre *p)
{
	p->buf = NULL;
	p->f = open_memstream(&p->buf, &p->len);
	return p->f ? 0 : -ENOMEM;
}

static int pre_end(struct ctx *x, struct pre *p, const char *name, size_t w, size_t h)
{
	int rc = fclose(p->f) == 0 ? render(x, name, p->buf, w, h) : -ENOMEM;
	free(p->buf);
	return rc;
}

static size_t clampz(size_t v, size_t lo, size_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static int plot_plt(struct ctx *x, const struct plot_data *pd)
{
	struct pre p;
	int rc = dat_write(x, pd, "plt", plot_write_plt);
	if (rc == 0)
		rc = pre_begin(&p);
	if (rc < 0)
		return rc;
	/* Each cell is as wide as its longest label line (about 8 px a character). */
	size_t chars = 10;
	for (size_t i = 0; i < pd->set.n; i++) {
		char setting[PLOT_TITLE_MAX];
		const struct cell *c = &pd->set.cells[i];
		cell_row_setting(&pd->set, c, CELL_VARY_ALL, setting, sizeof(setting));
		size_t l = strlen(setting) > strlen(cell_cond(c)->page) ? strlen(setting)
									: strlen(cell_cond(c)->page);
		if (l > chars)
			chars = l;
	}
	pre_str(p.f, "data", "plt.dat");
	pre_num(p.f, "ncells", (double)pd->set.n);
	return pre_end(x, &p, "plt", clampz(140 + (chars * 8 + 16) * pd->set.n, 800, 6000), 600);
}

/* The y range of improvement plots: every CI, 0 and the paper's band. */
static void imp_range(struct plot_series *s, size_t n, FILE *f)
{
	double lo = 0, hi = PAPER_IMPROVEMENT_MAX * 100;
	for (size_t k = 0; k < n; k++)
		for (size_t i = 0; i < s[k].n; i++) {
			const struct cell *c = s[k].cells[i];
			if (isfinite(c->imp.lo) && c->imp.lo * 100 < lo)
				lo = c->imp.lo * 100;
			if (isfinite(c->imp.hi) && c->imp.hi * 100 > hi)
				hi = c->imp.hi * 100;
		}
	double pad = (hi - lo) * 0.08;
	pre_num(f, "ymin", floor(lo - pad));
	pre_num(f, "ymax", ceil(hi + pad));
	pre_num(f, "paper_lo", PAPER_IMPROVEMENT_MIN * 100);
	pre_num(f, "paper_hi", PAPER_IMPROVEMENT_MAX * 100);
	fprintf(f, "nseries = %zu\narray series_title[%zu]\n", n, n ? n : 1);
	for (size_t k = 0; k < n; k++) {
		fprintf(f, "series_title[%zu] = ", k + 1);
		plot_gp_put_str(f, s[k].title);
		fputc('\n', f);
	}
}

/* The distinct RTTs of the tested cells, as gnuplot's nrtt and rtt_list[]. */
static void rtt_list(const struct plot_data *pd, FILE *f)
{
	double *v = calloc(pd->set.n ? pd->set.n : 1, sizeof(*v));
	size_t n = 0;
	for (size_t i = 0; v && i < pd->set.n; i++) {
		double r = (double)cell_cond(&pd->set.cells[i])->rtt_ns / 1e6;
		size_t k = 0;
		while (k < n && v[k] != r)
			k++;
		if (pd->set.cells[i].tested && k == n)
			v[n++] = r;
	}
	fprintf(f, "nrtt = %zu\narray rtt_list[%zu]\n", n, n ? n : 1);
	for (size_t k = 0; k < n; k++)
		fprintf(f, "rtt_list[%zu] = %.10g\n", k + 1, v[k]);
	free(v);
}

static int plot_improvement(struct ctx *x, const struct plot_data *pd)
{
	struct pre p;
	if (pd->nimp == 0) {
		log_warn("plot: improvement skipped: no cell of run %lld has 2 valid trials both "
			 "with and without TFO", (long long)pd->run_id);
		return 0;
	}
	int rc = dat_write(x, pd, "improvement", plot_write_improvement);
	if (rc == 0)
		rc = pre_begin(&p);
	if (rc < 0)
		return rc;
	double rtt_max = 0;
	for (size_t i = 0; i < pd->set.n; i++)
		if ((double)cell_cond(&pd->set.cells[i])->rtt_ns / 1e6 > rtt_max)
			rtt_max = (double)cell_cond(&pd->set.cells[i])->rtt_ns / 1e6;
	pre_str(p.f, "data", "improvement.dat");
	pre_num(p.f, "rtt_max", rtt_max);
	rtt_list(pd, p.f);
	imp_range(pd->imp, pd->nimp, p.f);
	pre_num(p.f, "ci_pct", pd->opts.level * 100);
	return pre_end(x, &p, "improvement", 960, 600);
}

static int plot_persistence(struct ctx *x, const struct plot_data *pd)
{
	struct pre p;
	if (pd->nper_conn < 2 || pd->npers == 0) {
		log_warn("plot: persistence skipped: run %lld %s", (long long)pd->run_id,
			 pd->nper_conn < 2 ? "has one requests-per-connection value (sweep per_conn, "
					     "e.g. experiments/persistence.conf)"
					   : "has no tested cell");
		return 0;
	}
	int rc = dat_write(x, pd, "persistence", plot_write_persistence);
	if (rc == 0)
		rc = pre_begin(&p);
	if (rc < 0)
		return rc;
	pre_str(p.f, "data", "persistence.dat");
	imp_range(pd->pers, pd->npers, p.f);
	pre_num(p.f, "ci_pct", pd->opts.level * 100);
	fprintf(p.f, "ncols = %zu\narray col_label[%zu]\n", pd->nper_conn, pd->nper_conn);
	for (size_t i = 0; i < pd->nper_conn; i++) {
		char label[32];
		if (pd->per_conn[i])
			snprintf(label, sizeof(label), "%d", pd->per_conn[i]);
		else
			snprintf(label, sizeof(label), "unlimited");
		fprintf(p.f, "col_label[%zu] = '%s'\n", i + 1, label);
	}
	return pre_end(x, &p, "persistence", 960, 600);
}

static int plot_cdf(struct ctx *x, const struct plot_data *pd)
{
	struct pre p;
	int rc = dat_write(x, pd, "cdf", plot_write_cdf);
	if (rc == 0)
		rc = pre_begin(&p);
	if (rc < 0)
		return rc;
	size_t n = pd->ncdf, np = pd->npages;
	pre_str(p.f, "data", "cdf.dat");
	/* A panel per page; its blocks in cdf.dat are page_first..page_last. */
	fprintf(p.f, "npages = %zu\narray page_title[%zu]\narray page_first[%zu]\n"
		"array page_last[%zu]\n", np, np, np, np);
	for (size_t k = 0; k < np; k++) {
		size_t first = 0, last = 0;
		for (size_t i = 0; i < n; i++)
			if (pd->conds[pd->cdf[i]].page == (int)k) {
				if (!first)
					first = i + 1;
				last = i + 1;
			}
		fprintf(p.f, "page_title[%zu] = ", k + 1);
		plot_gp_put_str(p.f, pd->pages[k]);
		fprintf(p.f, "\npage_first[%zu] = %zu\npage_last[%zu] = %zu\n", k + 1, first, k + 1,
			last);
	}
	fprintf(p.f, "ncond = %zu\narray cond_title[%zu]\narray cond_color[%zu]\n"
		"array cond_dash[%zu]\n", n, n, n, n);
	for (size_t i = 0; i < n; i++) {
		const struct plot_cond *pc = &pd->conds[pd->cdf[i]];
		fprintf(p.f, "cond_title[%zu] = ", i + 1);
		plot_gp_put_str(p.f, pc->short_title);
		fprintf(p.f, "\ncond_color[%zu] = %d\ncond_dash[%zu] = %d\n", i + 1, pc->group + 1,
			i + 1, pc->c->tfo_mode != TFO_OFF ? 2 : 1);
	}
	size_t cols = np > 1 ? 2 : 1, rows = (np + cols - 1) / cols;
	return pre_end(x, &p, "cdf", 680 * cols, 80 + 440 * rows);
}

static int wf_side(struct ctx *x, const struct plot_data *pd, const struct plot_wf_side *s,
		   const char *name)
{
	char path[PATH_LEN];
	FILE *f = dat_open(x, name, path);
	if (!f)
		return -EIO;
	return dat_close(x, f, path, plot_write_waterfall(pd, s, f));
}

static int plot_waterfall(struct ctx *x, const struct plot_data *pd)
{
	struct plot_waterfall wf;
	struct pre p;
	const char *page = x->o->waterfall_page;
	int tls = x->o->waterfall_tls;
	int rc = plot_waterfall_load(pd, x->st, page, tls, x->o->waterfall_fetcher, &wf);
	if (rc == -ENODATA && (page || tls >= 0)) {
		log_err("plot: waterfall: run %lld has no cell%s%s%s%s%s with a valid trial and "
			"its requests both with and without TFO", (long long)pd->run_id,
			page ? " of page \"" : "", page ? page : "", page ? "\"" : "",
			tls >= 0 ? " over " : "", tls >= 0 ? tls_mode_title((enum tls_mode)tls) : "");
		plot_waterfall_release(&wf);
		return rc;
	}
	if (rc == -ENODATA) {
		log_warn("plot: waterfall skipped: run %lld has no cell with a valid trial and its "
			 "requests both with and without TFO", (long long)pd->run_id);
		plot_waterfall_release(&wf);
		return 0;
	}
	if (rc == 0)
		rc = wf_side(x, pd, &wf.off, "waterfall_off");
	if (rc == 0)
		rc = wf_side(x, pd, &wf.tfo, "waterfall_tfo");
	if (rc == 0)
		rc = pre_begin(&p);
	if (rc < 0) {
		plot_waterfall_release(&wf);
		return rc;
	}
	size_t rows = wf.off.n > wf.tfo.n ? wf.off.n : wf.tfo.n;
	fputs("array data[2]\narray panel_title[2]\narray nrows[2]\narray plt_ms[2]\n", p.f);
	const struct plot_wf_side *sides[2] = { &wf.off, &wf.tfo };
	for (int i = 0; i < 2; i++) {
		fprintf(p.f, "data[%d] = '%s'\npanel_title[%d] = ", i + 1,
			i ? "waterfall_tfo.dat" : "waterfall_off.dat", i + 1);
		plot_gp_put_str(p.f, sides[i]->title);
		fprintf(p.f, "\nnrows[%d] = %zu\nplt_ms[%d] = %.6f\n", i + 1, sides[i]->n, i + 1,
			(double)sides[i]->trial.plt_ns / 1e6);
	}
	pre_num(p.f, "span_ms", wf.span_ms);
	int has_tls = 0;  /* the key names the TLS phase only where there is one */
	for (int i = 0; i < 2; i++)
		for (size_t k = 0; k < sides[i]->n; k++)
			has_tls |= sides[i]->req[k].new_conn && sides[i]->req[k].tls_done_ns >= 0;
	pre_num(p.f, "has_tls", has_tls);
	plot_waterfall_release(&wf);
	return pre_end(x, &p, "waterfall", 1400, 2 * clampz(60 + 6 * rows, 300, 900) + 60);
}

/*
 * The figures, in the order they are drawn (plots/plot.h describes them).
 * Each writes its data file, script and images, or skips itself with a
 * warning when the run has no data for it; a new figure is a function and
 * a row here.
 */
static const struct figure {
	const char *name;
	int (*draw)(struct ctx *x, const struct plot_data *pd);
} figures[] = {
	{ "plt", plot_plt },
	{ "improvement", plot_improvement },
	{ "waterfall", plot_waterfall },
	{ "persistence", plot_persistence },
	{ "cdf", plot_cdf },
};

static void run_title_format(struct store *st, int64_t run_id, char *buf, size_t len)
{
	struct store_run run;
	if (store_run_get(st, run_id, &run) < 0) {
		snprintf(buf, len, "run %lld", (long long)run_id);
		return;
	}
	snprintf(buf, len, "run %lld%s%s%s%s", (long long)run_id,
		 run.experiment_name ? ", " : "", run.experiment_name ? run.experiment_name : "",
		 run.link_backend ? ", link " : "", run.link_backend ? run.link_backend : "");
	store_run_release(&run);
}

int plot_run(struct store *st, int64_t run_id, const struct plot_opts *o, FILE *list)
{
	struct store_run run;
	int rc = store_run_get(st, run_id, &run);
	if (rc == -ENOENT) {
		log_err("plot: %s has no run %lld", o->db_path, (long long)run_id);
		return rc;
	}
	if (rc < 0)
		return rc;
	store_run_release(&run);

	struct ctx x = { .st = st, .o = o, .list = list };
	run_title_format(st, run_id, x.run_title, sizeof(x.run_title));
	struct plot_data pd;
	rc = plot_data_load(st, run_id, &o->cells, &pd);
	if (rc == 0 && pd.set.valid_trials == 0) {
		log_err("plot: run %lld of %s has no valid trials (%zu invalid) to plot",
			(long long)run_id, o->db_path, pd.set.invalid_trials);
		rc = -ENODATA;
	}
	if (rc == 0)
		rc = mkdirs(o->out_dir);
	for (size_t i = 0; rc == 0 && i < sizeof(figures) / sizeof(figures[0]); i++) {
		log_debug("plot: figure %s", figures[i].name);
		rc = figures[i].draw(&x, &pd);
	}
	plot_data_release(&pd);
	return rc;
}
