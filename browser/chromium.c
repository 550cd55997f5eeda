#include "browser/chromium.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "browser/cdp.h"
#include "common/clock.h"
#include "common/log.h"
#include "os/fs.h"
#include "os/proc.h"

#define STOP_GRACE_MS 2000

struct chromium {
	char dir[PATH_MAX];      /* the profile directory, ours */
	pid_t pid;               /* also the process group */
	bool reaped;
	struct cdp *cdp;
	char *session;           /* the page's DevTools session */
};

/*
 * What makes a load the page's alone: no caches, no prediction (the
 * profile's preference, below, turns preconnect off), nothing fetched on
 * the browser's own account, no extensions.  HTTP/1.1 over plain TCP is all
 * the origin speaks, so the browser's own 6 connections per host and its
 * own reuse apply.  No site isolation, as in the Chrome of the paper: a
 * cross-site iframe then stays in the page's renderer, and its requests
 * reach the page's DevTools session (out of process they would not).
 */
static const char *const chromium_flags[] = {
	"--headless=new", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe",
	"--no-first-run", "--no-default-browser-check", "--disable-background-networking",
	"--disable-component-update", "--disable-default-apps", "--disable-extensions",
	"--disable-sync", "--disable-breakpad", "--disable-client-side-phishing-detection",
	"--disable-domain-reliability", "--dns-prefetch-disable", "--no-pings",
	"--disable-features=MediaRouter,OptimizationHints,Translate,NetworkPrediction,"
	"InterestFeedContentSuggestions,CertificateTransparencyComponentUpdater,"
	"site-per-process,IsolateOrigins",
	"--disable-site-isolation-trials",
	"--disk-cache-size=1", "--media-cache-size=1", "--password-store=basic",
	"--use-mock-keychain", "--mute-audio", "--hide-scrollbars", "--window-size=1280,800",
};
#define NFLAGS (sizeof(chromium_flags) / sizeof(chromium_flags[0]))

/* net.network_prediction_options 2: never preconnect or prefetch. */
static const char prefs[] = "{\"net\":{\"network_prediction_options\":2}}\n";

static int write_file(const char *dir, const char *name, const char *text)
{
	char path[PATH_MAX + 64];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	ssize_t len = (ssize_t)strlen(text);
	if (fd < 0 || write(fd, text, (size_t)len) != len) {
		int e = fd < 0 ? errno : EIO;
		log_err("chromium: %s: write: %s", path, strerror(e));
		if (fd >= 0)
			close(fd);
		return -e;
	}
	close(fd);
	return 0;
}

/* The profile: DIR/PREFIX-chromium-XXXXXX with Default/Preferences. */
static int make_profile(struct chromium *b, const struct chromium_opts *o)
{
	snprintf(b->dir, sizeof(b->dir), "%s/%s-chromium-XXXXXX", o->dir, o->prefix);
	if (!mkdtemp(b->dir)) {
		int e = errno;
		log_err("chromium: %s: mkdtemp: %s", b->dir, strerror(e));
		b->dir[0] = 0;
		return -e;
	}
	char def[PATH_MAX + 16];
	snprintf(def, sizeof(def), "%s/Default", b->dir);
	if (mkdir(def, 0700) < 0) {
		int e = errno;
		log_err("chromium: %s: mkdir: %s", def, strerror(e));
		return -e;
	}
	return write_file(def, "Preferences", prefs);
}

/*
 * The browser, with the DevTools socket @sock as its fds 3 and 4 and its
 * stdout and stderr in @logfd.  Whatever Chromium writes outside
 * --user-data-dir (its crash handler's database goes to ~/.config/chromium)
 * lands in the profile, and goes with it.
 */
