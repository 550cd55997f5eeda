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
#include <string.h>
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

static void test_paired_t(void **state)
{
	/* By hand: d = 0.2 0.1 0.2 0.3 0.1 0.3, mean 0.2, sum of squares 0.04,
	 * se = sqrt(0.04 / 5 / 6) = 0.2 / sqrt(30), so t = sqrt(30), dof 5.
	 * The printed table brackets p: t_{0.995,5} = 4.032 < t < t_{0.9995,5}
	 * = 6.869, so 0.001 < p < 0.01; p, t_{0.975,5} and the CI from mpmath. */
	const double off[] = { 2.0, 2.3, 1.9, 2.6, 2.1, 2.4 };
	const double tfo[] = { 1.8, 2.2, 1.7, 2.3, 2.0, 2.1 };
	struct stats_paired r;
	assert_int_equal(stats_paired_t(off, tfo, 6, 0.95, &r), 0);
	assert_int_equal(r.n, 6);
	CLOSE(r.diff, 0.2, 1e-12);
	CLOSE(r.se, 0.2 / sqrt(30), 1e-12);
	CLOSE(r.t, sqrt(30), 1e-9);
	CLOSE(r.dof, 5, 0);
	CLOSE(r.p, 0.00276496030130495645252, 1e-11);
	assert_true(r.p > 0.001 && r.p < 0.01);
	/* The same p from the incomplete beta function directly. */
	CLOSE(r.p, stats_betai(2.5, 0.5, 5.0 / 35.0), 1e-12);
	CLOSE(r.ci_lo, 0.106135622847263513933, 1e-9);
	CLOSE(r.ci_hi, 0.293864377152736486067, 1e-9);

	/* dof = 2 has a closed form: p = 1 - |t| / sqrt(2 + t^2).  d = 1 2 3:
	 * mean 2, sd 1, t = 2 sqrt(3), p = 0.0741799002274485384 (mpmath). */
	const double a[] = { 4, 5, 6 }, b[] = { 3, 3, 3 };
	assert_int_equal(stats_paired_t(a, b, 3, 0.95, &r), 0);
	CLOSE(r.t, 2 * sqrt(3), 1e-12);
	CLOSE(r.p, 1 - 2 * sqrt(3) / sqrt(14), 1e-12);
	CLOSE(r.p, 0.0741799002274485384334, 1e-12);
	/* Swapping the sides flips the sign and keeps p. */
	struct stats_paired s;
	assert_int_equal(stats_paired_t(b, a, 3, 0.95, &s), 0);
	CLOSE(s.t, -r.t, 1e-12);
	CLOSE(s.p, r.p, 1e-15);
	CLOSE(s.ci_lo, -r.ci_hi, 1e-12);

	/* Pairing removes what the pairs share: a spread of 1 s between pairs,
	 * a constant 0.1 s gain inside them.  Every difference is the same. */
	const double c[] = { 1.1, 2.1, 3.1 }, d[] = { 1.0, 2.0, 3.0 };
	assert_int_equal(stats_paired_t(c, d, 3, 0.95, &r), 0);
	CLOSE(r.diff, 0.1, 1e-12);
	assert_true(r.p < 1e-6);
	assert_true(r.ci_lo > 0.09 && r.ci_hi < 0.11);
	assert_int_equal(stats_paired_t(c, c, 3, 0.95, &r), 0);
	CLOSE(r.t, 0, 0);
	CLOSE(r.p, 1.0, 0);
	CLOSE(r.ci_lo, 0.0, 0);
	const double e[] = { 2, 3 }, g[] = { 1, 2 };
	assert_int_equal(stats_paired_t(e, g, 2, 0.95, &r), 0);
	assert_true(isinf(r.t) && r.t > 0);
	CLOSE(r.p, 0.0, 0);
	CLOSE(r.ci_lo, 1.0, 0);

	memset(&s, 0x5a, sizeof(s));
	struct stats_paired keep = s;
	assert_int_equal(stats_paired_t(a, b, 1, 0.95, &s), -EINVAL);
	assert_int_equal(stats_paired_t(a, b, 3, 1.0, &s), -EINVAL);
	assert_memory_equal(&s, &keep, sizeof(s));
}

