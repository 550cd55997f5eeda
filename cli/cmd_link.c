/*
 * tfolab link [LINK OPTIONS] [--server-cmd CMD] -- CMD...
 *
 * Builds a testbed, optionally starts a server in the server namespace, runs
 * CMD in the client namespace behind the emulated link, tears everything
 * down and exits with CMD's status.  This is the demo, and how users make
 * ad-hoc measurements.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/prologue/late.h"
#include "cli/prologue/prologue.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/units.h"
#include "emulator/backend.h"
#include "os/netns.h"
#include "os/proc.h"
#include "run/session.h"
#include "testbed/testbed.h"
#include "testbed/tool.h"
#include "workloads/origin.h"
#include "workloads/pages.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: tfolab link [OPTIONS] -- CMD [ARGS...]\n"
		"Run CMD in a client network namespace behind an emulated link.\n"
		"CMD sees TFOLAB_SERVER (the server-side address), TFOLAB_SERVERS (all of\n"
		"them), TFOLAB_CLIENT and TFOLAB_PREFIX (the namespaces are PREFIX-c, -l, -s);\n"
		"with --serve and --tls, TFOLAB_CA (the run's CA certificate, to trust).\n"
		"The exit status is CMD's.\n\n"
		LINKOPTS_HELP
		"  (with --tfo, any listener takes SYN data: on = 0x607, cookie = 0x403)\n\n"
		"run:\n"
		"  --server-cmd CMD    start CMD (via /bin/sh -c) in the server namespace first,\n"
		"                      and wait until it listens (20 s at most)\n"
		"  --servers N         server-side addresses (default 1)\n"
		"  --serve PAGE        serve PAGE's resources with nginx in the server namespace,\n"
		"                      one address per host (TFOLAB_SERVERS, in the page's host order);\n"
		"                      with --tls 1.2|1.3|1.3-early over HTTPS on port 443, with a\n"
		"                      certificate for every host from a CA made for this run\n"
		"                      (TFOLAB_CA: curl --cacert \"$TFOLAB_CA\"); --tls needs --serve\n"
		"  --event-log PATH    per-packet log of the userspace backend (PATH.up, PATH.down)\n"
		"  --stats             print the link's counters and lateness on stderr at the end\n"
		"  --json-stats FILE   write them as JSON to FILE ('-' = stderr): pkts, bytes,\n"
		"                      drops per direction and link_late (known, max_ms,\n"
		"                      late_packets, stall_limit_ms, stalled, reason) over CMD\n"
		"  -v, --verbose       say what is being done\n"
		"  -h, --help          this text\n\n"
		"example:\n"
		"  tfolab link --rtt 100ms --down 4mbit --up 256kbit -- ping -c 5 '$TFOLAB_SERVER'\n"
		"  tfolab link --rtt 100ms --tls 1.3 --serve PAGE -- sh -c \\\n"
		"    'curl --cacert \"$TFOLAB_CA\" --resolve HOST:443:$TFOLAB_SERVER https://HOST/PATH'\n"
		"  (CMD is not run through a shell: use sh -c '...' to expand $TFOLAB_SERVER)\n");
}

/*
 * print_stats - the link's counters and its lateness over CMD (@known: the
 * backend measures it; @limit_ns: --stall-limit) on stderr with @text, and as JSON to @json_path
 * ("-" = stderr) when not NULL.  0, or -1 (logged) when the JSON could not
 * be written.
 */
