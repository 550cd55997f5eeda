#include "results/stats.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

double stats_mean(const double *x, size_t n)
{
	if (n == 0)
		return NAN;
	double s = 0;
	for (size_t i = 0; i < n; i++)
		s += x[i];
	return s / (double)n;
}

double stats_sd(const double *x, size_t n)
{
	if (n < 2)
		return NAN;
	double m = stats_mean(x, n), ss = 0;
	/* Two passes: the one-pass formula loses digits when sd << mean. */
	for (size_t i = 0; i < n; i++)
		ss += (x[i] - m) * (x[i] - m);
	return sqrt(ss / (double)(n - 1));
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

void stats_sort(double *x, size_t n)
{
	qsort(x, n, sizeof(*x), cmp_double);
}

double stats_percentile_sorted(const double *s, size_t n, double p)
{
	if (n == 0 || !(p >= 0 && p <= 1))
		return NAN;
	double h = (double)(n - 1) * p;
	size_t lo = (size_t)floor(h);
	if (lo + 1 >= n)
		return s[n - 1];
	return s[lo] + (h - (double)lo) * (s[lo + 1] - s[lo]);
}

int stats_summarize(const double *x, size_t n, struct stats_summary *out)
{
	if (n == 0)
		return -EINVAL;
	double *s = malloc(n * sizeof(*s));
	if (!s)
		return -ENOMEM;
	memcpy(s, x, n * sizeof(*s));
	stats_sort(s, n);
	out->n = n;
	out->mean = stats_mean(x, n);
	out->sd = stats_sd(x, n);
	out->median = stats_percentile_sorted(s, n, 0.5);
	out->p25 = stats_percentile_sorted(s, n, 0.25);
	out->p75 = stats_percentile_sorted(s, n, 0.75);
	out->min = s[0];
	out->max = s[n - 1];
	free(s);
	return 0;
}

int stats_median(const double *x, size_t n, double *out)
{
	struct stats_summary sum;
	int rc = stats_summarize(x, n, &sum);
	if (rc == 0)
		*out = sum.median;
	return rc;
}

/*
 * The continued fraction of the incomplete beta function, evaluated by the
 * modified Lentz method (Numerical Recipes, 2nd ed., section 6.4).  It
 * converges quickly for x < (a + 1) / (a + b + 2); stats_betai uses the
 * symmetry I_x(a, b) = 1 - I_{1-x}(b, a) to stay in that region.
 */
static double betacf(double a, double b, double x)
{
	const double eps = 1e-15, tiny = 1e-300;
	double qab = a + b, qap = a + 1, qam = a - 1;
	double c = 1, d = 1 - qab * x / qap;
	if (fabs(d) < tiny)
		d = tiny;
	d = 1 / d;
	double h = d;
	for (int m = 1; m <= 1000; m++) {
		double m2 = 2.0 * m;
		double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
		d = 1 + aa * d;
		if (fabs(d) < tiny)
			d = tiny;
		c = 1 + aa / c;
		if (fabs(c) < tiny)
			c = tiny;
		d = 1 / d;
		h *= d * c;
		aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
		d = 1 + aa * d;
		if (fabs(d) < tiny)
			d = tiny;
		c = 1 + aa / c;
		if (fabs(c) < tiny)
			c = tiny;
		d = 1 / d;
		double del = d * c;
		h *= del;
		if (fabs(del - 1) < eps)
			break;
	}
	return h;
}

double stats_betai(double a, double b, double x)
{
	if (!(a > 0 && b > 0 && x >= 0 && x <= 1))
		return NAN;
	if (x == 0 || x == 1)
		return x;
	/* x^a (1-x)^b / B(a, b), in logs to survive large a and b. */
	double lbt = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x);
	double bt = exp(lbt);
	if (x < (a + 1) / (a + b + 2))
		return bt * betacf(a, b, x) / a;
	return 1 - bt * betacf(b, a, 1 - x) / b;
}

double stats_t_cdf(double t, double dof)
{
	if (!(dof > 0) || isnan(t))
		return NAN;
	if (isinf(t))
		return t > 0 ? 1 : 0;
	/* P(|T| > |t|) = I_{dof / (dof + t^2)}(dof / 2, 1 / 2). */
	double tail = 0.5 * stats_betai(dof / 2, 0.5, dof / (dof + t * t));
	return t > 0 ? 1 - tail : tail;
}

