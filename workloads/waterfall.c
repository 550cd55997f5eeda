/* A text waterfall of one page load, for eyes and for diffs. */
#include "workloads/fetch.h"

#include <errno.h>
#include <string.h>

#define BAR 60

static void paint(char *bar, int64_t from, int64_t to, int64_t span, char ch)
{
	if (from < 0 || to < 0 || to < from)
		return;
	int a = (int)(from * BAR / span), b = (int)(to * BAR / span);
	if (a >= BAR)
		a = BAR - 1;
	if (b >= BAR)
		b = BAR - 1;
	for (int i = a; i <= b; i++)
		bar[i] = ch;
}

int fetch_waterfall_print(const struct page *pg, const struct fetch_result *r,
			  FILE *f)
{
	/* A failed load has no PLT: scale to the last thing that happened. */
	int64_t span = r->plt_ns;
	for (size_t i = 0; i < r->n; i++) {
		const struct fetch_req *q = &r->req[i];
		int64_t t[] = { q->queued_ns, q->sent_ns, q->first_byte_ns,
				q->done_ns };
		for (size_t k = 0; k < 4; k++)
			if (t[k] > span)
				span = t[k];
	}
	if (span <= 0)
		span = 1;
	int tls = 0;  /* the legend names the TLS phase when some load has one */
	for (size_t i = 0; i < r->n; i++)
		tls |= r->req[i].new_conn && r->req[i].tls_done_ns >= 0;
	fprintf(f, "# %s: PLT %.1f ms, %zu requests, %zu connections "
		"(%zu with SYN data acked), %llu bytes in%s%s\n",
		pg->name ? pg->name : "page", (double)r->plt_ns / 1e6, r->n,
		r->nconns, r->conns_syn_data, (unsigned long long)r->bytes_rx,
		r->error[0] ? ", FAILED: " : "", r->error);
	fprintf(f, "# . queued  c connecting  %sw waiting  r receiving; "
		"one column = %.2f ms\n", tls ? "s secure (TLS handshake)  " : "",
		(double)span / BAR / 1e6);
	for (size_t i = 0; i < r->n && i < pg->n; i++) {
		const struct fetch_req *q = &r->req[i];
		const struct page_res *p = &pg->res[i];
		char bar[BAR + 1];
		memset(bar, ' ', BAR);
		bar[BAR] = 0;
		int64_t end = q->done_ns >= 0 ? q->done_ns : span;
		paint(bar, q->queued_ns, end, span, '.');
		int64_t start = q->sent_ns >= 0 ? q->sent_ns : q->connect_ns;
		paint(bar, start, q->first_byte_ns >= 0 ? q->first_byte_ns :
		      end, span, 'w');
		/* Connecting is the time before the request could go out: with
		 * TFO it rides the SYN, so the handshake counts as waiting. */
		int64_t cend = q->connected_ns;
		if (q->sent_ns >= 0 && (cend < 0 || q->sent_ns < cend))
			cend = q->sent_ns;
		if (q->new_conn)
			paint(bar, q->connect_ns, cend, span, 'c');
		/* Then TLS's handshake, until the request could be sent: with
		 * early data (1.3-early) it went out before, and the handshake
		 * counts as waiting, as TCP's does with TFO. */
		int64_t send_at = q->sent_ns >= 0 ? q->sent_ns : q->tls_done_ns;
		if (q->new_conn && q->tls_done_ns >= 0 && q->connected_ns >= 0 &&
		    send_at > q->connected_ns)
			paint(bar, q->connected_ns, send_at < q->tls_done_ns ? send_at : q->tls_done_ns,
			      span, 's');
		paint(bar, q->first_byte_ns, q->done_ns, span, 'r');
		char name[41];
		snprintf(name, sizeof(name), "%s%s", pg->hosts[p->host],
			 p->path);
		fprintf(f, "%-6.6s %-40s c%-3d%c |%s| %8.1f ms\n", p->id, name,
			q->conn, q->new_conn ? '+' : ' ', bar,
			q->done_ns >= 0 ? (double)q->done_ns / 1e6 : -1.0);
	}
	return ferror(f) ? -EIO : 0;
}
