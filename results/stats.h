/*
 * Statistics for comparing page load times: summaries, the Student t
 * distribution (via the regularized incomplete beta function), and for
 * paired samples (trial i of one side run back to back with trial i of the
 * other) a paired t-test of the differences and a seeded percentile
 * bootstrap over pairs for the relative improvement.
 *
 * Everything here is pure: no I/O, no clock, no global random state; the
 * bootstrap takes its seed as an argument, so a table renders identically
 * every time.
 */
#ifndef TFOLAB_RESULTS_STATS_H
#define TFOLAB_RESULTS_STATS_H

#include <stddef.h>
#include <stdint.h>

struct stats_summary {
	size_t n;
	double mean;
	double sd;       /* sample sd (n - 1); NaN when n < 2 */
	double median;
	double p25, p75;
	double min, max;
};

/* Mean; NaN when n == 0. */
double stats_mean(const double *x, size_t n);

/* Sample standard deviation (denominator n - 1); NaN when n < 2. */
double stats_sd(const double *x, size_t n);

/* Sorts x ascending in place. */
void stats_sort(double *x, size_t n);

/*
 * The p-quantile (0 <= p <= 1) of ascending data by linear interpolation
 * between order statistics (Hyndman-Fan type 7, the default of R and
 * numpy); NaN when n == 0 or p is out of range.
 */
double stats_percentile_sorted(const double *sorted, size_t n, double p);

/* Median of unsorted data (copied, not modified); 0, -EINVAL if n == 0, -ENOMEM. */
int stats_median(const double *x, size_t n, double *out);

/* All of struct stats_summary; 0, -EINVAL if n == 0, -ENOMEM. */
int stats_summarize(const double *x, size_t n, struct stats_summary *out);

/* The regularized incomplete beta function I_x(a, b), a, b > 0, 0 <= x <= 1;
 * NaN outside that domain. */
double stats_betai(double a, double b, double x);

/* P(T <= t) for Student's t with dof > 0 degrees of freedom (real-valued). */
double stats_t_cdf(double t, double dof);

/* The t with P(T <= t) = p, 0 < p < 1; NaN otherwise. */
double stats_t_quantile(double p, double dof);

/* The paired t-test of the mean difference of n pairs (a[i], b[i]). */
struct stats_paired {
	size_t n;        /* pairs */
	double diff;     /* mean of d[i] = a[i] - b[i] */
	double se;       /* sd(d) / sqrt(n) */
	double t;        /* diff / se */
	double dof;      /* n - 1 */
	double p;        /* two-sided, from Student's t with dof */
	double ci_lo;    /* confidence interval of diff at the requested level */
	double ci_hi;
};

/*
 * Fills *out; -EINVAL (out untouched) when n < 2 or level is not in (0, 1);
 * -ENOMEM.  When every difference is the same (to within the rounding of
 * a[i] - b[i]) the test degenerates: t is 0 (p = 1) if they are 0 and +-inf
 * (p = 0) otherwise, and the CI is the point.
 */
int stats_paired_t(const double *a, const double *b, size_t n, double level,
		   struct stats_paired *out);

struct stats_interval {
	double point;
	double lo;
	double hi;
};

/*
 * The relative improvement 1 - mean(tfo) / mean(off) of n pairs (off[i],
 * tfo[i]) with a percentile bootstrap confidence interval at `level`: each
 * of `resamples` resamples draws n pairs with replacement (a pair keeps its
 * two values together) from a generator seeded by `seed`, and takes the
 * same statistic over them.  -EINVAL (out untouched) when n == 0,
 * resamples == 0 or level is not in (0, 1); -EDOM when a value of off is
 * not > 0; -ENOMEM.
 */
int stats_boot_paired_improvement(const double *off, const double *tfo, size_t n,
				  unsigned resamples, uint64_t seed, double level,
				  struct stats_interval *out);

#endif