static int print_stats(struct testbed *tb, bool known, uint64_t limit_ns, int text,
		       const char *json_path)
{
	struct link_stats st[2];
	if (testbed_link_stats(tb, &st[0], &st[1]) < 0)
		return -1;
	struct link_late late;
	link_late_of(&st[0], &st[1], known, limit_ns, &late);
	if (json_path) {
		json_t *j = json_pack("{s:{s:I, s:I, s:I}, s:{s:I, s:I, s:I}, s:o}",
				      "up", "pkts", (json_int_t)st[0].pkts, "bytes", (json_int_t)st[0].bytes,
				      "drops", (json_int_t)(st[0].drops_queue + st[0].drops_loss),
				      "down", "pkts", (json_int_t)st[1].pkts, "bytes", (json_int_t)st[1].bytes,
				      "drops", (json_int_t)(st[1].drops_queue + st[1].drops_loss),
				      "link_late", link_late_json(&late));
		int rc = !j ? -1 : !strcmp(json_path, "-") ? json_dumpf(j, stderr, JSON_INDENT(2))
			 : json_dump_file(j, json_path, JSON_INDENT(2));
		if (rc == 0 && !strcmp(json_path, "-"))
			fputc('\n', stderr);
		json_decref(j);
		if (rc < 0) {
			log_err("--json-stats %s: cannot write it", json_path);
			return -1;
		}
	}
	if (!text)
		return 0;
	link_late_print(&late, "tfolab: link late ", stderr);
	for (int i = 0; i < 2; i++) {
		double secs = st[i].last_ns > st[i].first_ns ? (st[i].last_ns - st[i].first_ns) / 1e9 : 0;
		fprintf(stderr,
			"tfolab: link %-4s %llu pkts %llu bytes, %.3f Mbit/s, drops %llu queue %llu loss, "
			"max queue %u pkts %llu bytes\n",
			i ? "down" : "up", (unsigned long long)st[i].pkts, (unsigned long long)st[i].bytes,
			secs > 0 ? st[i].bytes * 8 / secs / 1e6 : 0.0,
			(unsigned long long)st[i].drops_queue, (unsigned long long)st[i].drops_loss,
			st[i].max_queue_pkts, (unsigned long long)st[i].max_queue_bytes);
	}
	return 0;
}

struct link_args {
	struct linkopts lo;
	const char *server_cmd, *event_log, *serve, *json_stats;
	int nservers, stats;
	char **cmd;             /* CMD and its arguments, NULL-terminated */
};

/*
 * link_parse - @argv into @a.  Returns -1 when the command is to run, else
 * the exit status to return at once: 0 after --help, 2 after a usage error
 * (said on stderr).
 */
static int link_parse(int argc, char **argv, struct link_args *a)
{
	enum { OPT_SERVER_CMD = 2000, OPT_SERVERS, OPT_EVENT_LOG, OPT_STATS, OPT_SERVE, OPT_JSON_STATS };
	static const struct option longopts[] = {
		LINKOPTS_LONG,
		{ "server-cmd", required_argument, NULL, OPT_SERVER_CMD },
		{ "servers", required_argument, NULL, OPT_SERVERS },
		{ "serve", required_argument, NULL, OPT_SERVE },
		{ "event-log", required_argument, NULL, OPT_EVENT_LOG },
		{ "stats", no_argument, NULL, OPT_STATS },
		{ "json-stats", required_argument, NULL, OPT_JSON_STATS },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int opt, rc;

	memset(a, 0, sizeof(*a));
	linkopts_init(&a->lo);
	a->nservers = 1;
	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "+vh", longopts, NULL)) != -1) {
		rc = linkopts_parse(&a->lo, "link", opt, optarg);
		if (rc < 0)
			return 2;
		if (rc > 0)
			continue;
		switch (opt) {
		case OPT_SERVER_CMD:
			a->server_cmd = optarg;
			break;
		case OPT_SERVERS: {
			uint64_t n;
			if (units_parse_count(optarg, 1, TESTBED_MAX_SERVERS, &n) < 0) {
				fprintf(stderr, "tfolab link: --servers: \"%s\" is not a count (use 1 to %d)\n",
					optarg, TESTBED_MAX_SERVERS);
				return 2;
			}
			a->nservers = (int)n;
			break;
		}
		case OPT_SERVE:
			a->serve = optarg;
			break;
		case OPT_EVENT_LOG:
			a->event_log = optarg;
			break;
		case OPT_STATS:
			a->stats = 1;
			break;
		case OPT_JSON_STATS:
			a->json_stats = optarg;
			break;
		default:
			if ((rc = cmd_opt_common("link", opt, argv, usage)) >= 0)
				return rc;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "tfolab link: no command given (use: tfolab link [OPTIONS] -- CMD ...)\n");
		return 2;
	}
	if (a->lo.tls != TLS_OFF && !a->serve) {
		fprintf(stderr, "tfolab link: --tls %s needs --serve PAGE: only the page's origin "
			"speaks TLS (a --server-cmd sets up its own)\n", tls_mode_name(a->lo.tls));
		return 2;
	}
	a->cmd = argv + optind;
	return -1;
}

