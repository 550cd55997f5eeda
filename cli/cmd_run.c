/*
 * tfolab run FILE [--set key=value]... [--db PATH] [--resume] [--jobs N]
 *
 * Runs an experiment: its matrix of conditions, each group of conditions
 * that differ only in TFO in its own testbed, every trial verified and
 * stored in SQLite as it ends.  SIGINT/SIGTERM finish the current trial,
 * tear the testbed down and mark the run interrupted; --resume continues it.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/prologue.h"
#include "cli/version.h"
#include "common/clock.h"
#include "common/log.h"
#include "emulator/backend.h"
#include "os/proc.h"
#include "run/experiment.h"
#include "run/runner.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: tfolab run FILE [OPTIONS]\n"
		"Run the experiment FILE (see experiments/README.md) and store every trial.\n\n"
		"  --set KEY=VALUE   override a key of FILE, e.g. --set trials=3 --set rtt=20ms,200ms\n"
		"  --db PATH         SQLite database (default " STORE_DEFAULT_PATH ")\n"
		"  --resume          continue the latest run of FILE that did not finish\n"
		"  --jobs N          run N condition groups at once, each in its own testbed\n"
		"  -v, --verbose\n"
		"Then: tfolab table, tfolab compare, tfolab plot --out DIR.\n");
}

static char *join_args(int argc, char **argv)
{
	size_t len = 1;
	for (int i = 0; i < argc; i++)
		len += strlen(argv[i]) + 3;
	char *s = calloc(1, len), *p = s;
	if (!s)
		return NULL;
	for (int i = 0; i < argc; i++)
		p += sprintf(p, "%s%s", i ? " " : "", argv[i]);
	return s;
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

/* Runs the groups g with g % jobs == job. */
static int run_share(struct runner *r, const size_t *starts, size_t ngroups, int job, int jobs)
{
	for (size_t g = 0; g < ngroups; g++) {
		if ((int)(g % jobs) != job)
			continue;
		size_t end = g + 1 < ngroups ? starts[g + 1] : r->n;
		int rc = runner_group(r, starts[g], end - starts[g]);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static size_t count_done(struct store *st, int64_t run_id)
{
	size_t v = 0, inv = 0, stalled = 0;
	store_run_trial_counts(st, run_id, &v, &inv, &stalled);
	return v + inv - stalled;
}

/* --jobs N: one child process per job, each with its own testbeds and its
 * own database connection (SQLite in WAL mode serialises their writes). */
static int run_parallel(struct runner *r, const size_t *starts, size_t ngroups, int jobs,
			const char *db)
{
	pid_t pids[64];
	int failed = 0, sig = 0;

	for (int j = 0; j < jobs; j++) {
		pids[j] = fork();
		if (pids[j] < 0) {
			log_err("run: fork: %s", strerror(errno));
			jobs = j;
			failed = 1;
			break;
		}
		if (pids[j] == 0) {
			struct runner child = *r;
			child.tty = 0;
			store_close(NULL);
			if (store_open(db, &child.st) < 0)
				_exit(1);
			int rc = run_share(&child, starts, ngroups, j, jobs);
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
		r->done_here = r->done_trials; /* ETA from this invocation's pace */
		runner_progress(r, "in parallel jobs", -1);
		struct timespec ts = { 0, 200 * 1000000 };
		nanosleep(&ts, NULL);
	}
	if (sig || failed == 2)
		return -EINTR;
	return failed ? -EIO : 0;
}

int cmd_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "set", required_argument, NULL, 's' },
		{ "db", required_argument, NULL, 'd' },
		{ "resume", no_argument, NULL, 'r' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *sets[64], *db = STORE_DEFAULT_PATH;
	int nsets = 0, resume = 0, jobs = 1, opt;
	char *end;

	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "vhj:", longopts, NULL)) != -1) {
		switch (opt) {
		case 's':
			if (nsets == 64) {
				fprintf(stderr, "tfolab run: --set: at most 64 overrides\n");
				return 2;
			}
			sets[nsets++] = optarg;
			break;
		case 'd':
			db = optarg;
			break;
		case 'r':
			resume = 1;
			break;
		case 'j':
			jobs = (int)strtol(optarg, &end, 10);
			if (*end || end == optarg || jobs < 1 || jobs > 64) {
				fprintf(stderr, "tfolab run: --jobs: \"%s\" is not a job count (use 1 to 64)\n", optarg);
				return 2;
			}
			break;
		case 'v':
			log_verbose++;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			fprintf(stderr, "tfolab run: %s '%s' (see tfolab run --help)\n",
				opt == ':' ? "missing value for" : "unknown option", argv[optind - 1]);
			return 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "tfolab run: give exactly one experiment FILE, e.g. experiments/table1.conf\n");
		return 2;
	}
	struct experiment *e;
	if (experiment_parse(argv[optind], &e) < 0)
		return 2;
	for (int i = 0; i < nsets; i++)
		if (experiment_set(e, sets[i]) < 0) {
			experiment_free(e);
			return 2;
		}
	struct condition_spec *cells;
	size_t n, *starts = NULL;
	if (experiment_matrix(e, &cells, &n) < 0) {
		experiment_free(e);
		return 2;
	}
	int exit_code = 1;
	struct store *st = NULL;
	char *record = NULL, *cmdline = NULL;
	const struct link_backend_ops *ops;
	if (cmd_prologue("run", NULL, cells[0].backend, &ops) < 0)
		goto end;
	size_t ngroups = runner_groups(cells, n, &starts);
	if (!starts)
		goto end;
	if (store_open(db, &st) < 0)
		goto end;
	record = experiment_record(e);
	cmdline = join_args(argc + 1, argv - 1);
	struct runner r = {
		.st = st, .cells = cells, .n = n, .tty = isatty(2), .ops = ops,
	};
	for (size_t i = 0; i < n; i++)
		r.total_trials += cells[i].trials;

	if (resume) {
		struct store_run prev;
		if (store_run_latest(st, &r.run_id) < 0 || store_run_get(st, r.run_id, &prev) < 0) {
			log_err("run --resume: %s holds no run to resume", db);
			goto end;
		}
		int same = prev.experiment_text && record && !strcmp(prev.experiment_text, record);
		int finished = !strcmp(prev.status, "done");
		store_run_release(&prev);
		if (finished) {
			log_err("run --resume: the latest run (%lld) finished; nothing to resume", (long long)r.run_id);
			goto end;
		}
		if (!same) {
			log_err("run --resume: the latest run (%lld) was of another experiment or other "
				"--set values; give the same ones", (long long)r.run_id);
			goto end;
		}
		r.done_trials = count_done(st, r.run_id);
		fprintf(stderr, "tfolab: resuming run %lld: %zu of %zu trials stored\n", (long long)r.run_id,
			r.done_trials, r.total_trials);
	} else {
		struct utsname u;
		uname(&u);
		char kernel[300], host[256] = "";
		snprintf(kernel, sizeof(kernel), "%s %s %s", u.sysname, u.release, u.machine);
		gethostname(host, sizeof(host) - 1);
		struct store_run run = {
			.started_at = clock_real_ns(), .command_line = cmdline, .experiment_name = e->name,
			.experiment_text = record, .git_describe = TFOLAB_GIT_DESCRIBE, .kernel = kernel,
			.link_backend = ops->name, .host = host,
		};
		if (store_run_begin(st, &run, &r.run_id) < 0)
			goto end;
		fprintf(stderr, "tfolab: run %lld: %s, %zu conditions in %zu groups, %zu trials, backend %s\n",
			(long long)r.run_id, e->name, n, ngroups, r.total_trials, ops->name);
	}
	r.t0_ns = clock_mono_ns();

	int rc = jobs > 1 ? run_parallel(&r, starts, ngroups, jobs, db) : run_share(&r, starts, ngroups, 0, 1);
	if (r.tty)
		fprintf(stderr, "\n");
	const char *status = rc == 0 ? "done" : "interrupted";
	store_run_end(st, r.run_id, status, clock_real_ns());
	size_t valid = 0, invalid = 0, stalled = 0;
	store_run_trial_counts(st, r.run_id, &valid, &invalid, &stalled);
	fprintf(stderr, "tfolab: run %lld %s: %zu valid and %zu invalid trials (%zu of them host stalls,"
		" repeated) in %s\n", (long long)r.run_id, status, valid, invalid, stalled, db);
	if (rc == -EINTR)
		fprintf(stderr, "tfolab: continue it with: tfolab run %s --resume%s\n", argv[optind],
			nsets ? " (with the same --set options)" : "");
	exit_code = rc == 0 ? 0 : rc == -EINTR ? 130 : 1;
end:
	free(record);
	free(cmdline);
	store_close(st);
	free(starts);
	free(cells);
	experiment_free(e);
	return exit_code;
}
