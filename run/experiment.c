/*
 * Experiment files: parsing, checking, overrides and the matrix.
 *
 * The format is INI-like but read by our own small parser rather than inih:
 * the installed inih (r55) is built without INI_HANDLER_LINENO, so its
 * handler never learns the line of a key, and ini_parse() returns only the
 * first error's line; we want every error of a file, each with its line.
 *
 * Each key is described once, in the table expkeys[] (run/expkey.c): its
 * name, whether it takes a list, how one item is parsed, the words of its
 * error messages and its default.  A value is kept both as written (for the record of a run)
 * and parsed, item by item; defaults are written as text and go through the
 * same parser, so the table is their documentation.
 */
#include "run/experiment.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/units.h"
#include "emulator/preset.h"
#include "run/expkey.h"

/* A key's value: the text as written, and its items, split and parsed. */
struct setting {
	char *text;      /* NULL = not set (no default) */
	size_t n;
	char **items;
	union key_val *vals;
};

struct experiment_keys {
	struct setting s[K_COUNT];
	bool given[K_COUNT];  /* set by the file or --set, not by a default or preset */
	int line[K_COUNT];    /* the file's line that gave it; 0 = --set or a default */
};

static void setting_clear(struct setting *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->items[i]);
	free(s->items);
	free(s->vals);
	free(s->text);
	memset(s, 0, sizeof(*s));
}

