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
#include "cli/linkopts.h"
#include "common/log.h"
#include "common/units.h"
#include "emulator/backend.h"
#include "os/netns.h"
#include "os/proc.h"
#include "run/session.h"
#include "testbed/cleanup.h"
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
		"them), TFOLAB_CLIENT and TFOLAB_PREFIX (the namespaces are PREFIX-c, -l, -s).\nThe exit status is CMD's.\n\n"
		LINKOPTS_HELP
		"  (with --tfo, any listener takes SYN data: on = 0x607, cookie = 0x403)\n\n"
		"run:\n"
		"  --server-cmd CMD    start CMD (via /bin/sh -c) in the server namespace first,\n"
		"                      and wait until it listens (5 s at most)\n"
		"  --servers N         server-side addresses (default 1)\n"
		"  --serve PAGE        serve PAGE's resources with nginx in the server namespace,\n"
		"                      one address per host (TFOLAB_SERVERS, in the page's host order)\n"
		"  --event-log PATH    per-packet log of the userspace backend (PATH.up, PATH.down)\n"
		"  --stats             print the link's counters on stderr at the end\n"
		"  -v, --verbose       say what is being done\n"
		"  -h, --help          this text\n\n"
		"example:\n"
		"  tfolab link --rtt 100ms --down 4mbit --up 256kbit -- ping -c 5 '$TFOLAB_SERVER'\n"
		"  (CMD is not run through a shell: use sh -c '...' to expand $TFOLAB_SERVER)\n");
}

static void print_stats(struct testbed *tb)
{
	struct link_stats st[2];
	if (testbed_link_stats(tb, &st[0], &st[1]) < 0)
		return;
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
}

