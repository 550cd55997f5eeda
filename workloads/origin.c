/*
 * The origin server runs the real nginx, because what TFO changes is the
 * behaviour of a real server's listen socket and the first flight of its
 * response; a toy server would measure itself.  This module turns a page
 * into a docroot of exact-size files plus an nginx.conf, runs nginx as a
 * child in the caller's network namespace, and removes every trace again.
 *
 * Safety: the docroot is flat; names come from body_name() and files are
 * created with openat(O_EXCL|O_NOFOLLOW), so no URL can reach outside it.
 * nginx workers run as nobody; the master (root) only binds the sockets.
 */
#include "workloads/origin.h"

#include "harness/log.h"
#include "workloads/body.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Longest path + query served.  nginx must hash every map key into one
 * bucket (at most 64 KiB) and read the request line into one buffer. */
#define PATH_MAX_BYTES 16000
#define STOP_TIMEOUT_MS 5000

struct origin {
	const struct page *pg;
	struct origin_opts o;
	struct in_addr *addrs;
	char *rundir;
	pid_t pid;       /* master, also its process group; 0 = none */
	int reaped;      /* master waited for; pid only names the group */
};

/* ---- checks ------------------------------------------------------------ */

static uint16_t opts_port(const struct origin_opts *o)
{
	return o->port ? o->port : 80;
}

/* Index of an earlier resource with the same host and path, or -1. */
static long dup_of(const struct page *pg, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (pg->res[j].host == pg->res[i].host &&
		    strcmp(pg->res[j].path, pg->res[i].path) == 0)
			return (long)j;
	return -1;
}

/* Whether another URL of the same host equals this one ignoring case:
 * nginx would then confuse the two map strings. */
static int case_twin(const struct page *pg, size_t i)
{
	for (size_t j = 0; j < pg->n; j++)
		if (j != i && pg->res[j].host == pg->res[i].host &&
		    strcasecmp(pg->res[j].path, pg->res[i].path) == 0 &&
		    strcmp(pg->res[j].path, pg->res[i].path) != 0)
			return 1;
	return 0;
}

static int host_ok(const char *h)
{
	if (!h[0] || h[0] == '.' || h[0] == '-')
		return 0;
	for (const char *s = h; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '.' || *s == '-' ||
		      *s == '_' || *s == ':'))
			return 0;
	return 1;
}

/*
 * Map keys.  Inside a double-quoted nginx token the parser turns \" into "
 * and \\ into \; every other byte ($ { } ; # included) is literal.  A token
 * must fit nginx's 4 KiB configuration buffer.  Three kinds of key:
 *  - a string, matched exactly but ignoring case (paths start with '/', so
 *    none is taken for a regex or a special parameter like "default");
 *  - for URLs of one host that differ only in case, a case-sensitive
 *    anchored regex of the whole path;
 *  - for paths too long for one token, the regex ^HEAD.{n}TAIL$ with the
 *    exact length; page_check() rejects two such paths it could confuse.
 * Exact strings win over regexes in nginx, and every regex here matches
 * only its own URL among the page's URLs.
 */
#define TOKEN_MAX 3800   /* bytes of one key token, below nginx's 4096 */
#define LONG_PART 1800   /* token bytes for each of HEAD and TAIL */

enum key_kind { KEY_STRING, KEY_REGEX, KEY_LONG };

static size_t esc_len(unsigned char c, int regex)
{
	if (!regex)
		return c == '"' || c == '\\' ? 2 : 1;
	if (c >= 0x80)
		return 5;      /* \\xHH */
	if (c == '\\')
		return 4;
	if (strchr("^$.|?*+()[]{}", c))
		return 3;
	return c == '"' ? 2 : 1;
}

static void put_esc(FILE *f, const char *s, size_t n, int regex)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (regex && c >= 0x80)
			fprintf(f, "\\\\x%02x", c);
		else if (regex && c == '\\')
			fputs("\\\\\\\\", f);
		else if (regex && strchr("^$.|?*+()[]{}", c))
			fprintf(f, "\\\\%c", c);
		else if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else
			fputc(c, f);
	}
}

static void put_quoted(FILE *f, const char *s)
{
	fputc('"', f);
	put_esc(f, s, strlen(s), 0);
	fputc('"', f);
}

/* Bytes of path (from the start, or from the end) whose regex escape fits
 * LONG_PART. */