/* Where a value came from, for messages: "file:12: " or "--set ". */
static void where_error(const char *where, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void where_error(const char *where, const char *key, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_err("%s%s: %s", where, key, msg);
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

/* The units_bare_hint() kind of the keys that take a time or a rate, else 0. */
static char unit_kind(enum key_id k)
{
	switch (k) {
	case K_TIMEOUT:
		return 's';
	case K_RTT:
	case K_STALL_LIMIT:
		return 't';
	case K_DOWN:
	case K_UP:
		return 'r';
	default:
		return 0;
	}
}

/*
 * setting_build - split and parse @value for key @k into @out.  @key is the
 * key as written (it may be an alias).  Returns 0, -EINVAL after logging at
 * @where, or -ENOMEM; on failure @out holds nothing.
 */
static int setting_build(enum key_id k, const char *key, const char *value,
			 const char *where, struct setting *out)
{
	const struct key_def *d = &expkeys[k];
	struct setting s = { 0 };
	int rc = -ENOMEM;

	memset(out, 0, sizeof(*out));
	if (d->kind != KIND_TEXT && !*value) {
		where_error(where, key, "no value (use %s)", d->form);
		return -EINVAL;
	}
	s.text = strdup(value);
	char *copy = strdup(value);
	size_t cap = 1;
	for (const char *p = value; d->kind != KIND_TEXT && *p; p++)
		cap += *p == ',';
	s.items = calloc(cap, sizeof(*s.items));
	s.vals = calloc(cap, sizeof(*s.vals));
	if (!s.text || !copy || !s.items || !s.vals)
		goto error;

	if (d->kind == KIND_TEXT) {
		if (!(s.items[s.n++] = strdup(s.text)))
			goto error;
	} else {
		/* strsep, not strtok: an empty item must be seen. */
		char *rest = copy, *item;
		while ((item = strsep(&rest, ",")))
			if (!(s.items[s.n++] = strdup(trim(item))))
				goto error;
	}

	rc = -EINVAL;
	if (d->kind == KIND_SCALAR && s.n > 1) {
		where_error(where, key, "takes one value, not a list (use %s)", d->form);
		goto error;
	}
	for (size_t i = 0; i < s.n; i++)
		if (d->kind != KIND_TEXT && !*s.items[i]) {
			where_error(where, key, "empty item in the list \"%s\" (use %s)",
				    value, d->form);
			goto error;
		}
	int bad = 0;
	for (size_t i = 0; i < s.n; i++) {
		int r = d->parse(s.items[i], &s.vals[i]);
		if (r == -ERANGE) {
			where_error(where, key, "\"%s\" is out of range (use %s)",
				    s.items[i], d->range);
			bad++;
		} else if (r < 0 && unit_kind(k) && units_is_bare(s.items[i])) {
			char hint[128];
			units_bare_hint(s.items[i], unit_kind(k), hint, sizeof(hint));
			where_error(where, key, "\"%s\" has no unit (%s)", s.items[i], hint);
			bad++;
		} else if (r < 0) {
			where_error(where, key, "\"%s\" is not %s (use %s)",
				    s.items[i], d->what, d->form);
			bad++;
		}
	}
	if (bad)
		goto error;
	/* The same item twice would measure one condition twice, unlabelled. */
	for (size_t i = 0; i < s.n; i++)
		for (size_t j = 0; j < i; j++) {
			bool same = k == K_PAGES ? !strcmp(s.items[i], s.items[j])
						 : !memcmp(&s.vals[i], &s.vals[j], sizeof(s.vals[i]));
			if (same && !strcmp(s.items[i], s.items[j])) {
				where_error(where, key, "\"%s\" is listed twice (list each value once)",
					    s.items[i]);
				goto error;
			} else if (same) {
				where_error(where, key, "\"%s\" is the same as \"%s\" (list each value once)",
					    s.items[i], s.items[j]);
				goto error;
			}
		}
	free(copy);
	*out = s;
	return 0;
error:
	if (rc == -ENOMEM)
		log_err("%s%s: out of memory", where, key);
	free(copy);
	setting_clear(&s);
	return rc;
}

static int key_find(const char *key, const char *where)
{
	int k = expkey_lookup(key);
	if (k >= 0)
		return k;
	const char *s = expkey_suggest(key);
	if (key[strspn(key, "abcdefghijklmnopqrstuvwxyz0123456789_")]) {
		/* Not a name at all: quoted under a field of its own, so that
		 * the error keeps the FILE:LINE: field: problem form. */
		where_error(where, "key", "\"%.40s\" is not a key name (use key = value; "
			    "tfolab run --help lists the keys)", key);
	} else if (s) {
		where_error(where, key, "unknown key (did you mean %s?)", s);
	} else {
		char list[512] = "";
		for (int k = 0; k < K_COUNT; k++)
			snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
				 k ? ", " : "", expkeys[k].name);
		where_error(where, key, "unknown key (use one of %s)", list);
	}
	return -EINVAL;
}

/* Keep e->name and e->description in step with their keys. */
static int experiment_sync(struct experiment *e)
{
	const struct setting *n = &e->keys->s[K_NAME];
	const struct setting *d = &e->keys->s[K_DESCRIPTION];
	char *name, *desc;

	if (n->text) {
		name = strdup(n->text);
	} else {
		const char *base = strrchr(e->source, '/');
		base = base ? base + 1 : e->source;
		size_t len = strlen(base);
		if (len > 5 && !strcmp(base + len - 5, ".conf"))
			len -= 5;
		name = strndup(base, len);
	}
	desc = strdup(d->text ? d->text : "");
	if (!name || !desc) {
		free(name);
		free(desc);
		log_err("experiment %s: out of memory", e->source);
		return -ENOMEM;
	}
	free(e->name);
	free(e->description);
	e->name = name;
	e->description = desc;
	return 0;
}

static struct experiment *experiment_new(const char *source, const char *text)
{
	struct experiment *e = calloc(1, sizeof(*e));

	if (!e || !(e->keys = calloc(1, sizeof(*e->keys))) ||
	    !(e->source = strdup(source)) || !(e->text = strdup(text)))
		goto error;
	for (int k = 0; k < K_COUNT; k++) {
		if (!expkeys[k].def)
			continue;
		/* A default that does not parse is a bug in expkeys[]. */
		if (setting_build(k, expkeys[k].name, expkeys[k].def, "default ", &e->keys->s[k]) < 0)
			goto error;
	}
	return e;
error:
	log_err("experiment %s: out of memory or bad default", source);
	experiment_free(e);
	return NULL;
}

/*
 * preset_apply - give rtt, down and up the values of the preset key, where
 * neither the file nor --set gave them.  Returns 0 or -ENOMEM (logged).
 */
static int preset_apply(struct experiment *e)
{
	struct experiment_keys *ks = e->keys;
	if (ks->s[K_PRESET].n == 0)
		return 0;
	const struct link_preset *pr = &link_presets[ks->s[K_PRESET].vals[0].u];
	char text[3][128] = { "", "", "" }, one[32];
	for (size_t j = 0; j < pr->n_rtt; j++) {
		units_format_time(pr->rtt_ns[j], one, sizeof(one));
		snprintf(text[0] + strlen(text[0]), sizeof(text[0]) - strlen(text[0]), "%s%s",
			 j ? ", " : "", one);
	}
	units_format_rate(pr->down_bps, text[1], sizeof(text[1]));
	units_format_rate(pr->up_bps, text[2], sizeof(text[2]));
	const enum key_id keys[3] = { K_RTT, K_DOWN, K_UP };
	for (int i = 0; i < 3; i++) {
		struct setting s;
		if (ks->given[keys[i]])
			continue;
		char where[96];
		snprintf(where, sizeof(where), "preset %s: ", pr->name);
		int rc = setting_build(keys[i], expkeys[keys[i]].name, text[i], where, &s);
		if (rc < 0)
			return rc;
		setting_clear(&ks->s[keys[i]]);
		ks->s[keys[i]] = s;
	}
	return 0;
}

/* Parse the lines of e->text; every error is logged; -EINVAL if any. */
static int experiment_read_lines(struct experiment *e)
{
	int seen[K_COUNT] = { 0 };  /* line where each key was given */
	int errors = 0, rc = 0;
	char *buf = strdup(e->text), *line, *next;

	if (!buf) {
		log_err("experiment %s: out of memory", e->source);
		return -ENOMEM;
	}
	line = buf;
	if (!strncmp(line, "\xef\xbb\xbf", 3))
		line += 3;  /* a UTF-8 byte order mark, as some editors write */
	for (int lineno = 1; line && rc != -ENOMEM; line = next, lineno++) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		char *l = trim(line);
		char where[512];
		snprintf(where, sizeof(where), "%s:%d: ", e->source, lineno);
		if (!*l || *l == '#')
			continue;
		if (*l == '[') {
			size_t n = strlen(l);
			if (n < 2 || l[n - 1] != ']') {
				log_err("%s%s: unterminated section header (use [experiment])", where, l);
				errors++;
				continue;
			}
			l[n - 1] = '\0';
			if (strcmp(trim(l + 1), "experiment")) {
				log_err("%s[%s]: unknown section (use [experiment])", where, trim(l + 1));
				errors++;
			}
			continue;
		}
		char *eq = strchr(l, '=');
		if (!eq) {
			log_err("%sline: \"%s\" is not a setting (use key = value, or # for a comment)",
				where, l);
			errors++;
			continue;
		}
		*eq = '\0';
		char *key = trim(l), *value = trim(eq + 1);
		if (!*key) {
			log_err("%skey: missing before '=' (use key = value)", where);
			errors++;
			continue;
		}
		int k = key_find(key, where);
		if (k < 0) {
			errors++;
			continue;
		}
		if (seen[k]) {
			where_error(where, key, "given twice (first at line %d; give each key once)",
				    seen[k]);
			errors++;
			continue;
		}
		seen[k] = lineno;
		e->keys->line[k] = lineno;
		struct setting s;
		rc = setting_build(k, key, value, where, &s);
		if (rc < 0) {
			errors++;
			continue;
		}
		setting_clear(&e->keys->s[k]);
		e->keys->s[k] = s;
		e->keys->given[k] = true;
	}
	free(buf);
	if (rc == -ENOMEM)
		return rc;
	if (errors)
		return -EINVAL;
	return preset_apply(e);
}

