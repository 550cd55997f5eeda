/*
 * Reference values: hand computations (noted inline), printed t tables, and
 * mpmath at 30 digits (betainc, and the t CDF built from it) for the rest.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "results/stats.h"

#define CLOSE(x, y, tol) assert_true(fabs((x) - (y)) <= (tol))

static void test_mean_sd(void **state)
{
	/* 2 4 4 4 5 5 7 9: mean 5, sum of squares 32, sample var 32/7. */
	const double x[] = { 2, 4, 4, 4, 5, 5, 7, 9 };
	CLOSE(stats_mean(x, 8), 5.0, 1e-12);
	CLOSE(stats_sd(x, 8), sqrt(32.0 / 7.0), 1e-12);
	assert_true(isnan(stats_mean(x, 0)));
	assert_true(isnan(stats_sd(x, 1)));
	/* Large offset, tiny spread: the two-pass sd keeps its digits. */
	const double y[] = { 1e9 + 1, 1e9 + 2, 1e9 + 3 };
	CLOSE(stats_sd(y, 3), 1.0, 1e-6);
}

static void test_percentiles(void **state)
{
	const double odd[] = { 5, 1, 3 };
	const double even[] = { 4, 1, 3, 2 };
	double m;
	assert_int_equal(stats_median(odd, 3, &m), 0);
	CLOSE(m, 3.0, 0);
	assert_int_equal(stats_median(even, 4, &m), 0);
	CLOSE(m, 2.5, 0);
	assert_int_equal(stats_median(odd, 0, &m), -EINVAL);

	/* Type 7 on 1..5: h = 4p, so p = 0.1 -> 1.4, p = 0.9 -> 4.6. */
	const double s[] = { 1, 2, 3, 4, 5 };
	CLOSE(stats_percentile_sorted(s, 5, 0.0), 1.0, 0);
	CLOSE(stats_percentile_sorted(s, 5, 0.1), 1.4, 1e-12);
	CLOSE(stats_percentile_sorted(s, 5, 0.25), 2.0, 1e-12);
	CLOSE(stats_percentile_sorted(s, 5, 0.9), 4.6, 1e-12);
	CLOSE(stats_percentile_sorted(s, 5, 1.0), 5.0, 0);
	assert_true(isnan(stats_percentile_sorted(s, 5, 1.5)));
	assert_true(isnan(stats_percentile_sorted(s, 0, 0.5)));

	struct stats_summary sum;
	const double x[] = { 9, 2, 4, 4, 5, 4, 7, 5 };
	assert_int_equal(stats_summarize(x, 8, &sum), 0);
	assert_int_equal(sum.n, 8);
	CLOSE(sum.mean, 5.0, 1e-12);
	CLOSE(sum.median, 4.5, 1e-12);
	CLOSE(sum.min, 2.0, 0);
	CLOSE(sum.max, 9.0, 0);
	/* sorted 2 4 4 4 5 5 7 9: h = 7 * 0.25 = 1.75 -> 4; h = 5.25 -> 5.5. */
	CLOSE(sum.p25, 4.0, 1e-12);
	CLOSE(sum.p75, 5.5, 1e-12);
}

static void test_betai(void **state)
{
	/* I_x(2, 3) = sum_{j=2..4} C(4,j) x^j (1-x)^(4-j) = 0.5248 at x = 0.4. */
	CLOSE(stats_betai(2, 3, 0.4), 0.5248, 1e-13);
	/* I_x(1, 1) = x and I_x(a, 1) = x^a. */
	CLOSE(stats_betai(1, 1, 0.3), 0.3, 1e-14);
	CLOSE(stats_betai(3.5, 1, 0.7), pow(0.7, 3.5), 1e-13);
	/* Symmetry: I_0.5(a, a) = 1/2. */
	CLOSE(stats_betai(7.25, 7.25, 0.5), 0.5, 1e-13);
	/* mpmath references, both branches of the continued fraction. */
	CLOSE(stats_betai(0.5, 5, 0.9), 0.999997429410300770630, 1e-13);
	CLOSE(stats_betai(50, 60, 0.45), 0.464235291430603535850, 1e-12);
	CLOSE(stats_betai(50, 60, 0.2) / 1.03289733622301873133e-9, 1.0, 1e-9);
	CLOSE(stats_betai(2, 3, 0), 0.0, 0);
	CLOSE(stats_betai(2, 3, 1), 1.0, 0);
	assert_true(isnan(stats_betai(-1, 3, 0.5)));
	assert_true(isnan(stats_betai(2, 3, 1.5)));
}