int cmd_link(int argc, char **argv)
{
	enum { OPT_SERVER_CMD = 2000, OPT_SERVERS, OPT_EVENT_LOG, OPT_STATS, OPT_SERVE };
	static const struct option longopts[] = {
		LINKOPTS_LONG,
		{ "server-cmd", required_argument, NULL, OPT_SERVER_CMD },
		{ "servers", required_argument, NULL, OPT_SERVERS },
		{ "serve", required_argument, NULL, OPT_SERVE },
		{ "event-log", required_argument, NULL, OPT_EVENT_LOG },
		{ "stats", no_argument, NULL, OPT_STATS },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct linkopts lo;
	const char *server_cmd = NULL, *event_log = NULL, *serve = NULL;
	int nservers = 1, stats = 0, opt, rc;

	linkopts_init(&lo);
	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "+vh", longopts, NULL)) != -1) {
		rc = linkopts_parse(&lo, "link", opt, optarg);
		if (rc < 0)
			return 2;
		if (rc > 0)
			continue;
		switch (opt) {
		case OPT_SERVER_CMD:
			server_cmd = optarg;
			break;
		case OPT_SERVERS: {
			char *end;
			long n = strtol(optarg, &end, 10);
			if (*end || n < 1 || n > TESTBED_MAX_SERVERS) {
				fprintf(stderr, "tfolab link: --servers: \"%s\" is not a count (use 1 to %d)\n",
					optarg, TESTBED_MAX_SERVERS);
				return 2;
			}
			nservers = (int)n;
			break;
		}
		case OPT_SERVE:
			serve = optarg;
			break;
		case OPT_EVENT_LOG:
			event_log = optarg;
			break;
		case OPT_STATS:
			stats = 1;
			break;
		case 'v':
			log_verbose++;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case ':':
			fprintf(stderr, "tfolab link: %s needs a value (see tfolab link --help)\n",
				argv[optind - 1]);
			return 2;
		default:
			fprintf(stderr, "tfolab link: unknown option '%s' (see tfolab link --help)\n",
				argv[optind - 1]);
			return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "tfolab link: no command given (use: tfolab link [OPTIONS] -- CMD ...)\n");
		return 2;
	}
	struct page *pg = NULL;
	if (serve) {
		char path[4096];
		if (pages_find(serve, path, sizeof(path)) < 0 || page_parse(path, &pg) < 0)
			return 2;
		nservers = (int)pg->nhosts;
	}
	if (need_root("link") < 0) {
		page_free(pg);
		return 1;
	}
	linkopts_finish(&lo);

	const struct link_backend_ops *ops;
	char why[256];
	if (link_backend_choose(lo.backend, &ops, why, sizeof(why)) < 0) {
		page_free(pg);
		return 1;
	}
	log_info("link backend %s (%s)", ops->name, why);

	struct cleanup_report cr;
	cleanup_stale(0, 0, &cr);
	if (cr.namespaces || cr.dirs)
		log_info("removed %d namespace(s) and %d dir(s) left by crashed runs", cr.namespaces, cr.dirs);

	proc_signals_block();
	struct testbed_opts to = {
		.nservers = nservers, .backend = ops, .link = lo.link, .event_log = event_log,
		.tfo_sysctl = lo.tfo_set ? linkopts_tfo_sysctl(lo.tfo, 1) : -1, .cc = lo.cc,
	};
	struct testbed *tb;
	struct origin *origin = NULL;
	if (testbed_up(&to, &tb) < 0) {
		page_free(pg);
		return 1;
	}
	char up[96], down[96];
	link_dir_format(&lo.link.up, up, sizeof(up));
	link_dir_format(&lo.link.down, down, sizeof(down));
	log_info("testbed %s: up %s, down %s, cc %s", tb->prefix, up, down, tb->cc);

	/* Environment for the client command. */
	char env_server[64], env_client[64], *env_servers = NULL;
	size_t sl = 32 + (size_t)tb->nservers * INET_ADDRSTRLEN;
	env_servers = malloc(sl);
	if (!env_servers) {
		testbed_down(tb);
		return 1;
	}
	strcpy(env_servers, "TFOLAB_SERVERS=");
	for (int i = 0; i < tb->nservers; i++) {
		char a[INET_ADDRSTRLEN];
		inet_ntop(AF_INET, &tb->server_addr[i], a, sizeof(a));
		if (i)
			strcat(env_servers, " ");
		strcat(env_servers, a);
		if (i == 0)
			snprintf(env_server, sizeof(env_server), "TFOLAB_SERVER=%s", a);
	}
	char a[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &tb->client_addr, a, sizeof(a));
	snprintf(env_client, sizeof(env_client), "TFOLAB_CLIENT=%s", a);
	char env_prefix[64];
	snprintf(env_prefix, sizeof(env_prefix), "TFOLAB_PREFIX=%s", tb->prefix);
	char *env[] = { env_server, env_servers, env_client, env_prefix, NULL };

	int exit_code = 1, sig = 0, status;
	pid_t server = 0, client = 0;
	if (pg && session_serve(tb, pg, 4096, 1, &origin) < 0)
		goto end;
	if (server_cmd) {
		char *sargv[] = { "/bin/sh", "-c", (char *)server_cmd, NULL };
		server = netns_spawn(tb->fd[TESTBED_SERVER], sargv, env);
		if (server < 0)
			goto end;
		int waited = 0;
		while (!tool_listening(tb, TESTBED_SERVER, 0) && waited < 5000) {
			if (proc_wait_child(server, &status, 10) == 0) {
				log_err("server command exited with status %d before listening: %s",
					proc_exit_code(status), server_cmd);
				server = 0;
				goto end;
			}
			if ((sig = proc_interrupted()))
				goto end;
			waited += 10;
		}
		if (waited >= 5000)
			log_warn("server command does not listen after 5 s; going on: %s", server_cmd);
	}
	client = netns_spawn(tb->fd[TESTBED_CLIENT], argv + optind, env);
	if (client < 0) {
		client = 0;
		goto end;
	}
	rc = proc_wait_child(client, &status, -1);
	if (rc == 0) {
		exit_code = proc_exit_code(status);
		client = 0;
	} else if (rc > 0) {
		sig = rc;
	}
end:
	if (client)
		proc_stop(client, 1000);
	if (server)
		proc_stop(server, 1000);
	origin_free(origin);
	page_free(pg);
	if (stats || log_verbose)
		print_stats(tb);
	if (testbed_down(tb) < 0 && exit_code == 0)
		exit_code = 1;
	free(env_servers);
	if (sig) {
		log_info("interrupted by signal %d; cleaned up", sig);
		return 128 + sig;
	}
	return exit_code;
}