int experiment_parse_buf(const char *name, const char *text, struct experiment **out)
{
	struct experiment *e = experiment_new(name, text);
	if (!e)
		return -ENOMEM;
	int rc = experiment_read_lines(e);
	if (rc == 0)
		rc = experiment_sync(e);
	if (rc < 0) {
		experiment_free(e);
		return rc;
	}
	*out = e;
	return 0;
}

int experiment_parse(const char *path, struct experiment **out)
{
	FILE *f = fopen(path, "r");
	char *text = NULL;
	size_t cap = 0;
	int rc;

	if (!f) {
		rc = -errno;
		log_err("experiment %s: open: %s", path, strerror(errno));
		return rc;
	}
	/* A text file holds no NUL: reading up to one reads the whole file. */
	errno = 0;
	ssize_t n = getdelim(&text, &cap, '\0', f);
	if (n < 0 && (errno || ferror(f))) {
		rc = errno ? -errno : -EIO;
		log_err("experiment %s: read: %s", path, strerror(-rc));
		fclose(f);
		free(text);
		return rc;
	}
	fclose(f);
	/* At the end of an empty file, getdelim() leaves @text unterminated. */
	rc = experiment_parse_buf(path, n > 0 ? text : "", out);
	free(text);
	return rc;
}

int experiment_load(const char *path, const char *const *sets, size_t nsets,
		    struct experiment **out)
{
	struct experiment *e;
	int rc = experiment_parse(path, &e);
	for (size_t i = 0; rc == 0 && i < nsets; i++)
		if ((rc = experiment_set(e, sets[i])) < 0)
			experiment_free(e);
	if (rc == 0)
		*out = e;
	return rc;
}

