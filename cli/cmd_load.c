/*
 * tfolab load PAGE [LINK OPTIONS] [--tfo off|on|cookie] [--per-conn K] [--json]
 *             [--har FILE]
 *
 * One verified page load: builds a testbed, serves PAGE with nginx, loads it
 * once from the client namespace (after a warm-up load when real cookies
 * need one) and prints the PLT, the connections, how many carried SYN data,
 * the verdict of the TFO check and a text waterfall.  "What does TFO buy my
 * page?" in one line: run it with --tfo off and with --tfo on.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/prologue/late.h"
#include "cli/prologue/prologue.h"
#include "common/log.h"
#include "common/units.h"
#include "common/vocab.h"
#include "emulator/backend.h"
#include "os/proc.h"
#include "results/har.h"
#include "run/trial.h"
#include "workloads/pages.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: tfolab load PAGE [OPTIONS]\n"
		"Load PAGE (a built-in page name, see tfolab pages, or a .page file) once\n"
		"over the emulated link, verify TFO against the kernel's counters, and print\n"
		"the page load time, the connections and a waterfall.\n\n"
		LINKOPTS_HELP
		"  (here --tfo on = 519 and cookie = 3: nginx listens with fastopen=N;\n"
		"   with cookie a warm-up load fetches the cookies first)\n\n"
		"browser:\n"
		"  --per-conn K         requests per connection: 1, 2, ... or unlimited (default 2)\n"
		"  --conns-per-host N   connections per host (default 6)\n"
		"  --timeout TIME       per request (default 30s)\n"
		"  --encoding E         wire (default: bodies as the network carried them,\n"
		"                       gzip'd text) or decoded (every body at its decoded size)\n"
		"  --browser NAME       builtin (default: tfolab's fetcher) or chromium: a real\n"
		"                       headless Chromium loads bodies it can parse (HTTP only;\n"
		"                       --per-conn and --conns-per-host do not apply to it)\n"
		"output:\n"
		"  --json               print JSON instead of text\n"
		"  --har FILE           also write the load as a HAR 1.2 file ('-' = stdout)\n"
		"  --no-waterfall       leave the waterfall out of the text\n"
		"  -v, --verbose\n");
}

/* Per connection, OpenSSL's account: what verify/tls.h judged. */
static json_t *tls_json(const struct page *pg, const struct fetch_result *f)
{
	json_t *a = json_array();
	for (size_t i = 0; i < f->nconns; i++) {
		const struct fetch_conn *c = &f->conns[i];
		if (!c->tls.version && c->tls.early == TLS_EARLY_NONE && c->tls_done_ns < 0)
			continue;
		json_array_append_new(a, json_pack("{s:I, s:s, s:s, s:b, s:s, s:s, s:s, s:I}",
			"conn", (json_int_t)i, "host", pg->hosts[c->host],
			"version", tls_version_name(c->tls.version), "resumed", c->tls.resumed,
			"early", tls_early_name(c->tls.early), "cipher", c->tls.cipher,
			"group", c->tls.group, "tls_done_ns", (json_int_t)c->tls_done_ns));
	}
	return a;
}

