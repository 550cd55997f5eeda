/*
 * The keys of an experiment file: their names, how one item of each is
 * parsed, the words of their error messages, and their defaults, written
 * as text so that they go through the same parsers.
 */
#include "run/expkey.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "common/units.h"
#include "common/vocab.h"
#include "emulator/preset.h"
#include "run/experiment.h"

static int parse_page(const char *s, union key_val *v)
{
	return strlen(s) < CONDITION_PAGE_MAX ? 0 : -ERANGE;
}

static int parse_rtt(const char *s, union key_val *v)
{
	int rc = units_parse_time(s, &v->u);
	if (rc == 0 && v->u > 2 * LINK_MAX_DELAY_NS)
		rc = -ERANGE;
	return rc;
}

static int parse_rate(const char *s, union key_val *v)
{
	return units_parse_rate(s, &v->u);
}

/* "auto" = both limits 0, which link_params_finish() turns into a large buffer. */
static int parse_queue(const char *s, union key_val *v)
{
	char buf[64];

	if (strcmp(s, "auto") == 0)
		return 0;
	if (strlen(s) >= sizeof(buf) || strchr(s, ','))
		return -EINVAL;
	strcpy(buf, s);
	/* '+' joins a packet and a byte limit, since ',' separates list items. */
	char *plus = strchr(buf, '+');
	if (plus)
		*plus = ',';
	return units_parse_queue(buf, &v->q.pkts, &v->q.bytes);
}

static int parse_loss(const char *s, union key_val *v)
{
	return units_parse_percent(s, &v->d);
}

static int parse_per_conn(const char *s, union key_val *v)
{
	if (strcmp(s, "unlimited") == 0)
		return 0;
	return units_parse_count(s, 1, 1000000, &v->u);
}

static int parse_conns(const char *s, union key_val *v)
{
	return units_parse_count(s, 1, 256, &v->u);
}

/* An enum's value from a parser of common/vocab.h (the value, or -EINVAL). */
static int set_index(int i, union key_val *v)
{
	if (i < 0)
		return i;
	v->u = (uint64_t)i;
	return 0;
}

static int parse_tfo(const char *s, union key_val *v)
{
	return set_index(tfo_mode_parse(s), v);
}

static int parse_tls(const char *s, union key_val *v)
{
	return set_index(tls_mode_parse(s), v);
}

static int parse_fetcher(const char *s, union key_val *v)
{
	return set_index(fetcher_parse(s), v);
}

static int parse_backend(const char *s, union key_val *v)
{
	return set_index(backend_parse(s), v);
}

static int parse_encoding(const char *s, union key_val *v)
{
	return set_index(encoding_parse(s), v);
}

static int parse_trials(const char *s, union key_val *v)
{
	return units_parse_count(s, 1, 100000, &v->u);
}

static int parse_warmup(const char *s, union key_val *v)
{
	return units_parse_count(s, 0, 100000, &v->u);
}

static int parse_timeout(const char *s, union key_val *v)
{
	int rc = units_parse_time(s, &v->u);
	if (rc == 0 && (v->u == 0 || v->u > 3600ull * 1000 * 1000 * 1000))
		rc = -ERANGE;
	return rc;
}

/* 'off' is 0: no trial counts as stalled. */
static int parse_stall_limit(const char *s, union key_val *v)
{
	if (strcmp(s, "off") == 0) {
		v->u = 0;
		return 0;
	}
	/* Below LINK_LATE_NS every trial would stall; above the longest delay
	 * no packet could. */
	int rc = units_parse_time(s, &v->u);
	if (rc == 0 && (v->u < LINK_LATE_NS || v->u > LINK_MAX_DELAY_NS))
		rc = -ERANGE;
	return rc;
}

/* A word of @extra and alphanumerics, shorter than @max. */
static int parse_word(const char *s, const char *extra, size_t max)
{
	if (!*s)
		return -EINVAL;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || strchr(extra, *p)))
			return -EINVAL;
	return strlen(s) < max ? 0 : -ERANGE;
}

static int parse_cc(const char *s, union key_val *v)
{
	return parse_word(s, "_-", CONDITION_CC_MAX);
}

/* The index of the preset in link_presets[]. */
static int parse_preset(const char *s, union key_val *v)
{
	const struct link_preset *p = link_preset_find(s);
	if (!p)
		return -EINVAL;
	v->u = (uint64_t)(p - link_presets);
	return 0;
}

/* Names end up in file names and run ids: keep them plain. */
static int parse_name(const char *s, union key_val *v)
{
	return parse_word(s, "._-", 65);
}

static int parse_text(const char *s, union key_val *v)
{
	return 0;
}

#define QUEUE_FORM "a queue limit such as 1000p, 1.5MB, 1000p+1.5MB, or 'auto'"
#define COUNT_FORM "a whole number such as "