int experiment_load_matrix(const char *path, const char *const *sets, size_t nsets,
			   struct experiment **out, struct condition_spec **cells, size_t *n)
{
	struct experiment *e;
	int rc = experiment_load(path, sets, nsets, &e);
	if (rc == 0 && (rc = experiment_matrix(e, cells, n)) < 0)
		experiment_free(e);
	if (rc == 0)
		*out = e;
	return rc;
}

int experiment_set(struct experiment *e, const char *key_eq_value)
{
	char *copy = strdup(key_eq_value);
	char **sets = NULL;
	struct setting s;
	int rc = -ENOMEM;

	if (!copy)
		goto oom;
	char *eq = strchr(copy, '=');
	if (!eq) {
		log_err("--set: \"%s\" is not key=value (use --set key=value, e.g. --set rtt=20ms,100ms)",
			key_eq_value);
		free(copy);
		return -EINVAL;
	}
	*eq = '\0';
	char *key = trim(copy), *value = trim(eq + 1);
	int k = key_find(key, "--set ");
	if (k < 0) {
		free(copy);
		return -EINVAL;
	}
	rc = setting_build(k, key, value, "--set ", &s);
	if (rc < 0) {
		free(copy);
		return rc;
	}
	sets = realloc(e->sets, (e->n_sets + 1) * sizeof(*sets));
	if (!sets || !(sets[e->n_sets] = strdup(key_eq_value))) {
		if (sets)
			e->sets = sets;
		setting_clear(&s);
		goto oom;
	}
	e->sets = sets;
	e->n_sets++;
	struct setting old = e->keys->s[k];
	bool old_given = e->keys->given[k];
	int old_line = e->keys->line[k];
	e->keys->s[k] = s;
	e->keys->given[k] = true;
	e->keys->line[k] = 0;
	rc = experiment_sync(e);
	if (rc < 0) {
		/* Undo, so that @e is unchanged on failure. */
		e->keys->s[k] = old;
		e->keys->given[k] = old_given;
		e->keys->line[k] = old_line;
		free(e->sets[--e->n_sets]);
		setting_clear(&s);
	} else {
		setting_clear(&old);
		if (k == K_PRESET)
			rc = preset_apply(e);
	}
	free(copy);
	return rc;
oom:
	log_err("--set %s: out of memory", key_eq_value);
	free(copy);
	return -ENOMEM;
}

