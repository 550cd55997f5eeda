#include "cli/bench/bench_parse.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

/* One reply line: "64 bytes from 198.18.0.2: icmp_seq=1 ttl=64 time=12.2 ms". */
static void ping_reply(const char *line, struct bench_ping *out)
{
	const char *t = strstr(line, " time=");
	if (!t || !strstr(line, " bytes from "))
		return;
	t += 6;
	char *end;
	double v = strtod(t, &end);
	if (end == t || !(v >= 0))
		return;
	const char *dot = memchr(t, '.', (size_t)(end - t));
	double res = dot ? pow(10, -(double)(end - dot - 1)) : 1;
	if (res > out->reply_res_ms)
		out->reply_res_ms = res;
	if (out->nreplies < BENCH_PING_MAX_REPLIES)
		out->reply_ms[out->nreplies++] = v;
}

/* "rtt min/avg/max/mdev = 1/2/3/4 ms"; busybox: "round-trip min/avg/max =
 * 1/2/3 ms", without mdev (NAN). */
static int ping_rtt(const char *line, struct bench_ping *out)
{
	const char *eq = strchr(line, '=');
	if (!eq)
		return -EINVAL;
	int n = sscanf(eq + 1, " %lf/%lf/%lf/%lf", &out->min_ms, &out->avg_ms, &out->max_ms,
		       &out->mdev_ms);
	if (n < 3)
		return -EINVAL;
	if (n == 3)
		out->mdev_ms = NAN;
	return 0;
}

int bench_ping_parse(const char *text, struct bench_ping *out)
{
	int have_count = 0, have_rtt = 0;
	char line[512];

	memset(out, 0, sizeof(*out));
	for (const char *p = text; *p;) {
		size_t len = strcspn(p, "\n");
		/* Longer lines are no line of ping's; their head is enough. */
		size_t n = len < sizeof(line) - 1 ? len : sizeof(line) - 1;
		memcpy(line, p, n);
		line[n] = 0;
		p += len + (p[len] == '\n');
		if (strstr(line, " packets transmitted, ")) {
			/* "5 packets transmitted, 3 received, +2 errors, 40% packet loss" */
			/* busybox: "1 packets transmitted, 1 packets received" */
			if (sscanf(line, "%d packets transmitted, %d", &out->transmitted,
				   &out->received) != 2)
				return -EINVAL;
			have_count = 1;
		} else if (strstr(line, "min/avg/max")) {
			if (ping_rtt(line, out) < 0)
				return -EINVAL;
			have_rtt = 1;
		} else {
			ping_reply(line, out);
		}
	}
	if (!have_count)
		return -EINVAL;
	if (out->received == 0)
		return -ENODATA;
	return have_rtt ? 0 : -EINVAL;
}

/* The number at @obj.@a.@b, or NAN (and @err says which is missing). */
static double number_at(json_t *obj, const char *a, const char *b, char *err, int errlen)
{
	json_t *v = json_object_get(json_object_get(obj, a), b);
	if (!json_is_number(v)) {
		snprintf(err, errlen, "iperf3 JSON: no number at end.%s.%s", a, b);
		return NAN;
	}
	return json_number_value(v);
}

int bench_iperf_parse(const char *json, struct bench_iperf *out, char *err, int errlen)
{
	json_error_t je;
	json_t *root = json_loads(json, 0, &je);
	int rc = -EINVAL;

	memset(out, 0, sizeof(*out));
	out->retransmits = -1;
	if (!root) {
		snprintf(err, errlen, "iperf3 JSON: line %d: %s", je.line, je.text);
		return -EINVAL;
	}
	if (!json_is_object(root)) {
		snprintf(err, errlen, "iperf3 JSON: not an object");
		goto end;
	}
	json_t *e = json_object_get(root, "error");
	if (json_is_string(e)) {
		snprintf(err, errlen, "iperf3: %s", json_string_value(e));
		rc = -EIO;
		goto end;
	}
	json_t *end = json_object_get(root, "end");
	if (!json_is_object(end)) {
		snprintf(err, errlen, "iperf3 JSON: no \"end\" object");
		goto end;
	}
	out->recv_bps = number_at(end, "sum_received", "bits_per_second", err, errlen);
	out->recv_seconds = number_at(end, "sum_received", "seconds", err, errlen);
	out->sent_bps = number_at(end, "sum_sent", "bits_per_second", err, errlen);
	if (isnan(out->recv_bps) || isnan(out->recv_seconds) || isnan(out->sent_bps))
		goto end;
	json_t *r = json_object_get(json_object_get(end, "sum_sent"), "retransmits");
	if (json_is_integer(r))
		out->retransmits = json_integer_value(r);
	rc = 0;
end:
	json_decref(root);
	return rc;
}