static size_t long_part(const char *path, size_t len, int from_end)
{
	size_t n = 0, t = 0;
	while (n < len) {
		unsigned char c = (unsigned char)path[from_end ? len - 1 - n : n];
		if (t + esc_len(c, 1) > LONG_PART)
			break;
		t += esc_len(c, 1);
		n++;
	}
	return n;
}

static enum key_kind key_kind(const struct page *pg, size_t i)
{
	const char *p = pg->res[i].path;
	size_t t = 0;
	for (const char *s = p; *s; s++)
		t += esc_len((unsigned char)*s, 1);
	if (t > TOKEN_MAX)
		return KEY_LONG;
	return case_twin(pg, i) ? KEY_REGEX : KEY_STRING;
}

/* Whether the KEY_LONG pattern of path a matches path b. */
static int long_matches(const char *a, const char *b)
{
	size_t len = strlen(a);
	if (strlen(b) != len)
		return 0;
	size_t h = long_part(a, len, 0), t = long_part(a, len, 1);
	return memcmp(a, b, h) == 0 && memcmp(a + len - t, b + len - t, t) == 0;
}

static void put_map_key(FILE *f, const struct page *pg, size_t i)
{
	const char *p = pg->res[i].path;
	size_t len = strlen(p);
	switch (key_kind(pg, i)) {
	case KEY_STRING:
		put_quoted(f, p);
		break;
	case KEY_REGEX:
		fputs("\"~^", f);
		put_esc(f, p, len, 1);
		fputs("$\"", f);
		break;
	case KEY_LONG: {
		size_t h = long_part(p, len, 0), t = long_part(p, len, 1);
		fputs("\"~^", f);
		put_esc(f, p, h, 1);
		fprintf(f, ".{%zu}", len - h - t);
		put_esc(f, p + len - t, t, 1);
		fputs("$\"", f);
		break;
	}
	}
}

static int page_check(const struct page *pg)
{
	for (size_t h = 0; h < pg->nhosts; h++)
		if (!host_ok(pg->hosts[h])) {
			log_err("origin: host \"%s\": not a plain host name", pg->hosts[h]);
			return -EINVAL;
		}
	for (size_t i = 0; i < pg->n; i++) {
		const struct page_res *r = &pg->res[i];
		if (r->host < 0 || (size_t)r->host >= pg->nhosts) {
			log_err("origin: resource %s (line %d): host index %d out of range",
				r->id, r->line, r->host);
			return -EINVAL;
		}
		size_t len = strlen(r->path);
		if (r->path[0] != '/' || len > PATH_MAX_BYTES) {
			log_err("origin: resource %s (line %d): path must start with '/' "
				"and have at most %d bytes", r->id, r->line, PATH_MAX_BYTES);
			return -EINVAL;
		}
		for (size_t k = 0; k < len; k++) {
			unsigned char c = (unsigned char)r->path[k];
			if (c <= 0x20 || c == 0x7f) {
				log_err("origin: resource %s (line %d): path byte %zu (0x%02x) "
					"cannot appear in a request line", r->id, r->line, k, c);
				return -EINVAL;
			}
		}
		/* A long path's pattern must match no other URL of its host. */
		int is_long = key_kind(pg, i) == KEY_LONG;
		for (size_t k = 0; is_long && k < pg->n; k++) {
			if (pg->res[k].host != r->host || strcmp(pg->res[k].path, r->path) == 0 ||
			    !long_matches(r->path, pg->res[k].path))
				continue;
			log_err("origin: resource %s (line %d): path too long for nginx "
				"to tell it from %s (line %d)", r->id, r->line,
				pg->res[k].id, pg->res[k].line);
			return -EINVAL;
		}
		long j = dup_of(pg, i);
		if (j >= 0 && pg->res[j].body_bytes != r->body_bytes) {
			log_err("origin: resource %s (line %d): same URL as %s (line %d) "
				"with another size (%llu vs %llu bytes)", r->id, r->line,
				pg->res[j].id, pg->res[j].line,
				(unsigned long long)r->body_bytes,
				(unsigned long long)pg->res[j].body_bytes);
			return -EINVAL;
		}
	}
	return 0;
}

/* ---- docroot ----------------------------------------------------------- */

uint64_t origin_body_seed(const struct page *pg, size_t i, uint64_t seed)
{
	char name[BODY_NAME_MAX];
	body_name(pg->hosts[pg->res[i].host], pg->res[i].path, name, sizeof(name));
	/* The name ends in the URL's 64-bit hash: distinct URLs get distinct
	 * streams, so no two bodies are byte-identical. */
	return seed ^ strtoull(strrchr(name, '-') + 1, NULL, 16);
}