static pid_t exec_browser(const struct chromium *b, const struct chromium_opts *o,
			  const char *bin, int sock, int logfd)
{
	char home[PATH_MAX + 32], config[PATH_MAX + 48], cache_home[PATH_MAX + 48];
	char preload[PATH_MAX + 32];
	snprintf(home, sizeof(home), "HOME=%s", b->dir);
	snprintf(config, sizeof(config), "XDG_CONFIG_HOME=%s/.config", b->dir);
	snprintf(cache_home, sizeof(cache_home), "XDG_CACHE_HOME=%s/.cache", b->dir);
	snprintf(preload, sizeof(preload), "LD_PRELOAD=%s", o->preload ? o->preload : "");
	char *env[] = {home, config, cache_home, o->preload ? preload : NULL, NULL};

	char udd[PATH_MAX + 32], cache[PATH_MAX + 32], rules[8192];
	snprintf(udd, sizeof(udd), "--user-data-dir=%s", b->dir);
	snprintf(cache, sizeof(cache), "--disk-cache-dir=%s/cache", b->dir);
	snprintf(rules, sizeof(rules), "--host-resolver-rules=%s", o->resolver_rules);
	const char *argv[NFLAGS + 6];
	size_t n = 0;
	argv[n++] = bin;
	for (size_t i = 0; i < NFLAGS; i++)
		argv[n++] = chromium_flags[i];
	argv[n++] = udd;
	argv[n++] = cache;
	argv[n++] = rules;
	argv[n++] = "about:blank";
	argv[n] = NULL;

	const struct proc_fd_map fds[] = {{sock, 3}, {sock, 4}};
	struct proc_spawn_opts so = {
		.path = bin, .argv = (char *const *)argv, .env_set = env, .log_fd = logfd,
		.fds = fds, .nfds = 2, .new_group = true,
	};
	return proc_spawn(&so);
}

static int spawn(struct chromium *b, const struct chromium_opts *o)
{
	const char *bin = o->binary ? o->binary : getenv("TFOLAB_CHROMIUM");
	if (!bin || !*bin)
		bin = CHROMIUM_BINARY;
	if (access(bin, X_OK) < 0) {
		int e = errno;
		log_err("chromium: %s: %s (install Debian's chromium: TFOLAB_BROWSER=1 scripts/setup)",
			bin, strerror(e));
		return -e;
	}
	if (strlen(o->resolver_rules) > 8000) {
		log_err("chromium: %zu bytes of host resolver rules", strlen(o->resolver_rules));
		return -E2BIG;
	}
	char path[PATH_MAX + 64];
	snprintf(path, sizeof(path), "%s/stderr.log", b->dir);
	int logfd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	int sv[2];
	if (logfd < 0 || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		int e = errno;
		log_err("chromium: %s: %s", logfd < 0 ? path : "socketpair", strerror(e));
		if (logfd >= 0)
			close(logfd);
		return -e;
	}
	pid_t pid = exec_browser(b, o, bin, sv[1], logfd);
	close(sv[1]);
	close(logfd);
	if (pid < 0) {
		close(sv[0]);
		return pid;
	}
	b->pid = pid;
	char num[32];
	snprintf(num, sizeof(num), "%d\n", (int)pid);
	int rc = write_file(b->dir, "chromium.pid", num);
	b->cdp = cdp_new(sv[0]);
	return rc < 0 ? rc : b->cdp ? 0 : -ENOMEM;
}

/* A blank page of our own, and a session attached to it. */
static int attach(struct chromium *b, int64_t deadline_ns)
{
	json_t *res = NULL;
	int rc = cdp_call(b->cdp, NULL, "Target.createTarget",
			  json_pack("{s:s}", "url", "about:blank"), deadline_ns, NULL, NULL, &res);
	const char *tid = rc == 0 ? json_string_value(json_object_get(res, "targetId")) : NULL;
	json_t *att = NULL;
	if (rc == 0 && !tid) {
		log_err("chromium: Target.createTarget: no targetId");
		rc = -EPROTO;
	}
	if (rc == 0)
		rc = cdp_call(b->cdp, NULL, "Target.attachToTarget",
			      json_pack("{s:s, s:b}", "targetId", tid, "flatten", 1), deadline_ns,
			      NULL, NULL, &att);
	const char *sid = rc == 0 ? json_string_value(json_object_get(att, "sessionId")) : NULL;
	if (rc == 0 && !(sid && (b->session = strdup(sid)))) {
		log_err("chromium: Target.attachToTarget: no session");
		rc = -EPROTO;
	}
	json_decref(res);
	json_decref(att);
	return rc;
}

