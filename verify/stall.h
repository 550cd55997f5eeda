/*
 * Host stalls: times when the machine under the testbed stopped running
 * it.  On a shared VM the host takes the CPU away ("steal") for tens of ms
 * at a time; a page load that catches such a stall measures the host, not
 * TCP, and on 2 cores it hits one side of an off/on comparison at random.
 *
 * The emulator is the witness: a packet it delivers the experiment's
 * stall_limit or more after its due time means the emulated link was not
 * the configured one for that trial.  The guest's steal time (/proc/stat) is recorded beside
 * it as context; it accrues even on an idle guest here (about 10% of the
 * time), so it is no verdict on its own.
 */
#ifndef TFOLAB_VERIFY_STALL_H
#define TFOLAB_VERIFY_STALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emulator/link.h"

/*
 * The default limit of stall_verdict (the experiments' stall_limit key):
 * half a round trip at the shortest RTT of Table 1.  On our VM the
 * forwarder is late by under 0.1 ms when the host leaves it alone; loads
 * whose PLT jumped by 200-400 ms had packets 10-40 ms late.
 */
#define STALL_LIMIT_NS (10ull * 1000000)  /* expkey.c: "10ms" */

/*
 * stall_steal_read - the steal time of all CPUs so far, in ns, from the
 * "cpu" line of @path (/proc/stat; a parameter for tests).  0 or a negative
 * errno (-ENOENT, -EINVAL when the line has no steal field), with a warning;
 * callers that read it per trial stop asking after a failure.
 */
int stall_steal_read(const char *path, uint64_t *ns);

/*
 * stall_verdict - whether the link counters of one trial (deltas over the
 * load, late_max_ns over the trial's window) show a stall: a packet
 * delivered @limit_ns or more after its due time.  If so, writes a one-line
 * reason into @why and returns true; otherwise leaves @why alone and
 * returns false.
 */
bool stall_verdict(const struct link_stats *up, const struct link_stats *down, uint64_t limit_ns,
		   char *why, size_t len);
#endif