/* The environment of the client and server commands (see usage()). */
struct link_env {
	char server[64], client[64], prefix[64];
	char *servers;          /* malloc'd */
	char *ca;               /* TFOLAB_CA=..., malloc'd, or NULL */
	char *list[6];          /* those set, NULL-terminated, for netns_spawn */
};

/* link_env_make - @e for @tb: 0, or -ENOMEM with nothing to free. */
static int link_env_make(const struct testbed *tb, struct link_env *e)
{
	char a[INET_ADDRSTRLEN];
	size_t sl = 32 + (size_t)tb->nservers * INET_ADDRSTRLEN;

	e->ca = NULL;
	e->servers = malloc(sl);
	if (!e->servers)
		return -ENOMEM;
	strcpy(e->servers, "TFOLAB_SERVERS=");
	for (int i = 0; i < tb->nservers; i++) {
		inet_ntop(AF_INET, &tb->server_addr[i], a, sizeof(a));
		if (i)
			strcat(e->servers, " ");
		strcat(e->servers, a);
		if (i == 0)
			snprintf(e->server, sizeof(e->server), "TFOLAB_SERVER=%s", a);
	}
	inet_ntop(AF_INET, &tb->client_addr, a, sizeof(a));
	snprintf(e->client, sizeof(e->client), "TFOLAB_CLIENT=%s", a);
	snprintf(e->prefix, sizeof(e->prefix), "TFOLAB_PREFIX=%s", tb->prefix);
	char *list[] = { e->server, e->servers, e->client, e->prefix, NULL, NULL };
	memcpy(e->list, list, sizeof(list));
	return 0;
}

/* link_env_ca - TFOLAB_CA=@ca_file added to @e: 0, or -ENOMEM. */
static int link_env_ca(struct link_env *e, const char *ca_file)
{
	if (asprintf(&e->ca, "TFOLAB_CA=%s", ca_file) < 0) {
		e->ca = NULL;
		log_err("TFOLAB_CA: %s", strerror(ENOMEM));
		return -ENOMEM;
	}
	e->list[4] = e->ca;
	return 0;
}

#define SERVER_WAIT_MS 20000  /* how long --server-cmd may take to listen */

/*
 * server_start - --server-cmd @cmd in the server namespace, waited for
 * until something listens there (SERVER_WAIT_MS of the monotonic clock at
 * most, then it goes on with a warning: a slow server, such as Python
 * starting under a loaded or emulated kernel, is waited for by the clock,
 * not by a count of polls).  Returns 0 with its pid in *@pid; -1 (logged) when it could not
 * start or exited first, *@pid 0; or the number of a signal that came
 * meanwhile, *@pid set.
 */
static int server_start(struct testbed *tb, const char *cmd, char **env, pid_t *pid)
{
	char *sargv[] = { "/bin/sh", "-c", (char *)cmd, NULL };
	int status, sig;

	*pid = netns_spawn(tb->fd[TESTBED_SERVER], sargv, env);
	if (*pid < 0) {
		*pid = 0;
		return -1;
	}
	int64_t deadline = clock_mono_ms() + SERVER_WAIT_MS;
	int listening;
	while (!(listening = tool_listening(tb, TESTBED_SERVER, 0)) && clock_mono_ms() < deadline) {
		if (proc_wait_child(*pid, &status, 10) == 0) {
			log_err("server command exited with status %d before listening: %s",
				proc_exit_code(status), cmd);
			*pid = 0;
			return -1;
		}
		if ((sig = proc_interrupted()))
			return sig;
	}
	if (!listening)
		log_warn("server command does not listen after %d s; going on: %s",
			 SERVER_WAIT_MS / 1000, cmd);
	return 0;
}

