/*
 * The run as a whole: its record in the store (new, with provenance, or
 * resumed), its groups spread over one or more processes, its progress
 * line, and its end.  run/group.c runs one group.
 */
#include "run/runner.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/version.h"
#include "os/proc.h"

size_t runner_groups(const struct condition_spec *cells, size_t n, size_t **starts)
{
	size_t k = 0;
	*starts = malloc((n ? n : 1) * sizeof(**starts));
	if (!*starts)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (i == 0 || cells[i].pair != cells[i - 1].pair)
			(*starts)[k++] = i;
	return k;
}

/* A line in the log, when one is due (run/progress.h). */
static void progress_log_line(struct runner *r)
{
	int64_t now = clock_mono_ns();
	if (r->quiet || !progress_log_due(&r->plog, r->conds_done, now))
		return;
	struct progress_counts c = {
		.done = r->done_trials, .total = r->total_trials, .done_here = r->done_here,
		.stalls = r->stalls, .conds_done = r->conds_done, .conds_total = r->n,
	};
	char line[256];
	progress_format(&c, now - r->t0_ns, line, sizeof(line));
	fprintf(stderr, "tfolab: %s\n", line);
	fflush(stderr);
	progress_log_mark(&r->plog, r->conds_done, now);
}

void runner_progress(struct runner *r, const char *what, double plt_s)
{
	if (!r->tty) {
		progress_log_line(r);
		return;
	}
	double elapsed = (clock_mono_ns() - r->t0_ns) / 1e9;
	size_t left = r->total_trials > r->done_trials ? r->total_trials - r->done_trials : 0;
	char eta[32] = "?";
	if (r->done_here > 0) {
		double s = elapsed / r->done_here * left;
		snprintf(eta, sizeof(eta), "%dm%02ds", (int)(s / 60), (int)s % 60);
	}
	if (r->cond_now)
		fprintf(stderr, "\r\033[K[condition %zu/%zu, %zu/%zu trials] %s", r->cond_now, r->n,
			r->done_trials, r->total_trials, what);
	else
		fprintf(stderr, "\r\033[K[%zu/%zu trials] %s", r->done_trials, r->total_trials, what);
	if (plt_s >= 0)
		fprintf(stderr, "  PLT %.3f s", plt_s);
	fprintf(stderr, "  ETA %s", eta);
	fflush(stderr);
}

/* Trials stored so far that count (host stalls are repeated, so they do not). */
static size_t count_done(struct store *st, int64_t run_id)
{
	size_t v = 0, inv = 0, stalled = 0;
	store_run_trial_counts(st, run_id, &v, &inv, &stalled);
	return v + inv - stalled;
}

/* Host stalls stored so far. */
static size_t count_stalls(struct store *st, int64_t run_id)
{
	size_t v = 0, inv = 0, stalled = 0;
	store_run_trial_counts(st, run_id, &v, &inv, &stalled);
	return stalled;
}

/* Conditions stored with all their trials, or given up after too many stalls. */
static size_t count_conds_done(struct store *st, int64_t run_id)
{
	struct store_condition *c;
	size_t n, k = 0;
	if (store_conditions_list(st, run_id, &c, &n) < 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		int done, stalled;
		if (store_trials_done(st, c[i].id, &done, &stalled) == 0 &&
		    (c[i].trials <= 0 ||
		     !runner_wants_trial(done, stalled, (uint32_t)c[i].trials, (uint32_t)c[i].trials - 1)))
			k++;
	}
	store_conditions_free(c, n);
	return k;
}

/* The record of the experiment: the file as read, then every --set. */
static char *experiment_record(const struct experiment *e)
{
	char *eff = experiment_effective(e), *out = NULL;
	if (!eff)
		return NULL;
	if (asprintf(&out, "%s\n# effective values:\n%s", e->text, eff) < 0)
		out = NULL;
	free(eff);
	return out;
}

/* A new run of @how, recorded with where it came from. */
static int begin(struct runner *r, const struct runner_start *how, const char *record)
{
	struct utsname u;
	uname(&u);
	char kernel[300], host[256] = "";
	snprintf(kernel, sizeof(kernel), "%s %s %s", u.sysname, u.release, u.machine);
	gethostname(host, sizeof(host) - 1);
	struct store_run run = {
		.started_at = clock_real_ns(), .command_line = how->cmdline,
		.experiment_name = how->e->name, .experiment_text = record,
		.git_describe = TFOLAB_GIT_DESCRIBE, .kernel = kernel, .link_backend = r->ops->name,
		.host = host, .shard_k = (int)how->shard_k, .shard_n = (int)how->shard_n,
	};
	int rc = store_run_begin(r->st, &run, &r->run_id);
	if (rc < 0)
		return rc;
	char shard[48] = "";
	if (how->shard_n)
		snprintf(shard, sizeof(shard), " (shard %u/%u)", how->shard_k, how->shard_n);
	fprintf(stderr, "tfolab: run %lld: %s%s, %zu conditions in %zu groups, %zu trials, backend %s\n",
		(long long)r->run_id, how->e->name, shard, r->n, r->ngroups, r->total_trials,
		r->ops->name);
	return 0;
}