static void test_bootstrap(void **state)
{
	/* Every pair has tfo = 3/4 off, so every resample of pairs gives 0.25,
	 * however different the pairs are (an unpaired bootstrap would not). */
	const double off_c[] = { 1, 2, 4, 8 }, tfo_c[] = { 0.75, 1.5, 3, 6 };
	struct stats_interval ci;
	assert_int_equal(stats_boot_paired_improvement(off_c, tfo_c, 4, 500, 1, 0.95, &ci), 0);
	CLOSE(ci.point, 0.25, 1e-15);
	CLOSE(ci.lo, 0.25, 1e-15);
	CLOSE(ci.hi, 0.25, 1e-15);

	/* Noisy pairs: deterministic per seed, and the interval brackets the
	 * point estimate without being absurdly wide. */
	double off[20], tfo[20];
	for (int i = 0; i < 20; i++) {
		off[i] = 2.0 + 0.1 * ((i * 7) % 11 - 5);   /* mean about 2 */
		tfo[i] = 0.8 * off[i] + 0.05 * ((i * 5) % 11 - 5);
	}
	struct stats_interval a, b, c;
	assert_int_equal(stats_boot_paired_improvement(off, tfo, 20, 2000, 42, 0.95, &a), 0);
	assert_int_equal(stats_boot_paired_improvement(off, tfo, 20, 2000, 42, 0.95, &b), 0);
	assert_int_equal(stats_boot_paired_improvement(off, tfo, 20, 2000, 43, 0.95, &c), 0);
	assert_memory_equal(&a, &b, sizeof(a));
	assert_true(a.lo != c.lo || a.hi != c.hi);
	CLOSE(a.point, 1 - stats_mean(tfo, 20) / stats_mean(off, 20), 1e-15);
	assert_true(a.lo < a.point && a.point < a.hi);
	/* It agrees with the delta-method interval for a ratio of paired means:
	 * with r = mean tfo / mean off and z_i = (tfo_i - r off_i) / mean off,
	 * (1 - r) +- 1.96 sd(z) / sqrt(n), to within 0.005. */
	double mo = stats_mean(off, 20), r = stats_mean(tfo, 20) / mo, z[20];
	for (int i = 0; i < 20; i++)
		z[i] = (tfo[i] - r * off[i]) / mo;
	double half = 1.96 * stats_sd(z, 20) / sqrt(20);
	CLOSE(a.lo, 1 - r - half, 0.005);
	CLOSE(a.hi, 1 - r + half, 0.005);
	/* A narrower level gives a nested interval. */
	assert_int_equal(stats_boot_paired_improvement(off, tfo, 20, 2000, 42, 0.5, &c), 0);
	assert_true(c.lo > a.lo && c.hi < a.hi);

	memset(&c, 0x5a, sizeof(c));
	struct stats_interval keep = c;
	assert_int_equal(stats_boot_paired_improvement(off, tfo, 0, 2000, 42, 0.95, &c), -EINVAL);
	assert_int_equal(stats_boot_paired_improvement(off, tfo, 20, 0, 42, 0.95, &c), -EINVAL);
	assert_int_equal(stats_boot_paired_improvement(off, tfo, 20, 10, 42, 0, &c), -EINVAL);
	const double zero[] = { 0, 1 };
	assert_int_equal(stats_boot_paired_improvement(zero, tfo, 2, 10, 42, 0.95, &c), -EDOM);
	assert_memory_equal(&c, &keep, sizeof(c));
}

/*
 * The CI and the test answer one question (is there a gain?) and must agree
 * where the data are clear: both find a gain, or both find none.
 */
static void test_ci_and_test_agree(void **state)
{
	/* A clear 5% gain under a much larger spread between pairs: loads
	 * drift from 1 to 3 s, but each TFO load is 4.5% or 5.5% faster than
	 * its partner. */
	double off[12], tfo[12];
	for (int i = 0; i < 12; i++) {
		off[i] = 1.0 + 2.0 * ((i * 5) % 12) / 11.0;
		tfo[i] = off[i] * (i % 2 ? 0.955 : 0.945);
	}
	struct stats_paired t;
	struct stats_interval ci;
	assert_int_equal(stats_paired_t(off, tfo, 12, 0.95, &t), 0);
	assert_int_equal(stats_boot_paired_improvement(off, tfo, 12, 2000, 2011, 0.95, &ci), 0);
	assert_true(t.p < 0.01 && t.ci_lo > 0);
	assert_true(ci.lo > 0.04 && ci.hi < 0.06);
	CLOSE(ci.point, 0.05, 0.002);

	/* No gain: TFO is 2% faster and 2% slower in turn, on pairs 2k and
	 * 2k + 1 that share their off (so mean(off - tfo) is 0 up to
	 * rounding), under the same drift.  The test finds nothing and the CI
	 * holds 0. */
	for (int i = 0; i < 12; i += 2) {
		off[i + 1] = off[i];
		tfo[i] = off[i] * 0.98;
		tfo[i + 1] = off[i] * 1.02;
	}
	assert_int_equal(stats_paired_t(off, tfo, 12, 0.95, &t), 0);
	assert_int_equal(stats_boot_paired_improvement(off, tfo, 12, 2000, 2011, 0.95, &ci), 0);
	assert_true(t.p > 0.5 && t.ci_lo < 0 && t.ci_hi > 0);
	assert_true(ci.lo < 0 && ci.hi > 0);
	CLOSE(ci.point, 0, 1e-12);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mean_sd),
		cmocka_unit_test(test_percentiles),
		cmocka_unit_test(test_betai),
		cmocka_unit_test(test_t_distribution),
		cmocka_unit_test(test_paired_t),
		cmocka_unit_test(test_bootstrap),
		cmocka_unit_test(test_ci_and_test_agree),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
