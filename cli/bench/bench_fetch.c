#include "cli/bench/bench_fetch.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "emulator/backend.h"
#include "os/netns.h"
#include "os/proc.h"
#include "run/session.h"
#include "workloads/fetch.h"

#define BODY 10000   /* bytes per resource */

/* A page of @n resources on @hosts hosts, each referenced 64 bytes further
 * into the root, so they are released while the root arrives. */
static int synth_page(size_t n, int hosts, struct page **out)
{
	size_t cap = 256 + n * 96, len = 0;
	char *buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	len += snprintf(buf + len, cap - len, "name synthetic-%zu\nsource tfolab bench fetch\n", n);
	len += snprintf(buf + len, cap - len, "0 - h0.bench /index.html %zu 400 text/html -\n", n * 64 + 1000);
	for (size_t i = 1; i < n; i++)
		len += snprintf(buf + len, cap - len, "%zu 0 h%zu.bench /r/%zu.png %d 400 image/png %zu\n", i,
				i % (size_t)hosts, i, BODY, i * 64);
	char name[32];
	snprintf(name, sizeof(name), "synthetic-%zu", n);
	int rc = page_parse_buf(name, buf, len, out);
	free(buf);
	return rc;
}

static long status_kb(pid_t pid, const char *key)
{
	char path[64], line[256];
	long v = -1;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key)))
			v = strtol(line + strlen(key), NULL, 10);
	fclose(f);
	return v;
}

static int count_fds(pid_t pid)
{
	char path[64];
	int n = 0;
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	DIR *d = opendir(path);
	if (!d)
		return -1;
	for (struct dirent *de; (de = readdir(d));)
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

struct one {
	double plt_s;
	long conns;
	long hwm_kb, base_kb;
	int peak_fds, base_fds;
};

/* Loads @pg once in a child process inside the client namespace, sampling it. */
static int measure(struct session *s, const struct fetch_opts *fo, struct one *m)
{
	int pfd[2], saved, rc;
	if (pipe(pfd) < 0)
		return -errno;
	if ((rc = testbed_enter(s->tb, TESTBED_CLIENT, &saved)) < 0)
		return rc;
	pid_t pid = fork();
	if (pid == 0) {
		struct fetch_result r;
		close(pfd[0]);
		/* Let the parent take its baseline first. */
		struct timespec ts = { 0, 50 * 1000000 };
		nanosleep(&ts, NULL);
		rc = fetch_page(s->pg, s->tb->server_addr, fo, &r);
		double out[2] = { rc == 0 ? r.plt_ns / 1e9 : -1, (double)r.nconns };
		if (write(pfd[1], out, sizeof(out)) != sizeof(out))
			_exit(1);
		_exit(rc == 0 ? 0 : 1);
	}
	netns_leave(saved);
	close(pfd[1]);
	if (pid < 0)
		return -errno;
	m->base_kb = status_kb(pid, "VmRSS:");
	m->base_fds = count_fds(pid);
	m->peak_fds = m->base_fds;
	int status;
	struct rusage ru;
	for (;;) {
		int fds = count_fds(pid);
		long hwm = status_kb(pid, "VmHWM:");
		if (fds > m->peak_fds)
			m->peak_fds = fds;
		if (hwm > m->hwm_kb)
			m->hwm_kb = hwm;
		if (wait4(pid, &status, WNOHANG, &ru) == pid)
			break;
		struct timespec ts = { 0, 1000000 };
		nanosleep(&ts, NULL);
	}
	if (ru.ru_maxrss > m->hwm_kb)
		m->hwm_kb = ru.ru_maxrss;
	double out[2] = { -1, 0 };
	if (read(pfd[0], out, sizeof(out)) != sizeof(out))
		out[0] = -1;
	close(pfd[0]);
	m->plt_s = out[0];
	m->conns = (long)out[1];
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
}

int bench_fetch_run(size_t max)
{
	printf("%10s %9s %6s %14s %14s %10s\n", "resources", "PLT (s)", "conns", "peak RSS (KiB)",
	       "RSS growth", "peak fds");
	for (size_t n = 10; n <= max && !proc_interrupted(); n *= 10) {
		struct page *pg;
		struct session *s;
		struct one m = { 0 };
		if (synth_page(n, 10, &pg) < 0)
			return 1;
		struct session_opts so = { .pg = pg, .backend = &link_userspace_ops, .fastopen_qlen = 4096, .seed = 1 };
		link_params_init(&so.link);
		so.link.up.delay_ns = so.link.down.delay_ns = 10 * 1000000;
		link_params_finish(&so.link);
		if (session_up(&so, &s) < 0) {
			page_free(pg);
			return 1;
		}
		testbed_set_tfo(s->tb, tfo_mode_sysctl(TFO_ON, false));
		struct fetch_opts fo = { .tfo = true, .sched = { .max_per_host = 6, .per_conn = 2 } };
		int rc = measure(s, &fo, &m);
		session_down(s);
		page_free(pg);
		if (rc < 0) {
			log_err("bench fetch: the load of %zu resources failed", n);
			return 1;
		}
		printf("%10zu %9.3f %6ld %14ld %14ld %10d\n", n, m.plt_s, m.conns, m.hwm_kb, m.hwm_kb - m.base_kb,
		       m.peak_fds);
		fflush(stdout);
		if (n == max)
			break;
		if (n * 10 > max)
			n = max / 10;
	}
	return 0;
}