/* The latest run of @r->st, when it may be continued with @record.  A
 * shard (a task of a job array, which a scheduler may start again) begins
 * when its database holds no run yet, and is -EALREADY (said) when done. */
static int resume(struct runner *r, const struct runner_start *how, const char *record)
{
	struct store_run prev;
	if (store_run_latest(r->st, &r->run_id) == -ENOENT && how->shard_n) {
		fprintf(stderr, "tfolab: %s holds no run of shard %u/%u yet; starting it\n", r->db,
			how->shard_k, how->shard_n);
		return begin(r, how, record);
	}
	if (!r->run_id || store_run_get(r->st, r->run_id, &prev) < 0) {
		log_err("run --resume: %s holds no run to resume", r->db);
		return -ENOENT;
	}
	int same = prev.experiment_text && record && !strcmp(prev.experiment_text, record);
	int finished = !strcmp(prev.status, "done");
	int same_shard = prev.shard_k == (int)how->shard_k && prev.shard_n == (int)how->shard_n;
	int prev_k = prev.shard_k, prev_n = prev.shard_n;
	store_run_release(&prev);
	if (!same_shard) {
		if (prev_n)
			log_err("run --resume: the latest run (%lld) was shard %d/%d; give --shard %d/%d",
				(long long)r->run_id, prev_k, prev_n, prev_k, prev_n);
		else
			log_err("run --resume: the latest run (%lld) was of the whole matrix; "
				"resume it without --shard", (long long)r->run_id);
		return -EINVAL;
	}
	if (!same) {
		log_err("run --resume: the latest run (%lld) was of another experiment or other "
			"--set values; give the same ones", (long long)r->run_id);
		return -EINVAL;
	}
	if (finished && how->shard_n) {
		fprintf(stderr, "tfolab: run %lld of shard %u/%u in %s finished already; nothing "
			"to do\n", (long long)r->run_id, how->shard_k, how->shard_n, r->db);
		return -EALREADY;
	}
	if (finished) {
		log_err("run --resume: the latest run (%lld) finished; nothing to resume",
			(long long)r->run_id);
		return -EALREADY;
	}
	r->done_trials = count_done(r->st, r->run_id);
	r->stalls = count_stalls(r->st, r->run_id);
	r->conds_done = count_conds_done(r->st, r->run_id);
	fprintf(stderr, "tfolab: resuming run %lld: %zu of %zu trials stored\n", (long long)r->run_id,
		r->done_trials, r->total_trials);
	return 0;
}

/* A POSIX record lock on bytes [@start, @start + @len) of @fd (@len 0: to the end). */
static int lock_range(int fd, short type, off_t start, off_t len)
{
	struct flock fl = { .l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len };
	return fcntl(fd, F_SETLK, &fl);
}

/*
 * db_lock - lock the whole of @db.lock, then keep byte 0 only, leaving
 * byte 1 + j to job j (run_parallel).  Anyone holding any byte is a live
 * run of the database: -EBUSY, logged with its pid.
 */
static int db_lock(struct runner *r, const char *db)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s.lock", db);
	r->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (r->lock_fd < 0) {
		int rc = -errno;
		log_err("run: %s: open: %s", path, strerror(errno));
		return rc;
	}
	if (lock_range(r->lock_fd, F_WRLCK, 0, 0) < 0) {
		int rc = errno == EACCES || errno == EAGAIN ? -EBUSY : -errno;
		struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
		if (rc == -EBUSY && fcntl(r->lock_fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK)
			log_err("run: %s is in use by a live tfolab run (pid %d); wait for it to end, "
				"or stop it and then --resume", db, (int)fl.l_pid);
		else
			log_err("run: %s: lock: %s", path, strerror(-rc));
		close(r->lock_fd);
		r->lock_fd = -1;
		return rc;
	}
	lock_range(r->lock_fd, F_UNLCK, 1, 0);
	return 0;
}

int runner_open(struct runner *r, struct store *st, const char *db,
		const struct runner_start *how)
{
	*r = (struct runner){
		.st = st, .db = db, .cells = how->cells, .n = how->n, .tty = isatty(2),
		.quiet = how->quiet, .ops = how->ops, .lock_fd = -1,
	};
	int lrc = db_lock(r, db);
	if (lrc < 0)
		return lrc;
	for (size_t i = 0; i < r->n; i++)
		r->total_trials += r->cells[i].trials;
	r->ngroups = runner_groups(r->cells, r->n, &r->starts);
	if (!r->starts)
		return -ENOMEM;
	char *record = experiment_record(how->e);
	int rc = how->resume ? resume(r, how, record) : begin(r, how, record);
	free(record);
	if (rc < 0)
		r->run_id = 0;
	r->t0_ns = clock_mono_ns();
	progress_log_start(&r->plog, r->conds_done, r->t0_ns);
	return rc;
}

