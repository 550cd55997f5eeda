#include "cli/prologue/late.h"

#include <string.h>

#include "verify/stall.h"

void link_late_of(const struct link_stats *up, const struct link_stats *down, bool known,
		  uint64_t limit_ns, struct link_late *l)
{
	memset(l, 0, sizeof(*l));
	l->known = known;
	l->limit_ms = limit_ns / 1e6;
	if (!known)
		return;
	l->max_ms = (up->late_max_ns > down->late_max_ns ? up->late_max_ns : down->late_max_ns) / 1e6;
	l->pkts = (unsigned long long)(up->late_pkts + down->late_pkts);
	l->stalled = stall_verdict(up, down, limit_ns, l->why, sizeof(l->why));
}

json_t *link_late_json(const struct link_late *l)
{
	return json_pack("{s:b, s:o, s:o, s:f, s:b, s:s}", "known", l->known,
			 "max_ms", l->known ? json_real(l->max_ms) : json_null(),
			 "late_packets", l->known ? json_integer((json_int_t)l->pkts) : json_null(),
			 "stall_limit_ms", l->limit_ms, "stalled", l->stalled, "reason", l->why);
}

void link_late_print(const struct link_late *l, const char *label, FILE *f)
{
	if (!l->known) {
		fprintf(f, "%sunknown (the backend cannot see it)\n", label);
		return;
	}
	fprintf(f, "%smax %.3f ms, %llu packets 1 ms or more late (stall limit %g ms): %s%s\n",
		label, l->max_ms, l->pkts, l->limit_ms,
		l->stalled ? "STALLED, the timings are the host's, not the link's: " : "on time",
		l->stalled ? l->why : "");
}