static void test_t_distribution(void **state)
{
	/* The printed tables: t_{0.975,10} = 2.228, t_{0.975,1} = 12.706,
	 * t_{0.975,30} = 2.042, t_{0.995,5} = 4.032; more digits from mpmath. */
	CLOSE(stats_t_quantile(0.975, 10), 2.22813885198627422452, 1e-9);
	CLOSE(stats_t_quantile(0.975, 1), 12.7062047361746933141, 1e-8);
	CLOSE(stats_t_quantile(0.975, 30), 2.04227245630123788783, 1e-9);
	CLOSE(stats_t_quantile(0.995, 5), 4.03214298355522717928, 1e-9);
	CLOSE(stats_t_quantile(0.95, 2.5), 2.55821861413593545859, 1e-9);
	CLOSE(stats_t_quantile(0.975, 1000), 1.96233908082640810389, 1e-9);
	CLOSE(stats_t_quantile(0.025, 10), -2.22813885198627422452, 1e-9);
	CLOSE(stats_t_quantile(0.5, 7), 0.0, 0);
	assert_true(isnan(stats_t_quantile(1.0, 7)));
	assert_true(isnan(stats_t_quantile(0.5, 0)));

	CLOSE(stats_t_cdf(2.228, 10), 0.974994114091444308734, 1e-12);
	CLOSE(stats_t_cdf(-1.5, 3), 0.115291932622411526141, 1e-12);
	CLOSE(stats_t_cdf(0, 4), 0.5, 1e-15);
	/* dof = 1 is the Cauchy distribution: F(t) = 1/2 + atan(t)/pi. */
	CLOSE(stats_t_cdf(3.0, 1), 0.5 + atan(3.0) / M_PI, 1e-13);
	/* dof = 2 has F(t) = 1/2 + t / (2 sqrt(2 + t^2)). */
	CLOSE(stats_t_cdf(-0.8, 2), 0.5 - 0.8 / (2 * sqrt(2 + 0.64)), 1e-13);
	CLOSE(stats_t_cdf(INFINITY, 3), 1.0, 0);
}

static void test_welch(void **state)
{
	/* By hand: means 3 and 6, variances 2.5 and 10, se^2 = 0.5 + 2 = 2.5,
	 * t = -3 / sqrt(2.5), dof = 6.25 / (0.0625 + 1) = 100/17.  p and the
	 * CI from mpmath. */
	const double a[] = { 1, 2, 3, 4, 5 };
	const double b[] = { 2, 4, 6, 8, 10 };
	struct stats_welch w;
	assert_int_equal(stats_welch(a, 5, b, 5, 0.95, &w), 0);
	CLOSE(w.diff, -3.0, 1e-12);
	CLOSE(w.se, sqrt(2.5), 1e-12);
	CLOSE(w.t, -3.0 / sqrt(2.5), 1e-12);
	CLOSE(w.dof, 100.0 / 17.0, 1e-12);
	CLOSE(w.p, 0.107531194930627240414, 1e-10);
	CLOSE(w.ci_lo, -6.88774164373697625525, 1e-8);
	CLOSE(w.ci_hi, 0.887741643736976255252, 1e-8);

	/* Swapping the samples flips the sign and keeps p. */
	struct stats_welch r;
	assert_int_equal(stats_welch(b, 5, a, 5, 0.95, &r), 0);
	CLOSE(r.t, -w.t, 1e-12);
	CLOSE(r.p, w.p, 1e-14);

	/* Zero variance on both sides. */
	const double c[] = { 2, 2, 2 }, d[] = { 1, 1, 1 };
	assert_int_equal(stats_welch(c, 3, d, 3, 0.95, &w), 0);
	assert_true(isinf(w.t) && w.t > 0);
	CLOSE(w.p, 0.0, 0);
	CLOSE(w.ci_lo, 1.0, 0);
	assert_int_equal(stats_welch(c, 3, c, 3, 0.95, &w), 0);
	CLOSE(w.p, 1.0, 0);

	assert_int_equal(stats_welch(a, 1, b, 5, 0.95, &w), -EINVAL);
	assert_int_equal(stats_welch(a, 5, b, 5, 1.0, &w), -EINVAL);
}