double stats_t_quantile(double p, double dof)
{
	if (!(p > 0 && p < 1) || !(dof > 0))
		return NAN;
	if (p < 0.5)
		return -stats_t_quantile(1 - p, dof);
	if (p == 0.5)
		return 0;
	/* The CDF is monotonic: bracket, then bisect to full precision. */
	double lo = 0, hi = 1;
	while (stats_t_cdf(hi, dof) < p) {
		lo = hi;
		hi *= 2;
		if (hi > 1e300)
			return INFINITY;
	}
	for (int i = 0; i < 200 && hi - lo > 1e-13 * hi; i++) {
		double mid = 0.5 * (lo + hi);
		if (stats_t_cdf(mid, dof) < p)
			lo = mid;
		else
			hi = mid;
	}
	return 0.5 * (lo + hi);
}

int stats_paired_t(const double *a, const double *b, size_t n, double level,
		   struct stats_paired *out)
{
	if (n < 2 || !(level > 0 && level < 1))
		return -EINVAL;
	double *d = malloc(n * sizeof(*d));
	double big = 0;
	if (!d)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		d[i] = a[i] - b[i];
		big = fmax(big, fmax(fabs(a[i]), fabs(b[i])));
	}
	struct stats_paired r = { .n = n, .dof = (double)(n - 1), .diff = stats_mean(d, n) };
	r.se = stats_sd(d, n) / sqrt((double)n);
	free(d);
	/* A spread within the rounding of the subtractions is no spread: else
	 * equal differences such as 2.1 - 1.5 and 2.0 - 1.4 would give a t of
	 * 1e16 and a p that only measures rounding. */
	if (r.se <= 8 * DBL_EPSILON * big)
		r.se = 0;
	if (r.se == 0) {
		r.t = r.diff == 0 ? 0 : copysign(INFINITY, r.diff);
		r.p = r.diff == 0 ? 1 : 0;
		r.ci_lo = r.ci_hi = r.diff;
	} else {
		r.t = r.diff / r.se;
		/* P(|T| >= |t|) = I_{dof / (dof + t^2)}(dof / 2, 1 / 2). */
		r.p = stats_betai(r.dof / 2, 0.5, r.dof / (r.dof + r.t * r.t));
		double q = stats_t_quantile(0.5 + level / 2, r.dof);
		r.ci_lo = r.diff - q * r.se;
		r.ci_hi = r.diff + q * r.se;
	}
	*out = r;
	return 0;
}

/* splitmix64: tiny, well mixed, and the same sequence on every platform. */
static uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, n); the multiply-shift bias is < n / 2^64, negligible. */
static size_t rng_below(uint64_t *s, size_t n)
{
	return (size_t)(((unsigned __int128)rng_next(s) * n) >> 64);
}

int stats_boot_paired_improvement(const double *off, const double *tfo, size_t n,
				  unsigned resamples, uint64_t seed, double level,
				  struct stats_interval *out)
{
	if (n == 0 || resamples == 0 || !(level > 0 && level < 1))
		return -EINVAL;
	/* Every resampled mean of `off` must be positive to divide by it. */
	for (size_t i = 0; i < n; i++)
		if (!(off[i] > 0))
			return -EDOM;
	double *imp = malloc(resamples * sizeof(*imp));
	if (!imp)
		return -ENOMEM;
	uint64_t s = seed;
	for (unsigned r = 0; r < resamples; r++) {
		/* One draw picks a pair: its two values stay together. */
		double so = 0, st = 0;
		for (size_t i = 0; i < n; i++) {
			size_t k = rng_below(&s, n);
			so += off[k];
			st += tfo[k];
		}
		imp[r] = 1 - st / so;   /* the ratio of sums is the ratio of means */
	}
	stats_sort(imp, resamples);
	out->point = 1 - stats_mean(tfo, n) / stats_mean(off, n);
	out->lo = stats_percentile_sorted(imp, resamples, (1 - level) / 2);
	out->hi = stats_percentile_sorted(imp, resamples, (1 + level) / 2);
	free(imp);
	return 0;
}