static json_t *result_json(const struct page *pg, const struct session *s, const char *tfo,
			   const char *tls, uint64_t stall_limit_ns, bool browser,
			   const struct trial_result *r)
{
	json_t *reqs = json_array();
	for (size_t i = 0; i < r->fetch.n; i++) {
		const struct fetch_req *q = &r->fetch.req[i];
		json_array_append_new(reqs, json_pack(
			"{s:s, s:s, s:s, s:I, s:i, s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:i}",
			"id", pg->res[i].id, "host", pg->hosts[pg->res[i].host], "path", pg->res[i].path,
			"body_bytes", (json_int_t)q->body_bytes, "conn", q->conn, "new_conn", q->new_conn,
			"queued_ns", (json_int_t)q->queued_ns, "connect_ns", (json_int_t)q->connect_ns,
			"connected_ns", (json_int_t)q->connected_ns, "tls_done_ns", (json_int_t)q->tls_done_ns,
			"sent_ns", (json_int_t)q->sent_ns,
			"first_byte_ns", (json_int_t)q->first_byte_ns, "done_ns", (json_int_t)q->done_ns,
			"status", q->status));
	}
	size_t cc_n;
	char cc_used[16];
	fetch_cc_summary(r->fetch.conns, r->fetch.nconns, cc_used, &cc_n);
	struct link_late late;
	link_late_of(&r->up, &r->down, r->late_known, stall_limit_ns, &late);
	json_t *j = json_pack("{s:s, s:s, s:i, s:s, s:s, s:I, s:f, s:I, s:I, s:b, s:s, s:{s:I, s:I, s:I}, "
			 "s:{s:I, s:I}, s:I, s:I, s:I, s:I, s:o, s:o, s:I}",
			 "page", pg->name, "tfo", tfo, "tcp_fastopen", r->tfo_sysctl, "cc", s->tb->cc,
			 "cc_used", cc_used, "cc_read_back", (json_int_t)cc_n,
			 "plt_s", r->fetch.plt_ns / 1e9, "connections", (json_int_t)r->fetch.nconns,
			 "syn_data_acked", (json_int_t)r->fetch.conns_syn_data, "valid", r->valid,
			 "reason", r->reason,
			 "client_counters", "TCPFastOpenActive", (json_int_t)r->client.active,
			 "TCPFastOpenActiveFail", (json_int_t)r->client.active_fail,
			 "RetransSegs", (json_int_t)r->client.retrans_segs,
			 "link_drops", "up", (json_int_t)(r->up.drops_queue + r->up.drops_loss),
			 "down", (json_int_t)(r->down.drops_queue + r->down.drops_loss),
			 "fallbacks", (json_int_t)r->fallbacks,
			 "page_decoded_bytes", (json_int_t)page_total_bytes(pg),
			 "page_wire_bytes", (json_int_t)page_total_wire(pg),
			 "bytes_in", (json_int_t)r->fetch.bytes_rx,
			 "requests", reqs, "link_late", link_late_json(&late),
			 "steal_ms", (json_int_t)(r->steal_ns >= 0 ? r->steal_ns / 1000000 : -1));
	/* The browser's own: PLT is its loadEventEnd; requests of no resource. */
	json_object_update_new(j, json_pack("{s:s, s:f, s:I, s:I}", "fetcher",
		fetcher_name(browser ? FETCHER_CHROMIUM : FETCHER_BUILTIN),
		"load_event_s", r->fetch.load_event_ns >= 0 ? r->fetch.load_event_ns / 1e9 : -1.0,
		"extra_requests", (json_int_t)r->fetch.extra_requests,
		"kernel_active_opens", (json_int_t)r->client.active_opens));
	/* -1: not measured */
	json_object_update_new(j, json_pack("{s:s, s:o, s:I, s:I, s:f, s:f}", "tls", tls,
		"tls_connections", tls_json(pg, &r->fetch),
		"tls_resumed", (json_int_t)r->fetch.conns_resumed,
		"tls_early_accepted", (json_int_t)r->fetch.conns_early,
		"cpu_fetch_ms", r->cpu_fetch_ns >= 0 ? r->cpu_fetch_ns / 1e6 : -1.0,
		"cpu_origin_ms", r->cpu_origin_ns >= 0 ? r->cpu_origin_ns / 1e6 : -1.0));
	return j;
}

