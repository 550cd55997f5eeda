/*
 * The link's lateness over one command's measurement, as `tfolab load` and
 * `tfolab link` report it: how late the emulator delivered its latest
 * packet, how many packets were 1 ms (LINK_LATE_NS) or more late, and the
 * runner's verdict (verify/stall.h) at --stall-limit (default the
 * runner's 10ms).  A stalled
 * measurement timed the host, not the link: tests repeat it, and users
 * should too.
 */
#ifndef TFOLAB_CLI_PROLOGUE_LATE_H
#define TFOLAB_CLI_PROLOGUE_LATE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "emulator/link.h"

struct link_late {
	bool known;          /* the backend measures lateness (userspace) */
	double max_ms;       /* the latest delivery, either direction */
	unsigned long long pkts;  /* packets 1 ms or more late, both directions */
	double limit_ms;     /* the stall limit applied */
	bool stalled;        /* max_ms >= limit_ms */
	char why[200];       /* stall_verdict's reason, or "" */
};

/* link_late_of - @l from the deltas @up, @down over the measurement
 * (late_max_ns over its window), whether the backend @known them, and the
 * stall limit @limit_ns (--stall-limit). */
void link_late_of(const struct link_stats *up, const struct link_stats *down, bool known,
		  uint64_t limit_ns, struct link_late *l);

/* link_late_json - {"known", "max_ms", "late_packets", "stall_limit_ms",
 * "stalled", "reason"}; max_ms and late_packets are null when unknown.
 * NULL on ENOMEM. */
json_t *link_late_json(const struct link_late *l);

/* link_late_print - one line "link late   ...": "on time", or "STALLED"
 * with the reason, or "unknown" for a backend that cannot see it. */
void link_late_print(const struct link_late *l, const char *label, FILE *f);

#endif