int origin_docroot_build(const struct page *pg, const char *dir, uint64_t seed)
{
	int rc = page_check(pg);
	if (rc < 0)
		return rc;
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0) {
		rc = -errno;
		log_err("origin: docroot %s: open: %s", dir, strerror(errno));
		return rc;
	}
	for (size_t i = 0; i < pg->n && rc == 0; i++) {
		if (dup_of(pg, i) >= 0)
			continue;
		char name[BODY_NAME_MAX];
		body_name(pg->hosts[pg->res[i].host], pg->res[i].path, name, sizeof(name));
		rc = body_write(dfd, name, pg->res[i].body_bytes,
				origin_body_seed(pg, i, seed));
		if (rc < 0)
			log_err("origin: docroot %s: resource %s (line %d) not written",
				dir, pg->res[i].id, pg->res[i].line);
	}
	close(dfd);
	return rc;
}

/* ---- configuration ----------------------------------------------------- */

static size_t align_up(size_t v, size_t a)
{
	return (v + a - 1) / a * a;
}

int origin_conf_write(FILE *f, const struct page *pg, const struct origin_opts *o,
		      const char *rundir)
{
	if (o->naddrs != pg->nhosts) {
		log_err("origin: %zu addresses for %zu hosts", o->naddrs, pg->nhosts);
		return -EINVAL;
	}
	int rc = page_check(pg);
	if (rc < 0)
		return rc;

	size_t maxpath = 1, maxkey = 1, maxhost = 1;
	for (size_t i = 0; i < pg->n; i++) {
		size_t len = strlen(pg->res[i].path);
		if (len > maxpath)
			maxpath = len;
		if (key_kind(pg, i) == KEY_STRING && len > maxkey)
			maxkey = len;
	}
	for (size_t h = 0; h < pg->nhosts; h++)
		if (strlen(pg->hosts[h]) > maxhost)
			maxhost = strlen(pg->hosts[h]);

	char path[PATH_MAX];
	fputs("# Generated by tfolab (workloads/origin.c) for one run; do not edit.\n", f);
	fprintf(f, "user %s %s;\nworker_processes 1;\ndaemon off;\nmaster_process on;\n",
		ORIGIN_USER, ORIGIN_GROUP);
	snprintf(path, sizeof(path), "%s/nginx.pid", rundir);
	fputs("pid ", f), put_quoted(f, path), fputs(";\n", f);
	snprintf(path, sizeof(path), "%s/nginx.lock", rundir);
	fputs("lock_file ", f), put_quoted(f, path), fputs(";\n", f);
	snprintf(path, sizeof(path), "%s/error.log", rundir);
	fputs("error_log ", f), put_quoted(f, path), fputs(" warn;\n", f);
	fputs("events {\n\tworker_connections 1024;\n}\nhttp {\n", f);
	static const char *const temps[] = {"client_body", "proxy", "fastcgi",
					    "uwsgi", "scgi"};
	for (size_t i = 0; i < sizeof(temps) / sizeof(temps[0]); i++) {
		snprintf(path, sizeof(path), "%s/tmp/%s", rundir, temps[i]);
		fprintf(f, "\t%s_temp_path ", temps[i]);
		put_quoted(f, path);
		fputs(";\n", f);
	}
	fputs("\taccess_log off;\n"
	      "\ttypes { }\n"
	      "\tdefault_type application/octet-stream;\n"
	      "\tsendfile on;\n\ttcp_nopush off;\n\ttcp_nodelay on;\n\tgzip off;\n"
	      "\tkeepalive_timeout 120s;\n\tkeepalive_requests 10000;\n"
	      "\tetag off;\n\tserver_tokens off;\n", f);
	/* Sizes nginx needs for long URLs and host names: a map bucket holds a
	 * key plus two pointers; the request line must fit one buffer. */
	fprintf(f, "\tlarge_client_header_buffers 4 %zuk;\n",
		align_up(maxpath + 1024, 8192) / 1024);
	fprintf(f, "\tmap_hash_bucket_size %zu;\n\tmap_hash_max_size %zu;\n",
		align_up(maxkey + 32, 64), pg->n * 4 > 2048 ? pg->n * 4 : 2048);
	fprintf(f, "\tserver_names_hash_bucket_size %zu;\n", align_up(maxhost + 32, 64));

	for (size_t h = 0; h < pg->nhosts; h++) {
		fprintf(f, "\tmap $request_uri $tfl_file_%zu {\n\t\tdefault \"/.tfl-missing\";\n", h);
		for (size_t i = 0; i < pg->n; i++) {
			if ((size_t)pg->res[i].host != h || dup_of(pg, i) >= 0)
				continue;
			char name[BODY_NAME_MAX];
			body_name(pg->hosts[h], pg->res[i].path, name, sizeof(name));
			fputs("\t\t", f);
			put_map_key(f, pg, i);
			fprintf(f, " \"/%s\";\n", name);
		}
		fputs("\t}\n", f);
	}

	snprintf(path, sizeof(path), "%s/docroot", rundir);
	for (size_t h = 0; h < pg->nhosts; h++) {
		char addr[INET_ADDRSTRLEN];
		inet_ntop(AF_INET, &o->addrs[h], addr, sizeof(addr));
		fprintf(f, "\tserver {\n\t\tlisten %s:%u", addr, opts_port(o));
		/* Socket options may be given once per address:port; hosts that
		 * share an address are then told apart by server_name. */
		int first = 1;
		for (size_t k = 0; k < h; k++)
			first &= o->addrs[k].s_addr != o->addrs[h].s_addr;
		if (first && o->fastopen > 0)
			fprintf(f, " fastopen=%d", o->fastopen);
		if (first)
			fputs(" backlog=4096", f);
		fputs(";\n\t\tserver_name \"", f);
		/* host_ok() allows only [A-Za-z0-9._:-]; nginx drops the port of
		 * the Host header before matching, so drop it here too. */
		fprintf(f, "%.*s", (int)strcspn(pg->hosts[h], ":"), pg->hosts[h]);
		fputs("\";\n\t\tlocation / {\n\t\t\troot ", f);
		put_quoted(f, path);
		fprintf(f, ";\n\t\t\ttry_files $tfl_file_%zu =404;\n\t\t}\n\t}\n", h);
	}
	fputs("}\n", f);
	if (fflush(f) != 0 || ferror(f)) {
		log_err("origin: nginx.conf: write: %s", strerror(errno));
		return -EIO;
	}
	return 0;
}