const struct key_def expkeys[K_COUNT] = {
	[K_PAGES] = { "pages", NULL, KIND_LIST, parse_page, "a page",
		      "built-in page names or paths of .page files, separated by commas",
		      "a name or path shorter than 256 characters", NULL },
	[K_RTT] = { "rtt", NULL, KIND_LIST, parse_rtt, "a time", UNITS_TIME_FORM,
		    "a round-trip time from 0 to 20s", "100ms" },
	[K_DOWN] = { "down", NULL, KIND_LIST, parse_rate, "a rate", UNITS_RATE_FORM,
		     "a rate above 0, or 'unlimited'", "4mbit" },
	[K_UP] = { "up", NULL, KIND_LIST, parse_rate, "a rate", UNITS_RATE_FORM,
		   "a rate above 0, or 'unlimited'", "256kbit" },
	[K_QUEUE] = { "queue", NULL, KIND_LIST, parse_queue, "a queue limit", QUEUE_FORM,
		      "a limit above 0 packets and 0 bytes, and at most 4294967295p, or 'auto'",
		      "auto" },
	[K_LOSS] = { "loss", NULL, KIND_LIST, parse_loss, "a percentage", UNITS_PERCENT_FORM,
		     "a percentage from 0 to below 100%", "0" },
	[K_PER_CONN] = { "per_conn", "requests_per_connection", KIND_LIST, parse_per_conn,
			 "a number of requests", COUNT_FORM "1, 2 or 10, or 'unlimited'",
			 "1 to 1000000, or 'unlimited'", "2" },
	[K_CONNS] = { "conns_per_host", NULL, KIND_LIST, parse_conns, "a number of connections",
		      COUNT_FORM "6", "1 to 256", "6" },
	[K_ENCODING] = { "encoding", NULL, KIND_LIST, parse_encoding, "a body encoding",
			 ENCODING_FORM, "wire (bodies as the network carried them) or decoded",
			 "wire" },
	[K_TLS] = { "tls", NULL, KIND_LIST, parse_tls, "a TLS mode", TLS_MODE_FORM,
		    TLS_MODE_FORM, "off" },
	[K_FETCHER] = { "fetcher", NULL, KIND_LIST, parse_fetcher, "a fetcher", FETCHER_FORM,
			FETCHER_FORM, "builtin" },
	[K_TFO] = { "tfo", NULL, KIND_LIST, parse_tfo, "a TFO mode", TFO_MODE_FORM,
		    TFO_MODE_FORM, "off, on" },
	[K_TRIALS] = { "trials", NULL, KIND_SCALAR, parse_trials, "a number of trials",
		       COUNT_FORM "15", "1 to 100000", "15" },
	[K_WARMUP] = { "warmup", NULL, KIND_SCALAR, parse_warmup, "a number of loads",
		       COUNT_FORM "2 or 0", "0 to 100000", "1" },
	[K_TIMEOUT] = { "timeout", NULL, KIND_SCALAR, parse_timeout, "a time", UNITS_TIME_FORM,
			"a time above 0 and at most 60min", "30s" },
	[K_STALL_LIMIT] = { "stall_limit", NULL, KIND_SCALAR, parse_stall_limit, "a time",
			    "a time such as 10ms, 50ms or 0.1s, or 'off'", "a time from 1ms to 10s, or 'off'",
			    "10ms" },
	[K_BACKEND] = { "backend", NULL, KIND_SCALAR, parse_backend, "a backend",
			BACKEND_FORM, BACKEND_FORM, "auto" },
	[K_CC] = { "cc", NULL, KIND_SCALAR, parse_cc, "a congestion control name",
		   "a name such as reno, cubic or bbr",
		   "a name of at most 15 characters", NULL },
	[K_PRESET] = { "preset", NULL, KIND_SCALAR, parse_preset, "a link preset",
		       PRESET_FORM " (tfolab presets lists them)", PRESET_FORM, NULL },
	[K_NAME] = { "name", NULL, KIND_TEXT, parse_name, "a name",
		     "letters, digits, '.', '_' and '-', such as table1",
		     "a name of at most 64 characters", NULL },
	[K_DESCRIPTION] = { "description", NULL, KIND_TEXT, parse_text, "a description",
			    "any text", "any text", "" },
};

int expkey_lookup(const char *name)
{
	for (int k = 0; k < K_COUNT; k++)
		if (!strcmp(name, expkeys[k].name) ||
		    (expkeys[k].alias && !strcmp(name, expkeys[k].alias)))
			return k;
	return -1;
}

static size_t edit_distance(const char *a, const char *b)
{
	size_t lb = strlen(b), row[64];

	if (lb >= 64 || strlen(a) >= 64)
		return 64;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (const char *p = a; *p; p++) {
		size_t diag = row[0];
		row[0]++;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (*p != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

static bool is_prefix(const char *a, const char *b)
{
	return strlen(a) >= 2 && strncmp(a, b, strlen(a)) == 0;
}

/*
 * The known key closest to @key, or NULL if none is close: within a third
 * of its length in edits (at least 1), or a prefix either way.
 */
const char *expkey_suggest(const char *key)
{
	const char *best = NULL;
	size_t best_d = SIZE_MAX, limit = strlen(key) / 3;

	if (limit < 1)
		limit = 1;
	for (int k = 0; k < K_COUNT; k++) {
		const char *names[2] = { expkeys[k].name, expkeys[k].alias };
		for (int i = 0; i < 2 && names[i]; i++) {
			size_t d = edit_distance(key, names[i]);
			if (d > 1 && (is_prefix(key, names[i]) || is_prefix(names[i], key)))
				d = 1;
			if (d <= limit && d < best_d) {
				best_d = d;
				best = names[i];
			}
		}
	}
	return best;
}
