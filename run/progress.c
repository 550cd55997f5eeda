/* Progress lines for a log; see run/progress.h. */
#include "run/progress.h"

#include <stdio.h>

void progress_log_start(struct progress_log *pl, size_t conds_done, int64_t now_ns)
{
	progress_log_mark(pl, conds_done, now_ns);
}

bool progress_log_due(const struct progress_log *pl, size_t conds_done, int64_t now_ns)
{
	return conds_done != pl->last_conds || now_ns - pl->last_ns >= PROGRESS_LOG_EVERY_NS;
}

void progress_log_mark(struct progress_log *pl, size_t conds_done, int64_t now_ns)
{
	pl->last_ns = now_ns;
	pl->last_conds = conds_done;
}

int64_t progress_eta_s(const struct progress_counts *c, int64_t elapsed_ns)
{
	if (c->done_here == 0)
		return -1;
	size_t left = c->total > c->done ? c->total - c->done : 0;
	return (int64_t)((double)elapsed_ns / 1e9 / (double)c->done_here * (double)left + 0.5);
}

/* "1h02m03s", "4m10s" or "7s". */
static void duration(int64_t s, char *buf, size_t len)
{
	if (s >= 3600)
		snprintf(buf, len, "%lldh%02lldm%02llds", (long long)(s / 3600),
			 (long long)(s / 60 % 60), (long long)(s % 60));
	else if (s >= 60)
		snprintf(buf, len, "%lldm%02llds", (long long)(s / 60), (long long)(s % 60));
	else
		snprintf(buf, len, "%llds", (long long)s);
}

void progress_format(const struct progress_counts *c, int64_t elapsed_ns, char *buf, int len)
{
	char el[32], eta[32] = "?";
	int64_t e = progress_eta_s(c, elapsed_ns);

	if (len <= 0)
		return;
	duration(elapsed_ns / 1000000000, el, sizeof(el));
	if (e >= 0)
		duration(e, eta, sizeof(eta));
	snprintf(buf, (size_t)len,
		 "progress: %zu/%zu conditions, %zu/%zu trials, %zu stall%s, elapsed %s, ETA %s",
		 c->conds_done, c->conds_total, c->done, c->total, c->stalls,
		 c->stalls == 1 ? "" : "s", el, eta);
}