/* Whether the list of key @k holds the value @v. */
static bool setting_has(const struct setting *s, uint64_t v)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->vals[i].u == v)
			return true;
	return false;
}

/*
 * fetcher_check - Chromium loads the page over plain HTTP only: refuse a
 * chromium cell with any other tls, at the line (or --set) that asked for
 * chromium.  0, or -EINVAL after logging.
 */
static int fetcher_check(const struct experiment *e)
{
	const struct setting *s = e->keys->s;
	if (!setting_has(&s[K_FETCHER], FETCHER_CHROMIUM) ||
	    (s[K_TLS].n == 1 && s[K_TLS].vals[0].u == TLS_OFF))
		return 0;
	char where[512];
	if (e->keys->line[K_FETCHER])
		snprintf(where, sizeof(where), "%s:%d: ", e->source, e->keys->line[K_FETCHER]);
	else
		snprintf(where, sizeof(where), "--set ");
	where_error(where, expkeys[K_FETCHER].name, "chromium runs over HTTP only (tls = off)");
	return -EINVAL;
}

int experiment_matrix(const struct experiment *e, struct condition_spec **out, size_t *n)
{
	const struct setting *s = e->keys->s;
	size_t total = 1;

	if (fetcher_check(e) < 0)
		return -EINVAL;
	/* Both fetchers must load the same bytes: with chromium in the list,
	 * every cell's origin serves markup a browser parses. */
	bool markup = setting_has(&s[K_FETCHER], FETCHER_CHROMIUM);

	for (int k = 0; k < K_MATRIX; k++) {
		if (s[k].n == 0) {
			log_err("%s: %s: missing (use %s = VALUE[, VALUE...] in the file, or --set %s=...)",
				e->source, expkeys[k].name, expkeys[k].name, expkeys[k].name);
			return -EINVAL;
		}
		total *= s[k].n;  /* each n is small; the check stops overflow */
		if (total > EXPERIMENT_MAX_CONDITIONS) {
			log_err("%s: more than %d conditions (use shorter lists)", e->source,
				EXPERIMENT_MAX_CONDITIONS);
			return -EINVAL;
		}
	}
	struct condition_spec *c = calloc(total, sizeof(*c));
	if (!c) {
		log_err("%s: matrix of %zu conditions: out of memory", e->source, total);
		return -ENOMEM;
	}
	for (size_t i = 0; i < total; i++) {
		size_t at[K_MATRIX], rest = i;
		for (int k = K_MATRIX - 1; k >= 0; k--) {  /* innermost varies fastest */
			at[k] = rest % s[k].n;
			rest /= s[k].n;
		}
		struct condition_spec *x = &c[i];
		x->index = i;
		x->pair = i / s[K_TFO].n;
		snprintf(x->page, sizeof(x->page), "%s", s[K_PAGES].items[at[K_PAGES]]);

		x->rtt_ns = s[K_RTT].vals[at[K_RTT]].u;
		link_params_init(&x->link);
		x->link.up.delay_ns = x->rtt_ns / 2;
		x->link.down.delay_ns = x->rtt_ns - x->rtt_ns / 2;
		x->link.down.rate_bps = s[K_DOWN].vals[at[K_DOWN]].u;
		x->link.up.rate_bps = s[K_UP].vals[at[K_UP]].u;
		const union key_val *q = &s[K_QUEUE].vals[at[K_QUEUE]];
		x->link.up.limit_pkts = x->link.down.limit_pkts = q->q.pkts;
		x->link.up.limit_bytes = x->link.down.limit_bytes = q->q.bytes;
		x->link.up.loss = x->link.down.loss = s[K_LOSS].vals[at[K_LOSS]].d;
		link_params_finish(&x->link);

		x->tfo = (enum tfo_mode)s[K_TFO].vals[at[K_TFO]].u;
		x->tls = (enum tls_mode)s[K_TLS].vals[at[K_TLS]].u;
		x->fetcher = (enum fetcher)s[K_FETCHER].vals[at[K_FETCHER]].u;
		x->markup = markup;
		x->encoding = (enum body_encoding)s[K_ENCODING].vals[at[K_ENCODING]].u;
		x->per_conn = (uint32_t)s[K_PER_CONN].vals[at[K_PER_CONN]].u;
		x->conns_per_host = (uint32_t)s[K_CONNS].vals[at[K_CONNS]].u;
		x->trials = (uint32_t)s[K_TRIALS].vals[0].u;
		x->warmup = (uint32_t)s[K_WARMUP].vals[0].u;
		x->timeout_ns = s[K_TIMEOUT].vals[0].u;
		x->stall_limit_ns = s[K_STALL_LIMIT].vals[0].u;
		x->backend = (enum backend_choice)s[K_BACKEND].vals[0].u;
		if (s[K_CC].n)
			snprintf(x->cc, sizeof(x->cc), "%s", s[K_CC].items[0]);
	}
	*out = c;
	*n = total;
	return 0;
}

