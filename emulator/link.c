#include "emulator/link.h"

#include <stdio.h>
#include <string.h>

#include "common/units.h"

void link_params_init(struct link_params *p)
{
	memset(p, 0, sizeof(*p));
	p->seed = 1;
}

/*
 * The BDP is taken on the round trip because that is how much data a TCP
 * sender keeps in flight; 4x it (in 1500-byte packets) keeps droptail out of
 * the way of the experiments, which are about latency, not about buffers.
 * Computed in 128 bits and clamped so that absurd rates cannot wrap.
 */
static void dir_finish(struct link_dir *d, uint64_t rtt_ns)
{
	if (d->limit_pkts || d->limit_bytes)
		return;
	/* 4 * rate * rtt / (8 bits * 1e9 ns * 1500 bytes), rounded up */
	const uint64_t den = 8ull * 1000000000 * 1500 / 4;
	unsigned __int128 bits = (unsigned __int128)d->rate_bps * rtt_ns;
	unsigned __int128 pkts = bits / den + (bits % den ? 1 : 0);
	if (pkts < LINK_MIN_QUEUE_PKTS)
		pkts = LINK_MIN_QUEUE_PKTS;
	if (pkts > UINT32_MAX)
		pkts = UINT32_MAX;
	d->limit_pkts = (uint32_t)pkts;
}

void link_params_finish(struct link_params *p)
{
	uint64_t rtt = p->up.delay_ns + p->down.delay_ns;
	if (rtt < p->up.delay_ns)
		rtt = UINT64_MAX;
	dir_finish(&p->up, rtt);
	dir_finish(&p->down, rtt);
}

void link_dir_format(const struct link_dir *d, char *buf, int len)
{
	char rate[48], delay[48], lim[64] = "", loss[48] = "";
	if (len <= 0)
		return;
	units_format_rate(d->rate_bps, rate, sizeof(rate));
	units_format_time(d->delay_ns, delay, sizeof(delay));
	if (d->limit_pkts)
		snprintf(lim, sizeof(lim), " %up", d->limit_pkts);
	if (d->limit_bytes)
		snprintf(lim + strlen(lim), sizeof(lim) - strlen(lim), " %lluB",
			 (unsigned long long)d->limit_bytes);
	if (d->loss > 0)
		snprintf(loss, sizeof(loss), " loss %g%%", d->loss * 100);
	snprintf(buf, len, "%s %s%s%s", rate, delay, lim, loss);
}