/* ---- run directory ----------------------------------------------------- */

/* Workers (nobody) open docroot files by path: every ancestor of the run
 * directory must be searchable by others. */
static int ancestors_searchable(const char *dir)
{
	char p[PATH_MAX];
	if (!realpath(dir, p)) {
		int rc = -errno;
		log_err("origin: %s: realpath: %s", dir, strerror(-rc));
		return rc;
	}
	for (;;) {
		struct stat st;
		if (stat(p, &st) < 0) {
			int rc = -errno;
			log_err("origin: %s: stat: %s", p, strerror(-rc));
			return rc;
		}
		if (!(st.st_mode & S_IXOTH)) {
			log_err("origin: %s: not searchable by others (mode %04o); "
				"nginx workers run as %s", p, st.st_mode & 07777, ORIGIN_USER);
			return -EACCES;
		}
		char *slash = strrchr(p, '/');
		if (!slash || slash == p)
			return 0;
		*slash = '\0';
	}
}

static int worker_ids(uid_t *uid, gid_t *gid)
{
	char buf[4096];
	struct passwd pw, *pwp = NULL;
	struct group gr, *grp = NULL;
	getpwnam_r(ORIGIN_USER, &pw, buf, sizeof(buf), &pwp);
	if (!pwp) {
		log_err("origin: user %s: not found", ORIGIN_USER);
		return -ENOENT;
	}
	*uid = pw.pw_uid;
	getgrnam_r(ORIGIN_GROUP, &gr, buf, sizeof(buf), &grp);
	if (!grp) {
		log_err("origin: group %s: not found", ORIGIN_GROUP);
		return -ENOENT;
	}
	*gid = gr.gr_gid;
	return 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	if (remove(path) < 0 && errno != ENOENT)
		log_warn("origin: %s: remove: %s", path, strerror(errno));
	return 0;
}

