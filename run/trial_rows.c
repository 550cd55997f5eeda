/* A trial's rows for the store; see run/trial_rows.h. */
#include "run/trial_rows.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* The fetcher's connections as rows (borrowing their strings). */
static void conns_fill(const struct page *pg, const struct fetch_result *f, struct store_conn *out)
{
	for (size_t i = 0; i < f->nconns; i++) {
		const struct fetch_conn *c = &f->conns[i];
		bool tls = c->tls.version != 0;  /* TLS was negotiated */
		out[i] = (struct store_conn){
			.conn_id = (int)i,
			.host = c->host >= 0 && (size_t)c->host < pg->nhosts ? pg->hosts[c->host] : NULL,
			.connect_ns = c->connect_ns, .connected_ns = c->connected_ns,
			.tls_done_ns = tls ? c->tls_done_ns : -1, .closed_ns = c->closed_ns,
			.syn_data = c->syn_data, .requests = (int)c->requests,
			.cc = c->cc[0] ? c->cc : NULL,
			.tls_version = c->tls.version, .tls_resumed = tls && c->tls.resumed,
			/* tls_early_name's words are the CHECK of connections.tls_early */
			.tls_early = tls ? tls_early_name(c->tls.early) : NULL,
			.tls_cipher = tls && c->tls.cipher[0] ? c->tls.cipher : NULL,
			.tls_group = tls && c->tls.group[0] ? c->tls.group : NULL,
		};
	}
}

/* The requests as rows: a request that opened its connection carries the
 * connection's SYN data verdict and TLS time. */
static void reqs_fill(const struct page *pg, const struct fetch_result *f, struct store_request *out)
{
	for (size_t i = 0; i < f->n && i < pg->n; i++) {
		const struct fetch_req *q = &f->req[i];
		bool own = q->new_conn && q->conn >= 0 && (size_t)q->conn < f->nconns;
		out[i] = (struct store_request){
			.res_idx = (int)i, .res_id = pg->res[i].id, .host = pg->hosts[pg->res[i].host],
			.path = pg->res[i].path, .conn_id = q->conn, .new_conn = q->new_conn,
			.syn_data = own && f->conns[q->conn].syn_data,
			.queued_ns = q->queued_ns, .connect_start_ns = q->connect_ns,
			.connected_ns = q->connected_ns, .req_sent_ns = q->sent_ns,
			.first_byte_ns = q->first_byte_ns, .last_byte_ns = q->done_ns,
			.body_bytes = (int64_t)q->body_bytes, .status = q->status,
			.tls_done_ns = own && f->conns[q->conn].tls.version ? q->tls_done_ns : -1,
		};
	}
}

/* The end of the last response of @n requests; -1 if none ended. */
static int64_t last_response(const struct store_request *reqs, size_t n)
{
	int64_t last = -1;
	for (size_t i = 0; i < n; i++)
		if (reqs[i].last_byte_ns > last)
			last = reqs[i].last_byte_ns;
	return last;
}

int trial_rows_make(const struct page *pg, const struct trial_result *t, int seq,
		    struct trial_rows *out)
{
	const struct fetch_result *f = &t->fetch;
	memset(out, 0, sizeof(*out));
	out->n = f->n < pg->n ? f->n : pg->n;
	out->reqs = calloc(out->n ? out->n : 1, sizeof(*out->reqs));
	out->conns = calloc(f->nconns ? f->nconns : 1, sizeof(*out->conns));
	if (!out->reqs || !out->conns) {
		trial_rows_release(out);
		return -ENOMEM;
	}
	reqs_fill(pg, f, out->reqs);
	conns_fill(pg, f, out->conns);
	out->trial = (struct store_trial){
		.seq = seq, .started_at = t->started_at_us * 1000, .plt_ns = f->plt_ns, .valid = t->valid,
		.invalid_reason = t->valid ? NULL : t->reason,
		.tfo_active = (int64_t)t->client.active, .tfo_active_fail = (int64_t)t->client.active_fail,
		.tfo_passive = (int64_t)t->server.passive, .tfo_passive_fail = (int64_t)t->server.passive_fail,
		.tfo_cookie_reqd = (int64_t)t->client.cookie_reqd,
		.syn_data_acked_conns = (int64_t)f->conns_syn_data, .conns_opened = (int64_t)f->nconns,
		.bytes_total = (int64_t)(f->bytes_rx + f->bytes_tx),
		.retrans_segs = (int64_t)(t->client.retrans_segs + t->server.retrans_segs),
		.link_drops = (int64_t)(t->up.drops_queue + t->up.drops_loss + t->down.drops_queue +
					t->down.drops_loss),
		.stalled = t->stalled, .steal_ns = t->steal_ns,
		.cc_used = f->cc_used[0] ? f->cc_used : NULL, /* read back per connection */
		/* Fallbacks only exist where the client sends SYN data. */
		.fallbacks = (t->tfo_sysctl & 0x1) ? (int64_t)t->fallbacks : -1,
		.fallback_ns = (t->tfo_sysctl & 0x1) ? t->fallback_ns : -1,
		.cpu_fetch_ns = t->cpu_fetch_ns, .cpu_origin_ns = t->cpu_origin_ns,
		/* A load event never ends at the trial's start: 0 is a zeroed
		 * field, the builtin fetcher's "none". */
		.load_event_ns = t->load_event_ns > 0 ? t->load_event_ns : -1,
		.last_response_ns = last_response(out->reqs, out->n),
		.conns = out->conns, .n_conns = f->nconns,
	};
	const struct link_stats *d[2] = { [STORE_DIR_UP] = &t->up, [STORE_DIR_DOWN] = &t->down };
	for (int i = 0; i < 2; i++)
		out->link[i] = (struct store_link_stats){
			.pkts = (int64_t)d[i]->pkts, .bytes = (int64_t)d[i]->bytes,
			.drops_queue = (int64_t)d[i]->drops_queue, .drops_loss = (int64_t)d[i]->drops_loss,
			.max_queue_pkts = d[i]->max_queue_pkts, .max_queue_bytes = (int64_t)d[i]->max_queue_bytes,
			.late_pkts = t->late_known ? (int64_t)d[i]->late_pkts : -1,
			.late_ns = t->late_known ? (int64_t)d[i]->late_ns : -1,
			.late_max_ns = t->late_known ? (int64_t)d[i]->late_max_ns : -1,
		};
	return 0;
}

void trial_rows_release(struct trial_rows *rows)
{
	free(rows->reqs);
	free(rows->conns);
	memset(rows, 0, sizeof(*rows));
}
