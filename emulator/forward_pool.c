/*
 * The forwarder's buffer pool (see forward.h): fixed-size buffers in one
 * lazily touched mapping, handed out and back through a stack of free
 * indices, and how many a link needs.
 */
#include "emulator/forward.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>

/* --- buffer pool ------------------------------------------------------- */

struct forward_pool {
	unsigned char *mem;     /* n * buf_size bytes, touched lazily */
	size_t mem_len;
	uint32_t buf_size;
	uint32_t n;
	uint32_t top;           /* free[0..top) are free buffer indices */
	uint32_t *free;
};

struct forward_pool *forward_pool_new(uint32_t n, uint32_t buf_size)
{
	if (n == 0 || buf_size <= sizeof(struct qpkt) || buf_size % 8) {
		errno = EINVAL;
		return NULL;
	}
	struct forward_pool *pool = calloc(1, sizeof(*pool));
	if (!pool)
		return NULL;
	pool->buf_size = buf_size;
	pool->n = n;
	pool->mem_len = (size_t)n * buf_size;
	pool->mem = mmap(NULL, pool->mem_len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	pool->free = malloc((size_t)n * sizeof(*pool->free));
	if (pool->mem == MAP_FAILED || !pool->free) {
		int e = pool->free ? errno : ENOMEM;
		if (pool->mem != MAP_FAILED)
			munmap(pool->mem, pool->mem_len);
		free(pool->free);
		free(pool);
		errno = e;
		return NULL;
	}
	/* LIFO with buffer 0 on top: a recently freed, hot buffer is reused
	 * first, and the untouched tail of the mapping stays untouched. */
	for (uint32_t i = 0; i < n; i++)
		pool->free[i] = n - 1 - i;
	pool->top = n;
	return pool;
}

void forward_pool_free(struct forward_pool *pool)
{
	if (!pool)
		return;
	munmap(pool->mem, pool->mem_len);
	free(pool->free);
	free(pool);
}

struct qpkt *forward_pool_get(struct forward_pool *pool)
{
	if (pool->top == 0)
		return NULL;
	uint32_t i = pool->free[--pool->top];
	return (struct qpkt *)(pool->mem + (size_t)i * pool->buf_size);
}

void forward_pool_put(struct forward_pool *pool, struct qpkt *p)
{
	if (!p)
		return;
	size_t off = (size_t)((unsigned char *)p - pool->mem);
	pool->free[pool->top++] = (uint32_t)(off / pool->buf_size);
}

uint32_t forward_pool_avail(const struct forward_pool *pool)
{
	return pool->top;
}

uint32_t forward_pool_data_cap(const struct forward_pool *pool)
{
	return pool->buf_size - (uint32_t)sizeof(struct qpkt);
}

static uint64_t dir_pool_need(const struct link_dir *d)
{
	uint64_t lim = 1u << 20;
	if (d->limit_pkts)
		lim = d->limit_pkts;
	if (d->limit_bytes && d->limit_bytes / 60 + 1 < lim)
		lim = d->limit_bytes / 60 + 1;
	/* Packets in the delay line are not in the droptail queue; the
	 * forwarder does not exceed about 2 Mpps, so bound the rate there. */
	uint64_t pps = d->rate_bps ? d->rate_bps / (8 * 60) + 1 : 2000000;
	if (pps > 2000000)
		pps = 2000000;
	uint64_t flight = (uint64_t)((double)pps * (double)d->delay_ns / 1e9) + 1;
	return lim + flight + FORWARD_BATCH;
}

uint32_t forward_pool_size(const struct link_params *p)
{
	uint64_t n = dir_pool_need(&p->up) + dir_pool_need(&p->down);
	if (n < 4096)
		n = 4096;
	if (n > (1u << 20))
		n = 1u << 20;
	return (uint32_t)n;
}
