/*
 * The experiment runner: the matrix of conditions -> testbeds -> trials ->
 * SQLite.  Conditions that differ only in TFO form a group, which gets one
 * session (testbed + nginx); its warm-up loads are not counted, and its
 * trials then alternate between the group's TFO modes (ABAB...), so that
 * drift on a noisy machine hits both sides alike.  Each trial is stored in
 * its own transaction the moment it ends, so an interrupted run loses
 * nothing and `--resume` continues exactly where it stopped.
 */
#ifndef TFOLAB_RUN_RUNNER_H
#define TFOLAB_RUN_RUNNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emulator/backend.h"
#include "results/store.h"
#include "run/experiment.h"
#include "run/progress.h"

struct runner {
	struct store *st;
	const char *db;          /* its path: parallel jobs open their own */
	int64_t run_id;
	const struct condition_spec *cells;
	size_t n;
	size_t *starts;          /* first cell of each group (runner_groups) */
	size_t ngroups;
	/* progress */
	int tty;                 /* redraw a progress line on stderr */
	bool quiet;              /* no progress lines in a log (--quiet) */
	struct progress_log plog;  /* when stderr is not a TTY */
	size_t stalls;           /* host stalls stored so far */
	size_t conds_done;       /* conditions with all their trials */
	size_t total_trials;     /* counted trials of the whole run */
	size_t done_trials;      /* stored so far, this invocation included */
	size_t done_here;        /* stored by this invocation */
	size_t cond_now;         /* 1-based index of the condition under way */
	int64_t t0_ns;           /* start of this invocation */
	/* The link backend of every condition (the key takes one value), chosen
	 * once by the caller: choosing "auto" probes for netem in a new
	 * namespace, which is not work to repeat per condition. */
	const struct link_backend_ops *ops;
	int lock_fd;             /* DB.lock, whose lock says the run is live; -1 = none */
};

/* How a run begins: a new one, or the latest one of the database again. */
struct runner_start {
	const struct experiment *e;
	const struct condition_spec *cells;  /* experiment_matrix(e); borrowed */
	size_t n;
	const struct link_backend_ops *ops;
	const char *cmdline;     /* recorded with a new run */
	bool resume;
	bool quiet;              /* no progress lines when stderr is not a TTY */
	unsigned shard_k, shard_n;  /* @cells are shard K of N (run/shard.h); 0, 0: all */
};

/*
 * runner_open - @r for the run that @how describes, in the store @st at
 * @db.  A new run is recorded with its provenance: the command line, the
 * experiment as read with the values in force, git describe, the kernel,
 * the host and the backend.  With @how->resume it is the latest run of
 * @st instead, which must not have finished and must be of the same
 * experiment with the same --set values and the same shard; for a shard,
 * a database without a run begins one, and a finished shard is -EALREADY
 * (said on stderr, not an error: a requeued task has nothing left to do).  Says on stderr which run it is.
 * First it locks @db's lock file (@db.lock, a POSIX record lock, which a
 * process's death releases): while a run is live, a second run or
 * --resume on its database is refused (-EBUSY, logged with the live run's
 * pid) rather than colliding with it.  The jobs of --jobs hold a part of
 * the lock each, so a database stays locked while any of them lives.
 * Returns 0, or a negative errno (logged); runner_close(@r) either way.
 */
int runner_open(struct runner *r, struct store *st, const char *db,
		const struct runner_start *how);

/*
 * runner_run - every group of the run, in order, or spread over @jobs
 * child processes (group g in job g % jobs), each with its own testbeds
 * and its own connection to the database (SQLite in WAL mode serialises
 * their writes).  Returns 0, -EINTR when SIGINT/SIGTERM arrived (every
 * finished trial is stored), or another negative errno (logged).
 */
int runner_run(struct runner *r, int jobs);

/*
 * runner_close - after runner_run's @rc: mark the run done (@rc == 0) or
 * interrupted, say how many trials it holds, and free what runner_open
 * allocated.  A run that runner_open did not open is only freed.
 */
void runner_close(struct runner *r, int rc);

/* runner_groups - start index of each group into *starts (malloc'd); returns the count. */
size_t runner_groups(const struct condition_spec *cells, size_t n, size_t **starts);

/*
 * runner_group - run the group of @count cells from @first: insert its
 * conditions (idempotent), skip the trials already stored, run the rest.
 * Returns 0, -EINTR when SIGINT/SIGTERM arrived (the session is torn down
 * and every finished trial is stored), or another negative errno (logged).
 */
int runner_group(struct runner *r, size_t first, size_t count);

/*
 * runner_wants_trial - whether a condition with @done counted trials and
 * @stalled host stalls (store_trials_done) runs another load in round @t
 * (from 0) of its @trials.  A stalled load is repeated at once, in the same
 * round, so the alternation stays ABAB; after more than @trials stalls the
 * condition gives up for good (a machine that always stalls still ends),
 * and keeps the trials it has.
 */
int runner_wants_trial(int done, int stalled, uint32_t trials, uint32_t t);

/*
 * runner_stall_pause_s - seconds to wait before repeating a load after the
 * @streak-th host stall in a row: 1, 2, 4, 8, then 16.  Stalls come in
 * bursts that last seconds to minutes on a shared VM; waiting costs less
 * than a load spoiled again.
 */
int runner_stall_pause_s(int streak);

/*
 * runner_progress - the progress line redrawn on a TTY; when stderr is not
 * one, a whole line (run/progress.h) when a condition has finished or 30 s
 * have passed since the last, unless quiet.
 */
void runner_progress(struct runner *r, const char *what, double plt_s);

#endif