/* Runs the groups g with g % jobs == job. */
static int run_share(struct runner *r, int job, int jobs)
{
	for (size_t g = 0; g < r->ngroups; g++) {
		if ((int)(g % jobs) != job)
			continue;
		size_t end = g + 1 < r->ngroups ? r->starts[g + 1] : r->n;
		int rc = runner_group(r, r->starts[g], end - r->starts[g]);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* --jobs N: one child process per job.  The parent only watches: it stops
 * the jobs on a signal, and its progress line counts what they stored. */
static int run_parallel(struct runner *r, int jobs)
{
	pid_t pids[64];
	int failed = 0, sig = 0;
	int64_t counted_ns = 0;  /* when stalls and conditions were last counted */
	size_t done_before = r->done_trials;  /* stored by earlier invocations */

	pid_t parent = getpid();
	for (int j = 0; j < jobs; j++) {
		pids[j] = fork();
		if (pids[j] < 0) {
			log_err("run: fork: %s", strerror(errno));
			jobs = j;
			failed = 1;
			break;
		}
		if (pids[j] == 0) {
			/* A job stops as on SIGTERM (its trial finished and stored, its
			 * testbed torn down) when the parent dies, even of SIGKILL. */
			if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() != parent)
				_exit(1);
			struct runner child = *r;
			child.tty = 0;
			child.quiet = true;  /* the parent's line counts for all */
			/* Record locks are not inherited: take this job's own byte. */
			if (lock_range(r->lock_fd, F_WRLCK, 1 + j, 1) < 0)
				_exit(1);
			store_close(NULL);
			if (store_open(r->db, &child.st) < 0)
				_exit(1);
			int rc = run_share(&child, j, jobs);
			store_close(child.st);
			_exit(rc == -EINTR ? 130 : rc < 0 ? 1 : 0);
		}
	}
	for (int left = jobs; left > 0;) {
		int status;
		pid_t p = waitpid(-1, &status, WNOHANG);
		if (p > 0) {
			left--;
			if (!WIFEXITED(status) || WEXITSTATUS(status))
				failed = failed ?: (WIFEXITED(status) && WEXITSTATUS(status) == 130 ? 2 : 1);
			continue;
		}
		int s = proc_interrupted();
		if (s && !sig) {
			sig = s;
			for (int j = 0; j < jobs; j++)
				kill(pids[j], SIGTERM);
		}
		r->done_trials = count_done(r->st, r->run_id);
		/* ETA from this invocation's pace */
		r->done_here = r->done_trials > done_before ? r->done_trials - done_before : 0;
		if (!r->tty && !r->quiet && clock_mono_ns() - counted_ns >= 1000000000) {
			counted_ns = clock_mono_ns();
			r->stalls = count_stalls(r->st, r->run_id);
			r->conds_done = count_conds_done(r->st, r->run_id);
		}
		runner_progress(r, "in parallel jobs", -1);
		struct timespec ts = { 0, 200 * 1000000 };
		nanosleep(&ts, NULL);
	}
	if (!r->tty && !r->quiet) {
		/* The jobs' last conditions, which the loop above ends before counting. */
		r->done_trials = count_done(r->st, r->run_id);
		r->done_here = r->done_trials > done_before ? r->done_trials - done_before : 0;
		r->stalls = count_stalls(r->st, r->run_id);
		r->conds_done = count_conds_done(r->st, r->run_id);
		runner_progress(r, "", -1);
	}
	if (sig || failed == 2)
		return -EINTR;
	return failed ? -EIO : 0;
}

int runner_run(struct runner *r, int jobs)
{
	int rc = jobs > 1 ? run_parallel(r, jobs) : run_share(r, 0, 1);
	if (r->tty)
		fprintf(stderr, "\n");
	return rc;
}

void runner_close(struct runner *r, int rc)
{
	if (r->run_id) {
		const char *status = rc == 0 ? "done" : "interrupted";
		size_t valid = 0, invalid = 0, stalled = 0;
		store_run_end(r->st, r->run_id, status, clock_real_ns());
		store_run_trial_counts(r->st, r->run_id, &valid, &invalid, &stalled);
		fprintf(stderr, "tfolab: run %lld %s: %zu valid and %zu invalid trials (%zu of them "
			"host stalls, repeated) in %s\n", (long long)r->run_id, status, valid, invalid,
			stalled, r->db);
	}
	free(r->starts);
	r->starts = NULL;
	if (r->lock_fd >= 0)
		close(r->lock_fd);
	r->lock_fd = -1;
}