/*
 * client_run - CMD in the client namespace, waited for.  Returns its exit
 * code; or -1 (logged) when it could not start or be waited for, with
 * *@pid left for the caller to stop (0 = nothing to stop); or, with *@sig
 * set, -1 when a signal came first.
 */
static int client_run(struct testbed *tb, char **cmd, char **env, pid_t *pid, int *sig)
{
	int status;

	*pid = netns_spawn(tb->fd[TESTBED_CLIENT], cmd, env);
	if (*pid < 0) {
		*pid = 0;
		return -1;
	}
	int rc = proc_wait_child(*pid, &status, -1);
	if (rc == 0) {
		*pid = 0;
		return proc_exit_code(status);
	}
	if (rc > 0)
		*sig = rc;
	return -1;
}

int cmd_link(int argc, char **argv)
{
	struct link_args a;
	struct page *pg = NULL;
	int rc = link_parse(argc, argv, &a);

	if (rc >= 0)
		return rc;
	if (a.serve) {
		char path[4096];
		if (pages_find(a.serve, path, sizeof(path)) < 0 || page_parse(path, &pg) < 0)
			return 2;
		a.nservers = (int)pg->nhosts;
	}
	const struct link_backend_ops *ops;
	if (cmd_prologue("link", &a.lo, BACKEND_AUTO, &ops) < 0) {
		page_free(pg);
		return 1;
	}
	struct testbed_opts to = {
		.nservers = a.nservers, .backend = ops, .link = a.lo.link, .event_log = a.event_log,
		.tfo_sysctl = a.lo.tfo_set ? tfo_mode_sysctl(a.lo.tfo, true) : -1, .cc = a.lo.cc,
	};
	struct testbed *tb;
	struct origin *origin = NULL;
	if (testbed_up(&to, &tb) < 0) {
		page_free(pg);
		return 1;
	}
	char up[96], down[96];
	link_dir_format(&a.lo.link.up, up, sizeof(up));
	link_dir_format(&a.lo.link.down, down, sizeof(down));
	log_info("testbed %s: up %s, down %s, cc %s", tb->prefix, up, down, tb->cc);

	struct link_env env;
	if (link_env_make(tb, &env) < 0) {
		testbed_down(tb);
		return 1;
	}
	int exit_code = 1, sig = 0;
	bool late_known = false;
	pid_t server = 0, client = 0;
	if (pg && session_serve(tb, pg, 4096, a.lo.tls, 1, false, &origin) < 0)
		goto end;
	if (origin && origin_ca_file(origin) && link_env_ca(&env, origin_ca_file(origin)) < 0)
		goto end;
	if (a.server_cmd && (rc = server_start(tb, a.server_cmd, env.list, &server)) != 0) {
		sig = rc > 0 ? rc : 0;
		goto end;
	}
	/* The lateness window is CMD's: the servers' start is not measured. */
	late_known = testbed_link_mark(tb);
	rc = client_run(tb, a.cmd, env.list, &client, &sig);
	if (rc >= 0)
		exit_code = rc;
end:
	if (client)
		proc_stop(client, 1000);
	if (server)
		proc_stop(server, 1000);
	origin_free(origin);
	page_free(pg);
	if ((a.stats || log_verbose || a.json_stats) &&
	    print_stats(tb, late_known, a.lo.stall_limit_ns, a.stats || log_verbose, a.json_stats) < 0 && exit_code == 0)
		exit_code = 1;
	if (testbed_down(tb) < 0 && exit_code == 0)
		exit_code = 1;
	free(env.servers);
	free(env.ca);
	if (sig) {
		log_info("interrupted by signal %d; cleaned up", sig);
		return 128 + sig;
	}
	return exit_code;
}