struct origin *origin_new(const struct page *pg, const struct origin_opts *o)
{
	if (o->naddrs != pg->nhosts) {
		log_err("origin: %zu addresses for %zu hosts", o->naddrs, pg->nhosts);
		return NULL;
	}
	if (!o->base_dir || !o->prefix || !o->prefix[0] || strchr(o->prefix, '/')) {
		log_err("origin: base_dir and a prefix without '/' are required");
		return NULL;
	}
	if (page_check(pg) < 0)
		return NULL;
	uid_t uid;
	gid_t gid;
	if (worker_ids(&uid, &gid) < 0)
		return NULL;
	/* Modes are set with chmod: the caller's umask must not hide the
	 * docroot from the workers. */
	if (mkdir(o->base_dir, 0755) == 0)
		chmod(o->base_dir, 0755);
	else if (errno != EEXIST) {
		log_err("origin: %s: mkdir: %s", o->base_dir, strerror(errno));
		return NULL;
	}
	if (ancestors_searchable(o->base_dir) < 0)
		return NULL;

	struct origin *or = calloc(1, sizeof(*or));
	if (!or || asprintf(&or->rundir, "%s/%s-origin-XXXXXX", o->base_dir, o->prefix) < 0) {
		log_err("origin: %s", strerror(ENOMEM));
		free(or);
		return NULL;
	}
	or->pg = pg;
	or->o = *o;
	or->addrs = calloc(o->naddrs ? o->naddrs : 1, sizeof(*or->addrs));
	if (!or->addrs) {
		log_err("origin: %s", strerror(ENOMEM));
		free(or->rundir);
		free(or);
		return NULL;
	}
	if (o->naddrs)
		memcpy(or->addrs, o->addrs, o->naddrs * sizeof(*or->addrs));
	or->o.addrs = or->addrs;
	or->o.base_dir = NULL;  /* borrowed strings are not kept */
	or->o.prefix = NULL;
	or->o.nginx = o->nginx ? o->nginx : ORIGIN_NGINX;

	if (!mkdtemp(or->rundir)) {
		log_err("origin: %s: mkdtemp: %s", or->rundir, strerror(errno));
		goto fail_nodir;
	}
	char sub[PATH_MAX];
	if (chown(or->rundir, uid, gid) < 0) {
		log_err("origin: %s: chown %s: %s", or->rundir, ORIGIN_USER, strerror(errno));
		goto fail;
	}
	static const char *const subdirs[] = {"docroot", "tmp"};
	for (size_t i = 0; i < 2; i++) {
		snprintf(sub, sizeof(sub), "%s/%s", or->rundir, subdirs[i]);
		if (mkdir(sub, 0755) < 0 || chmod(sub, 0755) < 0) {
			log_err("origin: %s: mkdir: %s", sub, strerror(errno));
			goto fail;
		}
	}
	return or;
fail:
	nftw(or->rundir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
fail_nodir:
	free(or->addrs);
	free(or->rundir);
	free(or);
	return NULL;
}

const char *origin_rundir(const struct origin *or)
{
	return or->rundir;
}

pid_t origin_pid(const struct origin *or)
{
	return or->pid;
}

/* ---- nginx process ----------------------------------------------------- */

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
	nanosleep(&ts, NULL);
}

/* Logs the last lines of RUN/file, for failures of nginx. */
static void log_tail(const struct origin *or, const char *file)
{
	char path[PATH_MAX], buf[2048];
	snprintf(path, sizeof(path), "%s/%s", or->rundir, file);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	off_t end = lseek(fd, 0, SEEK_END);
	off_t start = end > (off_t)sizeof(buf) - 1 ? end - (off_t)sizeof(buf) + 1 : 0;
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, start);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	char *save, *line = strtok_r(buf, "\n", &save);
	if (start > 0 && line)  /* first line is cut */
		line = strtok_r(NULL, "\n", &save);
	for (; line; line = strtok_r(NULL, "\n", &save))
		log_err("origin: %s: %s", file, line);
}

/* Whether the master has exited; reaps it. */
static int master_gone(struct origin *or, int *status)
{
	if (!or->reaped) {
		*status = -1;  /* unknown if someone else reaped it */
		pid_t p = waitpid(or->pid, status, WNOHANG);
		or->reaped = p == or->pid || (p < 0 && errno == ECHILD);
	}
	return or->reaped;
}

/*
 * Sends sig to every live (non-zombie) process of process group pgid, only
 * to those named "nginx" if nginx_only, and returns how many there were.
 * Workers outlive a killed master (they are then nobody's children), so
 * the group is found through /proc.
 */
