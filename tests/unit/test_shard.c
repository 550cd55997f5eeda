/*
 * The shard plan (run/shard.h): "K/N" parsing, and the split of weighted
 * groups: deterministic, a disjoint and complete cover, balanced, and
 * whole groups of an experiment's matrix.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "run/experiment.h"
#include "run/runner.h"
#include "run/shard.h"

static void test_parse(void **state)
{
	(void)state;
	unsigned k = 0, n = 0;
	assert_int_equal(shard_parse("2/4", &k, &n), 0);
	assert_int_equal(k, 2);
	assert_int_equal(n, 4);
	assert_int_equal(shard_parse("1/1", &k, &n), 0);
	assert_int_equal(shard_parse("4/4", &k, &n), 0);
	assert_int_equal(k, 4);
	const char *bad[] = { "0/2", "3/2", "1/0", "x/y", "", "1", "1/", "/2", "1/2/3", "-1/2",
			      "1/2x", " 1/2", "1/1000000", "+1/2" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		k = n = 77;
		assert_int_equal(shard_parse(bad[i], &k, &n), -EINVAL);
		assert_int_equal(k, 77);
	}
	assert_int_equal(shard_parse(NULL, &k, &n), -EINVAL);
}

/* A pseudo-random weight list (xorshift), the same on every machine. */
static void weights_fill(uint64_t *w, size_t n, uint64_t seed)
{
	for (size_t i = 0; i < n; i++) {
		seed ^= seed << 13;
		seed ^= seed >> 7;
		seed ^= seed << 17;
		w[i] = 1 + seed % 1000000;
	}
}

static void test_cover_and_determinism(void **state)
{
	(void)state;
	enum { G = 200 };
	uint64_t w[G];
	weights_fill(w, G, 42);
	for (size_t nshards = 1; nshards <= 9; nshards++) {
		struct shard_plan a, b;
		assert_int_equal(shard_plan_make(w, G, nshards, &a), 0);
		assert_int_equal(shard_plan_make(w, G, nshards, &b), 0);
		/* the same input, the same plan */
		assert_memory_equal(a.of, b.of, G * sizeof(*a.of));
		/* every group in exactly one shard, and the loads add up */
		uint64_t sum[16] = { 0 }, total = 0;
		for (size_t g = 0; g < G; g++) {
			assert_true(a.of[g] < nshards);
			sum[a.of[g]] += w[g];
			total += w[g];
		}
		size_t groups = 0;
		for (size_t s = 0; s < nshards; s++) {
			assert_int_equal(sum[s], a.load[s]);
			groups += shard_groups(&a, s);
		}
		assert_int_equal(groups, G);
		assert_int_equal(a.total, total);
		shard_plan_release(&a);
		shard_plan_release(&b);
	}
}

static void test_balance(void **state)
{
	(void)state;
	enum { G = 300 };
	uint64_t w[G], max_w = 0, total = 0;
	weights_fill(w, G, 7);
	for (size_t g = 0; g < G; g++) {
		max_w = w[g] > max_w ? w[g] : max_w;
		total += w[g];
	}
	for (size_t nshards = 2; nshards <= 8; nshards++) {
		struct shard_plan p;
		assert_int_equal(shard_plan_make(w, G, nshards, &p), 0);
		uint64_t lo = UINT64_MAX, hi = 0;
		double shares = 0;
		for (size_t s = 0; s < nshards; s++) {
			lo = p.load[s] < lo ? p.load[s] : lo;
			hi = p.load[s] > hi ? p.load[s] : hi;
			shares += shard_share(&p, s);
		}
		/* Greedy onto the least loaded: no two shards differ by more
		 * than the heaviest group, and the max is near the mean. */
		assert_true(hi - lo <= max_w);
		assert_true(hi <= total / nshards + max_w);
		assert_true(shares > 0.999999 && shares < 1.000001);
		shard_plan_release(&p);
	}

	/* Weight, not count: one heavy group against three light ones. */
	uint64_t skew[] = { 1, 1, 9, 1 };
	struct shard_plan p;
	assert_int_equal(shard_plan_make(skew, 4, 2, &p), 0);
	assert_int_equal(p.of[2], 0);   /* the heaviest first, onto shard 1 */
	assert_int_equal(p.of[0], 1);
	assert_int_equal(p.of[1], 1);
	assert_int_equal(p.of[3], 1);
	assert_int_equal(p.load[0], 9);
	assert_int_equal(p.load[1], 3);
	shard_plan_release(&p);

	/* Ties: equal weights go round the shards in group order. */
	uint64_t eq[] = { 5, 5, 5, 5, 5 };
	assert_int_equal(shard_plan_make(eq, 5, 2, &p), 0);
	unsigned want[] = { 0, 1, 0, 1, 0 };
	assert_memory_equal(p.of, want, sizeof(want));
	shard_plan_release(&p);
}