static void test_bootstrap(void **state)
{
	/* Constant samples: every resample gives exactly 1 - 1.5/2 = 0.25. */
	const double off_c[] = { 2, 2, 2, 2 }, tfo_c[] = { 1.5, 1.5, 1.5 };
	struct stats_interval ci;
	assert_int_equal(stats_boot_improvement(off_c, 4, tfo_c, 3, 500, 1, 0.95, &ci), 0);
	CLOSE(ci.point, 0.25, 1e-15);
	CLOSE(ci.lo, 0.25, 1e-15);
	CLOSE(ci.hi, 0.25, 1e-15);

	/* Noisy samples: deterministic per seed, and the interval brackets the
	 * point estimate without being absurdly wide. */
	double off[20], tfo[20];
	for (int i = 0; i < 20; i++) {
		off[i] = 2.0 + 0.1 * ((i * 7) % 11 - 5);   /* mean about 2 */
		tfo[i] = 1.6 + 0.1 * ((i * 5) % 11 - 5);
	}
	struct stats_interval a, b, c;
	assert_int_equal(stats_boot_improvement(off, 20, tfo, 20, 2000, 42, 0.95, &a), 0);
	assert_int_equal(stats_boot_improvement(off, 20, tfo, 20, 2000, 42, 0.95, &b), 0);
	assert_int_equal(stats_boot_improvement(off, 20, tfo, 20, 2000, 43, 0.95, &c), 0);
	assert_memory_equal(&a, &b, sizeof(a));
	assert_true(a.lo != c.lo || a.hi != c.hi);
	CLOSE(a.point, 1 - stats_mean(tfo, 20) / stats_mean(off, 20), 1e-15);
	assert_true(a.lo < a.point && a.point < a.hi);
	/* It agrees with the delta-method interval for a ratio of means
	 * (1 - r) +- 1.96 r sqrt(cv_off^2 / n + cv_tfo^2 / n) to within 0.02. */
	double mo = stats_mean(off, 20), mt = stats_mean(tfo, 20), r = mt / mo;
	double cvo = stats_sd(off, 20) / mo, cvt = stats_sd(tfo, 20) / mt;
	double half = 1.96 * r * sqrt(cvo * cvo / 20 + cvt * cvt / 20);
	CLOSE(a.lo, 1 - r - half, 0.02);
	CLOSE(a.hi, 1 - r + half, 0.02);
	/* A narrower level gives a nested interval. */
	assert_int_equal(stats_boot_improvement(off, 20, tfo, 20, 2000, 42, 0.5, &c), 0);
	assert_true(c.lo > a.lo && c.hi < a.hi);

	assert_int_equal(stats_boot_improvement(off, 0, tfo, 20, 2000, 42, 0.95, &a), -EINVAL);
	assert_int_equal(stats_boot_improvement(off, 20, tfo, 20, 0, 42, 0.95, &a), -EINVAL);
	const double zero[] = { 0, 1 };
	assert_int_equal(stats_boot_improvement(zero, 2, tfo, 20, 10, 42, 0.95, &a), -EDOM);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mean_sd),
		cmocka_unit_test(test_percentiles),
		cmocka_unit_test(test_betai),
		cmocka_unit_test(test_t_distribution),
		cmocka_unit_test(test_welch),
		cmocka_unit_test(test_bootstrap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
