#include "plots/plot_gp.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/datadir.h"
#include "common/log.h"
#include "plots/plots_config.h"

#define STDERR_MAX (64 * 1024)

const char *plot_gp_dir(void)
{
	static char inst[4096];
	const char *env = getenv("TFOLAB_PLOTS_DIR");
	if (env && *env)
		return env;
	if (datadir_installed("plots", inst, sizeof(inst)) == 0)
		return inst;
	return datadir_source_ok() ? TFOLAB_PLOTS_DIR : "(no gnuplot templates: not installed)";
}

int plot_gp_find(char *buf, size_t len)
{
	const char *env = getenv("TFOLAB_GNUPLOT");
	if (env && *env) {
		if (access(env, X_OK) < 0 || (size_t)snprintf(buf, len, "%s", env) >= len)
			return -ENOENT;
		return 0;
	}
	const char *path = getenv("PATH");
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	while (*path) {
		size_t n = strcspn(path, ":");
		if (n > 0 && (size_t)snprintf(buf, len, "%.*s/gnuplot", (int)n, path) < len &&
		    access(buf, X_OK) == 0)
			return 0;
		path += n;
		if (*path == ':')
			path++;
	}
	return -ENOENT;
}

void plot_gp_put_str(FILE *f, const char *s)
{
	fputc('\'', f);
	for (; s && *s; s++) {
		if (*s == '\'')
			fputs("''", f);
		else
			fputc(*s == '\n' || *s == '\r' ? ' ' : *s, f);
	}
	fputc('\'', f);
}

/* Appends the file dir/name to out; 0 or a negative errno (logged). */
static int append_file(FILE *out, const char *dir, const char *name)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *in = fopen(path, "r");
	if (!in) {
		int rc = -errno;
		log_err("gnuplot template %s: %s (set TFOLAB_PLOTS_DIR to the source tree's plots/)",
			path, strerror(-rc));
		return rc;
	}
	char buf[8192];
	size_t n;
	fprintf(out, "\n# ---- %s ----\n", name);
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		fwrite(buf, 1, n, out);
	int rc = ferror(in) ? -EIO : 0;
	if (rc < 0)
		log_err("gnuplot template %s: read failed", path);
	fclose(in);
	return rc;
}

int plot_gp_write(const char *dir, const char *name, const char *pre)
{
	char path[4096], tmpl[256];
	snprintf(path, sizeof(path), "%s/%s.gp", dir, name);
	snprintf(tmpl, sizeof(tmpl), "%s.gp", name);
	FILE *f = fopen(path, "w");
	if (!f) {
		int rc = -errno;
		log_err("%s: %s", path, strerror(-rc));
		return rc;
	}
	fprintf(f, "# Written by tfolab plot from the templates common.gp and %s.gp.\n"
		"# Re-plot in this directory with: gnuplot -e \"fmt='svg'\" %s.gp (or fmt='png')\n"
		"if (!exists(\"fmt\")) fmt = \"png\"\n", name, name);
	fputs(pre, f);
	int rc = append_file(f, plot_gp_dir(), "common.gp");
	if (rc == 0)
		rc = append_file(f, plot_gp_dir(), tmpl);
	if (fclose(f) != 0 && rc == 0) {
		rc = -errno;
		log_err("%s: write: %s", path, strerror(-rc));
	}
	return rc;
}

/* In the child: never returns.  Messages go to the stderr pipe. */
static void child_exec(const char *gnuplot, const char *dir, char *const argv[])
{
	int null = open("/dev/null", O_RDWR);
	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
	}
	if (chdir(dir) < 0) {
		dprintf(STDERR_FILENO, "chdir %s: %s\n", dir, strerror(errno));
		_exit(126);
	}
	execv(gnuplot, argv);
	dprintf(STDERR_FILENO, "exec %s: %s\n", gnuplot, strerror(errno));
	_exit(127);
}

/* Reads fd to EOF into a malloc'd, NUL-terminated buffer (the first
 * STDERR_MAX bytes; the rest is drained). */
static char *read_all(int fd)
{
	size_t len = 0;
	char *buf = malloc(STDERR_MAX + 1), tmp[4096];
	ssize_t n;
	while ((n = read(fd, tmp, sizeof(tmp))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		size_t take = buf && len < STDERR_MAX ? (size_t)n : 0;
		if (take > STDERR_MAX - len)
			take = STDERR_MAX - len;
		if (take)
			memcpy(buf + len, tmp, take);
		len += take;
	}
	if (buf)
		buf[len] = '\0';
	return buf;
}

int plot_gp_run(const char *gnuplot, const char *dir, const char *name, const char *fmt)
{
	char set_fmt[32], script[256];
	if (strcmp(fmt, "png") && strcmp(fmt, "svg"))
		return -EINVAL;
	snprintf(set_fmt, sizeof(set_fmt), "fmt='%s'", fmt);
	snprintf(script, sizeof(script), "%s.gp", name);
	char *const argv[] = { (char *)gnuplot, "-e", set_fmt, script, NULL };

	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		int rc = -errno;
		log_err("gnuplot %s/%s: pipe: %s", dir, script, strerror(-rc));
		return rc;
	}
	pid_t pid = fork();
	if (pid < 0) {
		int rc = -errno;
		log_err("gnuplot %s/%s: fork: %s", dir, script, strerror(-rc));
		close(pfd[0]);
		close(pfd[1]);
		return rc;
	}
	if (pid == 0) {
		dup2(pfd[1], STDERR_FILENO);  /* dup2 clears O_CLOEXEC on the copy */
		child_exec(gnuplot, dir, argv);
	}
	close(pfd[1]);
	char *err = read_all(pfd[0]);
	close(pfd[0]);
	int status, rc = 0;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			rc = -errno;
			log_err("gnuplot %s/%s: waitpid: %s", dir, script, strerror(-rc));
			free(err);
			return rc;
		}
	}
	/* log lines are bounded: gnuplot stops at its first error, so keep the end. */
	const char *msg = "(no message)";
	if (err) {
		size_t n = strlen(err);
		while (n && (err[n - 1] == '\n' || err[n - 1] == '\r'))
			err[--n] = '\0';
		if (n)
			msg = n > 1500 ? err + n - 1500 : err;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		if (WIFEXITED(status))
			log_err("gnuplot %s/%s (format %s) failed with status %d:\n%s", dir, script,
				fmt, WEXITSTATUS(status), msg);
		else
			log_err("gnuplot %s/%s (format %s) killed by signal %d:\n%s", dir, script,
				fmt, WTERMSIG(status), msg);
		rc = -EIO;
		/* Do not leave a half-drawn image behind to be mistaken for a plot. */
		char out[4096];
		snprintf(out, sizeof(out), "%s/%s.%s", dir, name, fmt);
		unlink(out);
	} else if (err && *err) {
		log_warn("gnuplot %s/%s (format %s) said:\n%s", dir, script, fmt, msg);
	}
	free(err);
	return rc;
}