char *experiment_effective(const struct experiment *e)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return NULL;
	for (int k = 0; k < K_COUNT; k++) {
		const struct setting *s = &e->keys->s[k];
		if (k == K_NAME)
			fprintf(f, "name = %s\n", e->name);
		else if (s->text)
			fprintf(f, "%s = %s\n", expkeys[k].name, s->text);
	}
	if (fclose(f) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

void experiment_free(struct experiment *e)
{
	if (!e)
		return;
	if (e->keys)
		for (int k = 0; k < K_COUNT; k++)
			setting_clear(&e->keys->s[k]);
	free(e->keys);
	for (size_t i = 0; i < e->n_sets; i++)
		free(e->sets[i]);
	free(e->sets);
	free(e->name);
	free(e->description);
	free(e->source);
	free(e->text);
	free(e);
}

void condition_format(const struct condition_spec *c, char *buf, int len)
{
	char rtt[32], down[32], up[32], queue[64] = "", per_conn[16];
	const struct link_dir *d = &c->link.down;

	units_format_time(c->rtt_ns, rtt, sizeof(rtt));
	units_format_rate(c->link.down.rate_bps, down, sizeof(down));
	units_format_rate(c->link.up.rate_bps, up, sizeof(up));
	if (d->limit_pkts)
		snprintf(queue, sizeof(queue), "%up", d->limit_pkts);
	if (d->limit_bytes)
		snprintf(queue + strlen(queue), sizeof(queue) - strlen(queue), "%s%lluB",
			 d->limit_pkts ? "+" : "", (unsigned long long)d->limit_bytes);
	if (c->per_conn)
		snprintf(per_conn, sizeof(per_conn), "%u", c->per_conn);
	else
		snprintf(per_conn, sizeof(per_conn), "unlimited");
	snprintf(buf, (size_t)len,
		 "%s rtt=%s down=%s up=%s queue=%s loss=%g%% per_conn=%s conns_per_host=%u "
		 "encoding=%s%s%s%s%s tfo=%s", c->page, rtt, down, up, queue, d->loss * 100,
		 per_conn, c->conns_per_host, encoding_name(c->encoding), c->tls ? " tls=" : "",
		 c->tls ? tls_mode_name(c->tls) : "", c->fetcher ? " fetcher=" : "",
		 c->fetcher ? fetcher_name(c->fetcher) : "", tfo_mode_name(c->tfo));
}