static int group_signal(pid_t pgid, int sig, int nginx_only)
{
	DIR *d = opendir("/proc");
	if (!d)
		return 0;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		char path[300], buf[512];
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		ssize_t len = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (len <= 0)
			continue;
		buf[len] = '\0';
		/* "pid (comm) state ppid pgrp ..."; comm may hold ") ". */
		char *open_p = strchr(buf, '('), *close_p = strrchr(buf, ')');
		char state;
		int ppid, pgrp;
		if (!open_p || !close_p ||
		    sscanf(close_p + 1, " %c %d %d", &state, &ppid, &pgrp) != 3)
			continue;
		*close_p = '\0';
		if (pgrp != pgid || state == 'Z' ||
		    (nginx_only && strcmp(open_p + 1, "nginx") != 0))
			continue;
		if (sig)
			kill((pid_t)atoi(e->d_name), sig);
		n++;
	}
	closedir(d);
	return n;
}

static void nginx_stop(struct origin *or)
{
	if (or->pid <= 0)
		return;
	int status;
	/* SIGTERM is nginx's fast shutdown: the master stops its workers and
	 * exits without waiting for open connections to finish. */
	if (!or->reaped)
		kill(or->pid, SIGTERM);
	int64_t deadline = now_ms() + STOP_TIMEOUT_MS;
	while (!master_gone(or, &status) && now_ms() < deadline)
		sleep_ms(10);
	if (!or->reaped) {
		log_warn("origin: nginx %d did not stop within %d ms; killing it",
			 (int)or->pid, STOP_TIMEOUT_MS);
		kill(-or->pid, SIGKILL);
		waitpid(or->pid, &status, 0);
	}
	deadline = now_ms() + STOP_TIMEOUT_MS;
	while (group_signal(or->pid, SIGKILL, 0) > 0 && now_ms() < deadline)
		sleep_ms(10);
	or->pid = 0;
	or->reaped = 0;
}

int origin_cleanup(const char *base_dir, const char *prefix)
{
	DIR *d = opendir(base_dir);
	if (!d) {
		if (errno == ENOENT)
			return 0;
		int rc = -errno;
		log_err("origin: cleanup %s: opendir: %s", base_dir, strerror(errno));
		return rc;
	}
	int removed = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, prefix, strlen(prefix)) != 0 ||
		    !strstr(e->d_name + strlen(prefix), "-origin-"))
			continue;
		char path[PATH_MAX], buf[32] = "";
		snprintf(path, sizeof(path), "%s/%s/nginx.pid", base_dir, e->d_name);
		int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd >= 0) {
			ssize_t n = read(fd, buf, sizeof(buf) - 1);
			buf[n > 0 ? n : 0] = '\0';
			close(fd);
		}
		pid_t pgid = (pid_t)atoi(buf);
		int64_t deadline = now_ms() + STOP_TIMEOUT_MS;
		while (pgid > 1 && group_signal(pgid, SIGKILL, 1) > 0 &&
		       now_ms() < deadline)
			sleep_ms(10);
		snprintf(path, sizeof(path), "%s/%s", base_dir, e->d_name);
		log_info("origin: cleanup: removing %s (nginx group %d)", path, (int)pgid);
		nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
		removed++;
	}
	closedir(d);
	return removed;
}

/* One HTTP exchange with addr: true once a worker answers anything. */
static int probe(const struct in_addr *addr, uint16_t port, int timeout_ms)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port),
				 .sin_addr = *addr};
	int ok = 0;
	struct pollfd pfd = {.fd = fd, .events = POLLOUT};
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno != EINPROGRESS)
		goto out;
	if (poll(&pfd, 1, timeout_ms) != 1 || (pfd.revents & (POLLERR | POLLHUP)))
		goto out;
	static const char req[] = "HEAD /.tfl-probe HTTP/1.0\r\n\r\n";
	if (send(fd, req, sizeof(req) - 1, MSG_NOSIGNAL) != (ssize_t)sizeof(req) - 1)
		goto out;
	pfd.events = POLLIN;
	char buf[16];
	if (poll(&pfd, 1, timeout_ms) == 1 && recv(fd, buf, 7, MSG_WAITALL) == 7)
		ok = memcmp(buf, "HTTP/1.", 7) == 0;
out:
	close(fd);
	return ok;
}

