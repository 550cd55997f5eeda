/*
 * Progress of a run in a log.  On a terminal the runner redraws one line;
 * when stderr is a file or a pipe (nohup, CI) that line would be noise or
 * nothing, so the run prints a whole line instead: one when a condition
 * has finished, and one every PROGRESS_LOG_EVERY_NS while a condition takes
 * longer, so that a 40-minute run is never silent for long.
 *
 * The logic is pure and the time is passed in: progress_log_due() decides
 * from the counts and @now_ns alone, and the tests drive it with a
 * synthetic clock.
 */
#ifndef TFOLAB_RUN_PROGRESS_H
#define TFOLAB_RUN_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROGRESS_LOG_EVERY_NS (30ll * 1000 * 1000 * 1000)

struct progress_counts {
	size_t done;          /* counted trials stored, earlier invocations included */
	size_t total;         /* counted trials of the whole run */
	size_t done_here;     /* stored by this invocation: its pace gives the ETA */
	size_t stalls;        /* host stalls so far (trials stored invalid, repeated) */
	size_t conds_done;    /* conditions with all their trials */
	size_t conds_total;
};

/* When the last line was printed, and how many conditions it counted. */
struct progress_log {
	int64_t last_ns;
	size_t last_conds;
};

/* progress_log_start - no line yet; the 30 s count from @now_ns. */
void progress_log_start(struct progress_log *pl, size_t conds_done, int64_t now_ns);

/*
 * progress_log_due - whether to print a line at @now_ns: a condition has
 * finished since the last line, or PROGRESS_LOG_EVERY_NS have passed.
 */
bool progress_log_due(const struct progress_log *pl, size_t conds_done, int64_t now_ns);

/* progress_log_mark - a line was printed at @now_ns. */
void progress_log_mark(struct progress_log *pl, size_t conds_done, int64_t now_ns);

/*
 * progress_eta_s - seconds left at this invocation's pace, or -1 when it
 * has stored nothing yet.
 */
int64_t progress_eta_s(const struct progress_counts *c, int64_t elapsed_ns);

/*
 * progress_format - "progress: 3/24 conditions, 31/360 trials, 2 stalls,
 * elapsed 4m10s, ETA 44m13s" (ETA ? before the first trial), truncated to
 * @len like snprintf.
 */
void progress_format(const struct progress_counts *c, int64_t elapsed_ns, char *buf, int len);

#endif