int chromium_start(const struct chromium_opts *o, int64_t deadline_ns, struct chromium **out)
{
	struct chromium *b = calloc(1, sizeof(*b));
	if (!b) {
		log_err("chromium: calloc: %s", strerror(ENOMEM));
		return -ENOMEM;
	}
	int rc = make_profile(b, o);
	if (rc == 0)
		rc = spawn(b, o);
	if (rc == 0)
		rc = attach(b, deadline_ns);
	if (rc < 0) {
		char tail[200];
		chromium_stderr_tail(b, tail, sizeof(tail));
		if (tail[0])
			log_err("chromium: its last words: %s", tail);
		chromium_free(b);
		return rc;
	}
	log_debug("chromium %d started, profile %s", (int)b->pid, b->dir);
	*out = b;
	return 0;
}

struct cdp *chromium_cdp(struct chromium *b)
{
	return b->cdp;
}

const char *chromium_session(const struct chromium *b)
{
	return b->session;
}

pid_t chromium_pid(const struct chromium *b)
{
	return b->pid;
}

void chromium_stderr_tail(const struct chromium *b, char *out, size_t len)
{
	char path[PATH_MAX + 16], buf[4096];
	out[0] = 0;
	if (!b->dir[0])
		return;
	snprintf(path, sizeof(path), "%s/stderr.log", b->dir);
	if (fs_file_tail(path, buf, sizeof(buf)) <= 0)
		return;
	char *line = strrchr(buf, '\n');
	snprintf(out, len, "%s", line ? line + 1 : buf);
}

/* Chromium's crash handler leaves the process group (it calls setsid),
 * but its database is in the profile (HOME is there), which its command
 * line names. */
static void kill_strays(const char *dir)
{
	int64_t deadline = clock_mono_ms() + STOP_GRACE_MS;
	while (proc_cmdline_signal(dir, SIGKILL) > 0 && clock_mono_ms() < deadline)
		proc_sleep_ms(10);
}

/* Reaps the browser if it exited within @ms. */
static void wait_exit(struct chromium *b, int ms)
{
	int64_t deadline = clock_mono_ms() + ms;
	while (!b->reaped) {
		int st;
		pid_t r = waitpid(b->pid, &st, WNOHANG);
		if (r == b->pid || (r < 0 && errno == ECHILD))
			b->reaped = true;
		else if (clock_mono_ms() >= deadline)
			return;
		else
			proc_sleep_ms(10);
	}
}

void chromium_free(struct chromium *b)
{
	if (!b)
		return;
	if (b->cdp && b->session)
		cdp_send(b->cdp, NULL, "Browser.close", NULL, NULL);
	cdp_free(b->cdp);   /* end of file on its pipe: it quits */
	if (b->pid > 0) {
		wait_exit(b, STOP_GRACE_MS);
		if (!b->reaped)
			log_warn("chromium %d did not quit within %d ms; killing it", (int)b->pid,
				 STOP_GRACE_MS);
		/* Its helpers (zygote, renderers, network service) share the
		 * group; by name, as the leader may be reaped and its id free. */
		if (proc_group_kill(b->pid, "chromium", STOP_GRACE_MS) > 0)
			log_warn("chromium %d: processes of its group survived SIGKILL", (int)b->pid);
		kill_strays(b->dir);
		if (!b->reaped) {
			int st;
			waitpid(b->pid, &st, 0);
		}
	}
	if (b->dir[0])
		fs_tree_remove(b->dir);
	free(b->session);
	free(b);
}

int chromium_cleanup(const char *dir, const char *prefix)
{
	return proc_dirs_cleanup(dir, prefix, "chromium", "chromium.pid", "chromium", kill_strays);
}
