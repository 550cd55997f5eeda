/*
 * HAR 1.2 export of one load; what goes where is in results/har.h.
 */
#include "results/har.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "common/version.h"

/* ISO 8601 in UTC with milliseconds, as Chrome writes it. */
static void iso_time(int64_t unix_us, char *buf, size_t len)
{
	time_t t = (time_t)(unix_us / 1000000);
	struct tm tm;
	if (!gmtime_r(&t, &tm)) {
		snprintf(buf, len, "1970-01-01T00:00:00.000Z");
		return;
	}
	size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%03dZ", (int)(unix_us / 1000 % 1000));
}

/* ns to ms with 3 decimals, through integer microseconds. */
static json_t *ms(int64_t us)
{
	return json_real((double)us / 1000.0);
}

static int64_t at_least(int64_t t, int64_t floor)
{
	return t < floor ? floor : t;
}

const char *har_scheme(const char *tls)
{
	return tls && strcmp(tls, "off") ? "https" : "http";
}

/*
 * The ssl timing (µs) inside the connect part [@t1, @t2]: from the TCP
 * handshake's end to TLS's, clamped into it; -1 without a TLS handshake of
 * its own (a reused connection, plain HTTP).
 */
static int64_t ssl_us(const struct har_req *q, int64_t t1, int64_t t2)
{
	if (!q->new_conn || q->tls_done_ns < 0 || q->connected_ns < 0)
		return -1;
	int64_t a = at_least(q->connected_ns / 1000, t1);
	int64_t b = at_least(q->tls_done_ns / 1000, a);
	a = a > t2 ? t2 : a;
	b = b > t2 ? t2 : b;
	return b - a;
}

static json_t *header(const char *name, const char *value)
{
	return json_pack("{s:s, s:s}", "name", name, "value", value);
}

static json_t *entry(const struct har_load *l, const struct har_req *q)
{
	/* a monotone chain in microseconds: every part >= 0, sum = time */
	int64_t t0 = at_least(q->queued_ns, 0) / 1000;
	int64_t t1 = at_least((q->new_conn && q->connect_ns >= 0 ? q->connect_ns : q->sent_ns) / 1000, t0);
	int64_t t2 = at_least(q->sent_ns / 1000, t1);
	int64_t t3 = at_least(q->first_byte_ns / 1000, t2);
	int64_t t4 = at_least(q->done_ns / 1000, t3);
	int64_t ssl = ssl_us(q, t1, t2);
	char start[40], url[64 + 4096], conn[24];
	iso_time(l->started_unix_us + t0, start, sizeof(start));
	snprintf(url, sizeof(url), "%s://%s%s", har_scheme(l->tls), q->host, q->path);
	snprintf(conn, sizeof(conn), "%d", q->conn);
	json_t *rh = json_array();
	if (q->enc)
		json_array_append_new(rh, header("Content-Encoding", q->enc));
	if (q->ctype)
		json_array_append_new(rh, header("Content-Type", q->ctype));
	json_t *e = json_pack(
		"{s:s, s:s, s:o, s:{s:s, s:s, s:s, s:[], s:[], s:[], s:I, s:i},"
		" s:{s:i, s:s, s:s, s:[], s:o, s:{s:I, s:s}, s:s, s:I, s:I},"
		" s:{}, s:{s:o, s:i, s:o, s:o, s:o, s:o, s:o}, s:s, s:b, s:b}",
		"pageref", "page_1", "startedDateTime", start, "time", ms(t4 - t0),
		"request", "method", "GET", "url", url, "httpVersion", "HTTP/1.1",
		"cookies", "headers", "queryString", "headersSize", (json_int_t)q->req_bytes,
		"bodySize", 0,
		"response", "status", q->status, "statusText", q->status == 200 ? "OK" : "",
		"httpVersion", "HTTP/1.1", "cookies", "headers", rh,
		"content", "size", (json_int_t)(q->decoded_bytes >= 0 ? q->decoded_bytes : q->body_bytes),
		"mimeType", q->ctype ? q->ctype : "", "redirectURL", "",
		"headersSize", (json_int_t)q->resp_head_bytes, "bodySize", (json_int_t)q->body_bytes,
		"cache",
		"timings", "blocked", ms(t1 - t0), "dns", -1, "connect", ms(t2 - t1),
		"ssl", ssl >= 0 ? ms(ssl) : json_integer(-1),
		"send", ms(0), "wait", ms(t3 - t2), "receive", ms(t4 - t3),
		"connection", conn, "_tfo", q->tfo, "_new_connection", q->new_conn);
	if (e && q->parent_url)
		json_object_set_new(e, "_initiator", json_string(q->parent_url));
	return e;
}

json_t *har_build(const struct har_load *l)
{
	char start[40];
	iso_time(l->started_unix_us, start, sizeof(start));
	json_t *entries = json_array();
	for (size_t i = 0; entries && i < l->n; i++) {
		json_t *e = entry(l, &l->req[i]);
		if (!e || json_array_append_new(entries, e) < 0) {
			json_decref(entries);
			return NULL;
		}
	}
	return json_pack(
		"{s:{s:s, s:{s:s, s:s}, s:[{s:s, s:s, s:s, s:{s:i, s:o},"
		" s:s, s:i, s:s, s:b, s:s, s:{s:f, s:I, s:I, s:f, s:s, s:s}}], s:o}}",
		"log", "version", "1.2", "creator", "name", "tfolab", "version", TFOLAB_GIT_DESCRIBE,
		"pages", "startedDateTime", start, "id", "page_1", "title", l->page,
		"pageTimings", "onContentLoad", -1,
		"onLoad", l->plt_ns >= 0 ? ms(l->plt_ns / 1000) : json_integer(-1),
		"_tfo", l->tfo ? l->tfo : "", "_tcp_fastopen", l->tfo_sysctl,
		"_tls", l->tls ? l->tls : "off", "_valid", l->valid,
		"_reason", l->reason ? l->reason : "",
		"_link", "rtt_ms", l->rtt_ns / 1e6, "down_bps", (json_int_t)l->down_bps,
		"up_bps", (json_int_t)l->up_bps, "loss", l->loss,
		"backend", l->backend ? l->backend : "", "cc", l->cc ? l->cc : "",
		"entries", entries);
}

int har_write_file(const struct har_load *l, const char *path)
{
	json_t *j = har_build(l);
	if (!j) {
		log_err("%s: out of memory", path);
		return -ENOMEM;
	}
	int to_stdout = !strcmp(path, "-");
	FILE *f = to_stdout ? stdout : fopen(path, "w");
	int rc = 0;
	if (!f) {
		rc = -errno;
		log_err("%s: open: %s", path, strerror(errno));
	} else {
		if (json_dumpf(j, f, JSON_INDENT(2) | JSON_REAL_PRECISION(12)) < 0 ||
		    fputc('\n', f) == EOF)
			rc = -EIO;
		if (!to_stdout && fclose(f) != 0 && rc == 0)
			rc = -EIO;
		else if (to_stdout && fflush(f) != 0)
			rc = -EIO;
		if (rc < 0)
			log_err("%s: write: %s", path, strerror(EIO));
	}
	json_decref(j);
	return rc;
}