static void result_text(const struct page *pg, const struct session *s, const struct linkopts *lo,
			const char *backend, bool browser, const struct trial_result *r,
			int waterfall)
{
	char up[96], down[96];
	link_dir_format(&lo->link.up, up, sizeof(up));
	link_dir_format(&lo->link.down, down, sizeof(down));
	printf("page        %s: %zu resources, %zu hosts, %llu body bytes decoded, %llu on the wire\n",
	       pg->name, pg->n, pg->nhosts, (unsigned long long)page_total_bytes(pg),
	       (unsigned long long)page_total_wire(pg));
	printf("link        up %s, down %s; backend %s, cc %s\n", up, down, backend, s->tb->cc);
	printf("tfo         %s (net.ipv4.tcp_fastopen=%d)\n", tfo_mode_name(lo->tfo), r->tfo_sysctl);
	if (lo->tls != TLS_OFF)
		printf("tls         %s: %zu of %zu connections resumed, early data accepted on %zu\n",
		       tls_mode_title(lo->tls), r->fetch.conns_resumed, r->fetch.nconns,
		       r->fetch.conns_early);
	if (browser)
		printf("fetcher     chromium (PLT = Navigation Timing's loadEventEnd; %zu requests of "
		       "no resource of the page)\n", r->fetch.extra_requests);
	if (r->fetch.plt_ns >= 0)
		printf("PLT         %.3f s\n", r->fetch.plt_ns / 1e9);
	else
		printf("PLT         - (the load failed)\n");
	if (browser)
		printf("connections %zu used by the page's resources; the kernel counted %llu opened "
		       "(TcpActiveOpens), %llu with SYN data acked\n", r->fetch.nconns,
		       (unsigned long long)r->client.active_opens, (unsigned long long)r->client.active);
	else
		printf("connections %zu opened, %zu with SYN data acked\n", r->fetch.nconns,
		       r->fetch.conns_syn_data);
	size_t cc_n;
	char cc_used[16];
	fetch_cc_summary(r->fetch.conns, r->fetch.nconns, cc_used, &cc_n);
	printf("cc used     %s (TCP_CONGESTION read back from %zu of %zu connections)\n",
	       cc_used[0] ? cc_used : "-", cc_n, r->fetch.nconns);
	if (r->fallbacks)
		printf("fallbacks   %zu connections fell back to a plain handshake after drops on "
		       "the link, costing %.1f ms\n", r->fallbacks, r->fallback_ns / 1e6);
	printf("verdict     %s: %s\n", r->valid ? "valid" : "INVALID", r->reason);
	printf("kernel      client TCPFastOpenActive +%llu, ActiveFail +%llu; server Passive +%llu; "
	       "retransmitted segments +%llu\n",
	       (unsigned long long)r->client.active, (unsigned long long)r->client.active_fail,
	       (unsigned long long)r->server.passive,
	       (unsigned long long)(r->client.retrans_segs + r->server.retrans_segs));
	char cf[24] = "unknown", co[24] = "unknown";
	if (r->cpu_fetch_ns >= 0)
		snprintf(cf, sizeof(cf), "%.0f ms", r->cpu_fetch_ns / 1e6);
	if (r->cpu_origin_ns >= 0)
		snprintf(co, sizeof(co), "%.0f ms", r->cpu_origin_ns / 1e6);
	printf("cpu         fetcher %s, origin (nginx) %s\n", cf, co);
	printf("link drops  up %llu, down %llu\n",
	       (unsigned long long)(r->up.drops_queue + r->up.drops_loss),
	       (unsigned long long)(r->down.drops_queue + r->down.drops_loss));
	struct link_late late;
	link_late_of(&r->up, &r->down, r->late_known, lo->stall_limit_ns, &late);
	link_late_print(&late, "link late   ", stdout);
	if (waterfall && r->fetch.plt_ns > 0) {
		printf("\n");
		fetch_waterfall_print(pg, &r->fetch, stdout);
	}
}

/* What load_har needs besides the page and the result. */
struct load_args_har {
	const char *tfo, *tls, *backend, *cc;
	const struct link_params *link;
};

/*
 * load_har - the load @r of @pg as a HAR file at @path (results/har.h).
 * Returns 0 or a negative errno (logged).
 */