static void test_bad_plans(void **state)
{
	(void)state;
	uint64_t w[] = { 1, 2 };
	struct shard_plan p;
	assert_int_equal(shard_plan_make(w, 2, 0, &p), -EINVAL);
	assert_int_equal(shard_plan_make(w, 2, SHARD_MAX + 1, &p), -EINVAL);
	uint64_t huge[] = { UINT64_MAX, 1 };
	assert_int_equal(shard_plan_make(huge, 2, 2, &p), -EINVAL);
	/* more shards than groups: some are empty, none holds a group twice */
	assert_int_equal(shard_plan_make(w, 2, 3, &p), 0);
	assert_int_equal(shard_groups(&p, 0) + shard_groups(&p, 1) + shard_groups(&p, 2), 2);
	assert_int_equal(shard_groups(&p, 2), 0);
	shard_plan_release(&p);
	shard_plan_release(&p);  /* twice is fine */
	/* no groups at all */
	assert_int_equal(shard_plan_make(NULL, 0, 2, &p), 0);
	assert_true(shard_share(&p, 0) == 0);
	shard_plan_release(&p);
}

/* An experiment's matrix, split with shard_select: each shard holds whole
 * groups (off and on together) and the shards cover the matrix once. */
static void test_matrix_groups(void **state)
{
	(void)state;
	static const char text[] =
		"[experiment]\n"
		"pages = a.page\n"
		"rtt = 20ms, 50ms, 100ms, 200ms\n"
		"loss = 0, 1%\n"
		"tfo = off, on\n";
	struct experiment *e;
	struct condition_spec *cells;
	size_t n;
	assert_int_equal(experiment_parse_buf("t.conf", text, &e), 0);
	assert_int_equal(experiment_matrix(e, &cells, &n), 0);
	assert_int_equal(n, 16);
	struct shard_matrix m = { 0 };
	m.ngroups = runner_groups(cells, n, &m.starts);
	assert_int_equal(m.ngroups, 8);
	/* weights as shard_weights would give them for one page: bytes x RTT */
	m.weight = calloc(m.ngroups, sizeof(*m.weight));
	assert_non_null(m.weight);
	for (size_t g = 0; g < m.ngroups; g++)
		m.weight[g] = 1000 * (cells[m.starts[g]].rtt_ns / 1000);
	assert_int_equal(shard_plan_make(m.weight, m.ngroups, 3, &m.plan), 0);
	int seen[16] = { 0 };
	for (unsigned k = 1; k <= 3; k++) {
		struct condition_spec *sub;
		size_t nsub;
		assert_int_equal(shard_select(cells, n, &m, k, &sub, &nsub), 0);
		assert_true(nsub > 0);
		for (size_t i = 0; i < nsub; i++) {
			seen[sub[i].index]++;
			/* in matrix order, and each pair whole: off then on */
			if (i > 0)
				assert_true(sub[i].index > sub[i - 1].index);
			if (sub[i].tfo == TFO_OFF) {
				assert_true(i + 1 < nsub);
				assert_int_equal(sub[i + 1].pair, sub[i].pair);
				assert_int_equal(sub[i + 1].tfo, TFO_ON);
			}
		}
		free(sub);
	}
	for (size_t i = 0; i < n; i++)
		assert_int_equal(seen[i], 1);
	shard_matrix_release(&m);
	free(cells);
	experiment_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_cover_and_determinism),
		cmocka_unit_test(test_balance),
		cmocka_unit_test(test_bad_plans),
		cmocka_unit_test(test_matrix_groups),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
