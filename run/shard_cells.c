/*
 * The shard plan of an experiment's matrix (run/shard.h): the weights of
 * its groups from the sizes of their pages, and the cells of one shard.
 */
#include "run/shard.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "run/runner.h"
#include "workloads/page.h"
#include "workloads/pages.h"

/* A page's sizes, read once for all the cells that load it. */
struct page_size {
	const char *name;        /* borrowed from the cell */
	uint64_t wire, decoded;
};

static int page_size_of(const char *name, struct page_size *cache, size_t *ncache,
			const struct page_size **out)
{
	for (size_t i = 0; i < *ncache; i++)
		if (!strcmp(cache[i].name, name)) {
			*out = &cache[i];
			return 0;
		}
	char path[4096];
	struct page *pg;
	int rc = pages_find(name, path, sizeof(path));
	if (rc < 0 || (rc = page_parse(path, &pg)) < 0) {
		log_err("shard: page %s: its size weighs its conditions; it cannot be read", name);
		return rc;
	}
	cache[*ncache] = (struct page_size){ name, page_total_wire(pg), page_total_bytes(pg) };
	page_free(pg);
	*out = &cache[(*ncache)++];
	return 0;
}

int shard_weights(const struct condition_spec *cells, size_t n, const size_t *starts,
		  size_t ngroups, uint64_t **out)
{
	uint64_t *w = calloc(ngroups ? ngroups : 1, sizeof(*w));
	struct page_size *cache = calloc(n ? n : 1, sizeof(*cache));
	size_t ncache = 0;
	int rc = w && cache ? 0 : -ENOMEM;
	for (size_t g = 0; g < ngroups && rc == 0; g++) {
		size_t end = g + 1 < ngroups ? starts[g + 1] : n;
		for (size_t i = starts[g]; i < end && rc == 0; i++) {
			const struct condition_spec *c = &cells[i];
			const struct page_size *ps;
			if ((rc = page_size_of(c->page, cache, &ncache, &ps)) < 0)
				break;
			uint64_t bytes = c->encoding == ENC_DECODED ? ps->decoded : ps->wire;
			/* us keep the product far from overflow: 1 GB x 10 s x 1000 loads */
			w[g] += bytes * (c->rtt_ns / 1000) * (uint64_t)(c->trials + c->warmup);
		}
	}
	free(cache);
	if (rc < 0) {
		free(w);
		return rc;
	}
	*out = w;
	return 0;
}

int shard_matrix_plan(const struct condition_spec *cells, size_t n, size_t nshards,
		      struct shard_matrix *m)
{
	memset(m, 0, sizeof(*m));
	m->ngroups = runner_groups(cells, n, &m->starts);
	if (!m->starts)
		return -ENOMEM;
	int rc = shard_weights(cells, n, m->starts, m->ngroups, &m->weight);
	if (rc == 0)
		rc = shard_plan_make(m->weight, m->ngroups, nshards, &m->plan);
	if (rc == -EINVAL)
		log_err("shard: %zu shards: cannot plan (use 1 to %d shards)", nshards, SHARD_MAX);
	return rc;
}

void shard_matrix_release(struct shard_matrix *m)
{
	free(m->starts);
	free(m->weight);
	shard_plan_release(&m->plan);
	memset(m, 0, sizeof(*m));
}

size_t shard_group_size(const struct shard_matrix *m, size_t n, size_t g)
{
	return (g + 1 < m->ngroups ? m->starts[g + 1] : n) - m->starts[g];
}

int shard_select(const struct condition_spec *cells, size_t n, const struct shard_matrix *m,
		 unsigned k, struct condition_spec **out, size_t *nout)
{
	struct condition_spec *sub = malloc((n ? n : 1) * sizeof(*sub));
	size_t j = 0;
	if (!sub)
		return -ENOMEM;
	for (size_t g = 0; g < m->ngroups; g++)
		if (m->plan.of[g] == k - 1) {
			size_t len = shard_group_size(m, n, g);
			memcpy(&sub[j], &cells[m->starts[g]], len * sizeof(*sub));
			j += len;
		}
	*out = sub;
	*nout = j;
	return 0;
}
