/*
 * The shard plan (run/shard.h): parsing "K/N" and the greedy split of
 * weighted groups.  Pure.
 */
#include "run/shard.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* A decimal number of 1..SHARD_MAX from [s, end); -1 otherwise. */
static long parse_part(const char *s, const char *end)
{
	long v = 0;
	if (s == end || end - s > 6)
		return -1;
	for (const char *p = s; p < end; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (*p - '0');
	}
	return v >= 1 && v <= SHARD_MAX ? v : -1;
}

int shard_parse(const char *s, unsigned *k, unsigned *n)
{
	const char *slash = s ? strchr(s, '/') : NULL;
	if (!slash)
		return -EINVAL;
	long kk = parse_part(s, slash), nn = parse_part(slash + 1, slash + strlen(slash));
	if (kk < 0 || nn < 0 || kk > nn)
		return -EINVAL;
	*k = (unsigned)kk;
	*n = (unsigned)nn;
	return 0;
}

struct order {
	uint64_t weight;
	size_t group;
};

/* Heaviest first; equal weights by group index, so the order is total. */
static int by_weight_desc(const void *a, const void *b)
{
	const struct order *x = a, *y = b;
	if (x->weight != y->weight)
		return x->weight < y->weight ? 1 : -1;
	return x->group < y->group ? -1 : x->group > y->group;
}

int shard_plan_make(const uint64_t *weights, size_t ngroups, size_t nshards,
		    struct shard_plan *p)
{
	memset(p, 0, sizeof(*p));
	if (nshards < 1 || nshards > SHARD_MAX)
		return -EINVAL;
	struct order *ord = malloc((ngroups ? ngroups : 1) * sizeof(*ord));
	p->of = malloc((ngroups ? ngroups : 1) * sizeof(*p->of));
	p->load = calloc(nshards, sizeof(*p->load));
	if (!ord || !p->of || !p->load) {
		free(ord);
		shard_plan_release(p);
		return -ENOMEM;
	}
	p->nshards = nshards;
	p->ngroups = ngroups;
	for (size_t g = 0; g < ngroups; g++) {
		if (weights[g] > UINT64_MAX - p->total) {
			free(ord);
			shard_plan_release(p);
			return -EINVAL;
		}
		p->total += weights[g];
		ord[g] = (struct order){ weights[g], g };
	}
	qsort(ord, ngroups, sizeof(*ord), by_weight_desc);
	for (size_t i = 0; i < ngroups; i++) {
		size_t best = 0;
		for (size_t s = 1; s < nshards; s++)
			if (p->load[s] < p->load[best])
				best = s;
		p->of[ord[i].group] = (unsigned)best;
		p->load[best] += ord[i].weight;
	}
	free(ord);
	return 0;
}

void shard_plan_release(struct shard_plan *p)
{
	free(p->of);
	free(p->load);
	memset(p, 0, sizeof(*p));
}

double shard_share(const struct shard_plan *p, size_t s)
{
	return p->total ? (double)p->load[s] / (double)p->total : 0;
}

size_t shard_groups(const struct shard_plan *p, size_t s)
{
	size_t k = 0;
	for (size_t g = 0; g < p->ngroups; g++)
		k += p->of[g] == s;
	return k;
}