static int load_har(const char *path, const struct page *pg, const struct load_args_har *h,
		    const struct trial_result *r)
{
	const struct fetch_result *f = &r->fetch;
	struct har_req *q = calloc(f->n ? f->n : 1, sizeof(*q));
	char **urls = calloc(f->n ? f->n : 1, sizeof(*urls));
	int rc = -ENOMEM;
	if (!q || !urls)
		goto end;
	for (size_t i = 0; i < f->n; i++)
		if (asprintf(&urls[i], "%s://%s%s", har_scheme(h->tls), pg->hosts[pg->res[i].host],
			     pg->res[i].path) < 0) {
			urls[i] = NULL;
			goto end;
		}
	for (size_t i = 0; i < f->n; i++) {
		const struct fetch_req *x = &f->req[i];
		const struct page_res *res = &pg->res[i];
		q[i] = (struct har_req){
			.host = pg->hosts[res->host], .path = res->path,
			.parent_url = res->parent >= 0 ? urls[res->parent] : NULL,
			.ctype = res->ctype,
			.enc = res->enc != PAGE_ENC_IDENTITY ? page_enc_name(res->enc) : NULL,
			.status = x->status, .conn = x->conn, .new_conn = x->new_conn,
			.tfo = x->conn >= 0 && (size_t)x->conn < f->nconns && f->conns[x->conn].syn_data,
			.req_bytes = x->sent_ns >= 0 ? (int64_t)x->req_bytes : (int64_t)res->req_bytes,
			.resp_head_bytes = x->resp_bytes >= x->body_bytes && x->resp_bytes ?
					   (int64_t)(x->resp_bytes - x->body_bytes) : -1,
			.body_bytes = (int64_t)x->body_bytes, .decoded_bytes = (int64_t)res->body_bytes,
			.queued_ns = x->queued_ns, .connect_ns = x->connect_ns, .sent_ns = x->sent_ns,
			.first_byte_ns = x->first_byte_ns, .done_ns = x->done_ns,
			.connected_ns = x->connected_ns, .tls_done_ns = x->tls_done_ns,
		};
	}
	struct har_load l = {
		.page = pg->name, .started_unix_us = r->started_at_us, .plt_ns = f->plt_ns,
		.tfo = h->tfo, .tls = h->tls, .tfo_sysctl = r->tfo_sysctl, .valid = r->valid, .reason = r->reason,
		.rtt_ns = (int64_t)(h->link->up.delay_ns + h->link->down.delay_ns),
		.down_bps = (int64_t)h->link->down.rate_bps, .up_bps = (int64_t)h->link->up.rate_bps,
		.loss = h->link->down.loss, .backend = h->backend, .cc = h->cc,
		.n = f->n, .req = q,
	};
	rc = har_write_file(&l, path);
end:
	if (rc == -ENOMEM)
		log_err("%s: out of memory", path);
	for (size_t i = 0; urls && i < f->n; i++)
		free(urls[i]);
	free(urls);
	free(q);
	return rc;
}

struct load_args {
	struct linkopts lo;
	const char *page;
	const char *har;
	int per_conn, conns, json, waterfall, decoded;
	bool browser;      /* --browser chromium */
	uint64_t timeout_ns;
};

/*
 * load_parse - @argv into @a.  Returns -1 when the command is to run, else
 * the exit status to return at once: 0 after --help, 2 after a usage error
 * (said on stderr).
 */
static int load_parse(int argc, char **argv, struct load_args *a)
{
	enum { OPT_PER_CONN = 2000, OPT_CONNS, OPT_TIMEOUT, OPT_JSON, OPT_NO_WATERFALL, OPT_ENCODING,
	       OPT_HAR, OPT_BROWSER };
	static const struct option longopts[] = {
		LINKOPTS_LONG,
		{ "per-conn", required_argument, NULL, OPT_PER_CONN },
		{ "conns-per-host", required_argument, NULL, OPT_CONNS },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "encoding", required_argument, NULL, OPT_ENCODING },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "har", required_argument, NULL, OPT_HAR },
		{ "browser", required_argument, NULL, OPT_BROWSER },
		{ "no-waterfall", no_argument, NULL, OPT_NO_WATERFALL },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int opt, rc;
	uint64_t n;

	*a = (struct load_args){ .per_conn = 2, .conns = 6, .waterfall = 1,
				 .timeout_ns = 30ull * 1000000000 };
	linkopts_init(&a->lo);
	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		rc = linkopts_parse(&a->lo, "load", opt, optarg);
		if (rc < 0)
			return 2;
		if (rc > 0)
			continue;
		switch (opt) {
		case OPT_PER_CONN:
			if (!strcmp(optarg, "unlimited")) {
				a->per_conn = 0;
				break;
			}
			if (units_parse_count(optarg, 1, INT_MAX, &n) < 0) {
				fprintf(stderr, "tfolab load: --per-conn: \"%s\" is not a request count "
					"(use 1, 2, ... or unlimited)\n", optarg);
				return 2;
			}
			a->per_conn = (int)n;
			break;
		case OPT_CONNS:
			if (units_parse_count(optarg, 1, 64, &n) < 0) {
				fprintf(stderr, "tfolab load: --conns-per-host: \"%s\" is not a count "
					"(use 1 to 64)\n", optarg);
				return 2;
			}
			a->conns = (int)n;
			break;
		case OPT_TIMEOUT:
			if (units_parse_time(optarg, &a->timeout_ns) < 0 || !a->timeout_ns) {
				if (units_is_bare(optarg) && strcmp(optarg, "0"))
					fprintf(stderr, "tfolab load: --timeout: \"%s\" has no unit (write "
						"%ss)\n", optarg, optarg);
				else
					fprintf(stderr, "tfolab load: --timeout: \"%s\" is not a time above 0 "
						"(use %s)\n", optarg, UNITS_TIME_FORM);
				return 2;
			}
			break;
		case OPT_ENCODING:
			if ((rc = encoding_parse(optarg)) < 0) {
				fprintf(stderr, "tfolab load: --encoding: \"%s\" is not an encoding "
					"(use %s)\n", optarg, ENCODING_FORM);
				return 2;
			}
			a->decoded = rc == ENC_DECODED;
			break;
		case OPT_BROWSER:
			if ((rc = fetcher_parse(optarg)) < 0) {
				fprintf(stderr, "tfolab load: --browser: \"%s\" is not a fetcher "
					"(use " FETCHER_FORM ")\n", optarg);
				return 2;
			}
			a->browser = rc == FETCHER_CHROMIUM;
			break;
		case OPT_JSON:
			a->json = 1;
			break;
		case OPT_HAR:
			a->har = optarg;
			break;
		case OPT_NO_WATERFALL:
			a->waterfall = 0;
			break;
		default:
			if ((rc = cmd_opt_common("load", opt, argv, usage)) >= 0)
				return rc;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "tfolab load: give exactly one PAGE (see tfolab pages)\n");
		return 2;
	}
	a->page = argv[optind];
	if (a->browser && a->lo.tls != TLS_OFF) {
		fprintf(stderr, "tfolab load: --browser chromium runs over HTTP only (no --tls)\n");
		return 2;
	}
	return -1;
}

