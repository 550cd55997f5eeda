/*
 * The shard plan (run/shard.h): parsing "K/N" and the greedy split of
 * weighted groups.  Pure.
 */
#include "run/shard.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/units.h"

int shard_parse(const char *s, unsigned *k, unsigned *n)
{
	const char *slash = s ? strchr(s, '/') : NULL;
	char kpart[16];
	uint64_t kk, nn;
	if (!slash || (size_t)(slash - s) >= sizeof(kpart))
		return -EINVAL;
	memcpy(kpart, s, (size_t)(slash - s));
	kpart[slash - s] = '\0';
	if (units_parse_count(kpart, 1, SHARD_MAX, &kk) < 0 ||
	    units_parse_count(slash + 1, 1, SHARD_MAX, &nn) < 0 || kk > nn)
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
