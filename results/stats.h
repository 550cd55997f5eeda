/*
 * Statistics for comparing page load times: summaries, Welch's t-test with
 * the Student t distribution (via the regularized incomplete beta function)
 * and a seeded percentile bootstrap for the relative improvement.
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

/* Welch's unequal-variance t-test of mean(a) - mean(b). */
struct stats_welch {
	double diff;     /* mean(a) - mean(b) */
	double se;
	double t;
	double dof;      /* Welch-Satterthwaite */
	double p;        /* two-sided */
	double ci_lo;    /* confidence interval of diff at the requested level */
	double ci_hi;
};

/*
 * Fills *out; -EINVAL when na < 2, nb < 2 or level is not in (0, 1).  When
 * both samples have zero variance the test degenerates: t is 0 (p = 1) if
 * the means are equal and +-inf (p = 0) otherwise, and the CI is the point.
 */
int stats_welch(const double *a, size_t na, const double *b, size_t nb, double level,
		struct stats_welch *out);

struct stats_interval {
	double point;
	double lo;
	double hi;
};

/*
 * The relative improvement 1 - mean(tfo) / mean(off) with a percentile
 * bootstrap confidence interval at `level` from `resamples` resamples of
 * each group (with replacement), drawn from a generator seeded by `seed`.
 * -EINVAL when a group is empty, resamples == 0 or level is not in (0, 1);
 * -EDOM when a value of off is not > 0; -ENOMEM.
 */
int stats_boot_improvement(const double *off, size_t noff, const double *tfo, size_t ntfo,
			   unsigned resamples, uint64_t seed, double level,
			   struct stats_interval *out);

#endif
