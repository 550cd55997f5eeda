/*
 * tfolab har [--db PATH] [--run ID] --trial ID [-o FILE]
 * - one stored trial as a HAR 1.2 file (results/har.h), for DevTools and
 * HAR viewers.  When the trial's page is found (tfolab pages) and has as
 * many resources as the trial has requests, its content types, encodings,
 * decoded sizes and parents go in too.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/prologue/prologue.h"
#include "common/log.h"
#include "results/har.h"
#include "results/store.h"
#include "workloads/page.h"
#include "workloads/pages.h"
#include "common/units.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: tfolab har [--db PATH] [--run ID] --trial ID [-o FILE]\n"
		"Write one stored trial (its id in the trials table) as a HAR 1.2 file.\n"
		"  --db PATH     the result database (default %s)\n"
		"  --run ID      the run the trial belongs to (default: the latest run)\n"
		"  --trial ID    the trial\n"
		"  -o FILE       where to write it (default '-', stdout)\n"
		"Exit status: 0, 1 when the trial cannot be read or written, 2 on a usage error.\n",
		STORE_DEFAULT_PATH);
}

static int parse_id(const char *what, const char *s, int64_t *out)
{
	uint64_t v;
	if (units_parse_count(s, 1, INT64_MAX, &v) < 0) {
		fprintf(stderr, "tfolab har: %s: \"%s\" is not an id (1, 2, ...)\n", what, s);
		return -1;
	}
	*out = v;
	return 0;
}

/* The request's entry, enriched from the page's resource res when not NULL. */
static struct har_req to_har(const struct store_request *q, const struct page_res *res,
			     char **urls)
{
	return (struct har_req){
		.host = q->host, .path = q->path ? q->path : "/",
		.parent_url = res && res->parent >= 0 ? urls[res->parent] : NULL,
		.ctype = res ? res->ctype : NULL,
		.enc = res && res->enc != PAGE_ENC_IDENTITY ? page_enc_name(res->enc) : NULL,
		.status = q->status, .conn = q->conn_id, .new_conn = q->new_conn, .tfo = q->syn_data,
		.req_bytes = res ? (int64_t)res->req_bytes : -1, .resp_head_bytes = -1,
		.body_bytes = q->body_bytes, .decoded_bytes = res ? (int64_t)res->body_bytes : -1,
		.queued_ns = q->queued_ns, .connect_ns = q->connect_start_ns,
		.sent_ns = q->req_sent_ns, .first_byte_ns = q->first_byte_ns,
		.done_ns = q->last_byte_ns, .connected_ns = q->connected_ns,
		.tls_done_ns = q->tls_done_ns,
	};
}

/* Writes trial ti of condition c to out.  0 or a negative errno (logged). */
static int write_trial(struct store *st, int64_t trial_id, const struct store_trial_info *ti,
		       const struct store_condition *c, const char *out)
{
	struct store_request *rq = NULL;
	size_t n = 0;
	int rc = store_trial_requests(st, trial_id, &rq, &n);
	if (rc < 0)
		return rc;
	char path[PATH_MAX];
	struct page *pg = NULL;
	if (pages_find(c->page, path, sizeof(path)) < 0 || page_parse(path, &pg) < 0 || pg->n != n) {
		log_warn("har: page %s not found as stored (or changed): no content types, "
			 "encodings or parents", c->page);
		page_free(pg);
		pg = NULL;
	}
	struct har_req *q = calloc(n ? n : 1, sizeof(*q));
	char **urls = calloc(n ? n : 1, sizeof(*urls));
	rc = q && urls ? 0 : -ENOMEM;
	for (size_t i = 0; rc == 0 && pg && i < n; i++)
		if (asprintf(&urls[i], "%s://%s%s", har_scheme(tls_mode_name(c->tls)),
			     pg->hosts[pg->res[i].host], pg->res[i].path) < 0) {
			urls[i] = NULL;
			rc = -ENOMEM;
		}
	for (size_t i = 0; rc == 0 && i < n; i++)
		q[i] = to_har(&rq[i], pg && rq[i].res_idx >= 0 && (size_t)rq[i].res_idx < n ?
			      &pg->res[rq[i].res_idx] : NULL, urls);
	if (rc == 0) {
		struct har_load l = {
			.page = c->page, .started_unix_us = ti->started_at >= 0 ? ti->started_at / 1000 : 0,
			.plt_ns = ti->plt_ns, .tfo = tfo_mode_name(c->tfo_mode),
			.tls = tls_mode_name(c->tls),
			.tfo_sysctl = c->tfo_sysctl, .valid = ti->valid,
			.reason = ti->invalid_reason, .rtt_ns = c->rtt_ns, .down_bps = c->down_bps,
			.up_bps = c->up_bps, .loss = c->loss, .backend = c->backend, .cc = c->cc,
			.n = n, .req = q,
		};
		rc = har_write_file(&l, out);
	} else {
		log_err("har: out of memory");
	}
	for (size_t i = 0; urls && i < n; i++)
		free(urls[i]);
	free(urls);
	free(q);
	page_free(pg);
	store_requests_free(rq, n);
	return rc;
}

int cmd_har(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "run", required_argument, NULL, 'r' },
		{ "trial", required_argument, NULL, 't' },
		{ "output", required_argument, NULL, 'o' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *db = STORE_DEFAULT_PATH, *out = "-";
	int64_t run_id = 0, trial_id = 0;
	int opt, rc;

	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "o:vh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'd':
			db = optarg;
			break;
		case 'r':
			if (parse_id("--run", optarg, &run_id) < 0)
				return 2;
			break;
		case 't':
			if (parse_id("--trial", optarg, &trial_id) < 0)
				return 2;
			break;
		case 'o':
			out = optarg;
			break;
		default:
			if ((rc = cmd_opt_common("har", opt, argv, usage)) >= 0)
				return rc;
		}
	}
	if (optind != argc || !trial_id) {
		fprintf(stderr, "tfolab har: %s (see tfolab har --help)\n",
			optind != argc ? "unexpected argument" : "--trial ID is missing");
		return 2;
	}
	if (access(db, F_OK) < 0) {
		log_err("har: no result database at %s (pass --db PATH)", db);
		return 1;
	}
	struct store *st;
	if (store_open(db, &st) < 0)
		return 1;
	struct store_trial_info ti = { 0 };
	struct store_condition *conds = NULL;
	size_t nc = 0;
	rc = run_id ? 0 : store_run_latest(st, &run_id);
	if (rc == -ENOENT)
		log_err("har: the database %s holds no runs", db);
	if (rc == 0 && (rc = store_trial_find(st, trial_id, &ti)) == -ENOENT)
		log_err("har: %s: no trial %lld", db, (long long)trial_id);
	if (rc == 0 && ti.run_id != run_id) {
		log_err("har: trial %lld belongs to run %lld, not run %lld", (long long)trial_id,
			(long long)ti.run_id, (long long)run_id);
		rc = -ENOENT;
	}
	if (rc == 0)
		rc = store_conditions_list(st, run_id, &conds, &nc);
	const struct store_condition *c = NULL;
	for (size_t i = 0; rc == 0 && i < nc; i++)
		if (conds[i].id == ti.cond_id)
			c = &conds[i];
	if (rc == 0 && !c) {
		log_err("har: trial %lld: its condition is missing", (long long)trial_id);
		rc = -ENOENT;
	}
	if (rc == 0)
		rc = write_trial(st, trial_id, &ti, c, out);
	store_conditions_free(conds, nc);
	free(ti.invalid_reason);
	store_close(st);
	return rc < 0 ? 1 : 0;
}