/* Prints the trial @r of @a in the form asked for. */
static void load_report(const struct load_args *a, const struct page *pg, const struct session *s,
			const char *backend, const struct trial_result *r)
{
	if (a->json) {
		json_t *j = result_json(pg, s, tfo_mode_name(a->lo.tfo), tls_mode_name(a->lo.tls),
					a->lo.stall_limit_ns, a->browser, r);
		json_dumpf(j, stdout, JSON_INDENT(2));
		printf("\n");
		json_decref(j);
	} else {
		result_text(pg, s, &a->lo, backend, a->browser, r, a->waterfall);
	}
}

int cmd_load(int argc, char **argv)
{
	struct load_args a;
	char path[PATH_MAX];
	struct page *pg;
	int rc = load_parse(argc, argv, &a);

	if (rc >= 0)
		return rc;
	if (pages_find(a.page, path, sizeof(path)) < 0 || page_parse(path, &pg) < 0)
		return 2;
	if (a.decoded)
		page_use_decoded(pg);
	const struct link_backend_ops *ops;
	if (cmd_prologue("load", &a.lo, BACKEND_AUTO, &ops) < 0) {
		page_free(pg);
		return 1;
	}
	struct session_opts so = {
		.pg = pg, .backend = ops, .link = a.lo.link, .cc = a.lo.cc, .fastopen_qlen = 4096,
		.tls = a.lo.tls,
		.seed = 1, .markup = a.browser,
	};
	struct session *s;
	if (session_up(&so, &s) < 0) {
		page_free(pg);
		return 1;
	}
	struct trial_opts to = {
		.tls = a.lo.tls,
		.sched = { .max_per_host = a.conns, .per_conn = a.per_conn, .follow_plan = true },
		.timeout_ns = a.timeout_ns, .browser = a.browser,
	};
	struct trial_result r;
	int exit_code = 1;
	/* With real cookies, a first load only fetches them. */
	if (trial_prepare(s, &to, a.lo.tfo) < 0 || proc_interrupted())
		goto end;
	if (trial_run(s, &to, &r) == 0) {
		load_report(&a, pg, s, ops->name, &r);
		struct load_args_har h = { .tfo = tfo_mode_name(a.lo.tfo),
					   .tls = tls_mode_name(a.lo.tls), .link = &a.lo.link,
					   .backend = ops->name, .cc = s->tb->cc };
		int hrc = a.har ? load_har(a.har, pg, &h, &r) : 0;
		if (!r.valid)
			log_err("the trial is invalid: %s", r.reason);
		exit_code = r.valid && hrc == 0 ? 0 : 1;
		trial_result_release(&r);
	}
end:
	session_down(s);
	page_free(pg);
	return exit_code;
}