static int nginx_spawn(struct origin *or)
{
	char conf[PATH_MAX], elog[PATH_MAX], prefix[PATH_MAX], slog[PATH_MAX];
	snprintf(conf, sizeof(conf), "%s/nginx.conf", or->rundir);
	snprintf(elog, sizeof(elog), "%s/error.log", or->rundir);
	snprintf(prefix, sizeof(prefix), "%s/", or->rundir);
	snprintf(slog, sizeof(slog), "%s/stderr.log", or->rundir);
	char *argv[] = {(char *)or->o.nginx, "-p", prefix, "-c", conf, "-e", elog, NULL};

	int logfd = open(slog, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	int nullfd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (logfd < 0 || nullfd < 0) {
		int rc = -errno;
		log_err("origin: %s: open: %s", logfd < 0 ? slog : "/dev/null",
			strerror(errno));
		if (logfd >= 0)
			close(logfd);
		return rc;
	}
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid == 0) {
		/* Child: async-signal-safe calls only.  Its own process group
		 * lets origin_free reach the workers; the death signal stops
		 * nginx outliving the thread that started it. */
		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
		struct sigaction dfl = {.sa_handler = SIG_DFL};
		for (int s = 1; s < NSIG; s++)
			sigaction(s, &dfl, NULL);
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (dup2(nullfd, 0) < 0 || dup2(nullfd, 1) < 0 || dup2(logfd, 2) < 0)
			_exit(127);
		/* Inherited descriptors (TUN devices, netlink sockets) must not
		 * be kept alive by nginx. */
		close_range(3, ~0u, 0);
		execv(argv[0], argv);
		_exit(127);
	}
	int err = errno;
	close(logfd);
	close(nullfd);
	if (pid < 0) {
		log_err("origin: fork: %s", strerror(err));
		return -err;
	}
	setpgid(pid, pid);
	or->pid = pid;
	or->reaped = 0;
	return 0;
}

int origin_start(struct origin *or)
{
	if (or->pid > 0) {
		log_err("origin %s: already started", or->rundir);
		return -EALREADY;
	}
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/docroot", or->rundir);
	int rc = origin_docroot_build(or->pg, path, or->o.seed);
	if (rc < 0)
		return rc;

	snprintf(path, sizeof(path), "%s/nginx.conf", or->rundir);
	FILE *f = fopen(path, "wxe");
	if (!f) {
		rc = -errno;
		log_err("origin: %s: fopen: %s", path, strerror(errno));
		return rc;
	}
	rc = origin_conf_write(f, or->pg, &or->o, or->rundir);
	if (fclose(f) != 0 && rc == 0) {
		rc = -EIO;
		log_err("origin: %s: fclose: %s", path, strerror(errno));
	}
	if (rc < 0)
		return rc;

	rc = nginx_spawn(or);
	if (rc < 0)
		return rc;

	/* Ready when a worker answers on every address. */
	int64_t deadline = now_ms() + ORIGIN_START_TIMEOUT_MS;
	size_t ready = 0;
	int status;
	while (ready < or->o.naddrs) {
		if (master_gone(or, &status)) {
			if (status == -1)
				log_err("origin: nginx %d exited before serving", (int)or->pid);
			else
				log_err("origin: nginx %d exited (%s %d) before serving",
					(int)or->pid, WIFEXITED(status) ? "status" : "signal",
					WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
			goto fail;
		}
		int64_t left = deadline - now_ms();
		if (left <= 0) {
			char addr[INET_ADDRSTRLEN];
			inet_ntop(AF_INET, &or->o.addrs[ready], addr, sizeof(addr));
			log_err("origin: nginx %d: %s:%u not serving after %d ms",
				(int)or->pid, addr, opts_port(&or->o), ORIGIN_START_TIMEOUT_MS);
			goto fail;
		}
		if (probe(&or->o.addrs[ready], opts_port(&or->o), left < 200 ? (int)left : 200))
			ready++;
		else
			sleep_ms(20);
	}
	log_info("origin: nginx %d serving %zu hosts from %s", (int)or->pid,
		 or->pg->nhosts, or->rundir);
	return 0;
fail:
	log_tail(or, "stderr.log");
	log_tail(or, "error.log");
	nginx_stop(or);
	return -EIO;
}

void origin_free(struct origin *or)
{
	if (!or)
		return;
	nginx_stop(or);
	if (nftw(or->rundir, rm_entry, 16, FTW_DEPTH | FTW_PHYS) < 0 && errno != ENOENT)
		log_warn("origin: %s: nftw: %s", or->rundir, strerror(errno));
	free(or->addrs);
	free(or->rundir);
	free(or);
}
