#include "common/vocab.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

const struct tfo_mode_def tfo_modes[TFO_MODES] = {
	[TFO_OFF] = { "off", 0, false, "non-TFO" },
	[TFO_ON] = { "on", 0x207, false, "TFO" },
	[TFO_COOKIE] = { "cookie", 0x3, true, "TFO (cookies)" },
};

const struct tls_mode_def tls_modes[TLS_MODES] = {
	[TLS_OFF] = { "off", 0, NULL, false, "HTTP" },
	[TLS_12] = { "1.2", 0x0303, "ECDHE-RSA-AES128-GCM-SHA256", false, "TLS 1.2" },
	[TLS_13] = { "1.3", 0x0304, "TLS_AES_128_GCM_SHA256", false, "TLS 1.3" },
	[TLS_13_EARLY] = { "1.3-early", 0x0304, "TLS_AES_128_GCM_SHA256", true, "TLS 1.3 0-RTT" },
};

const struct fetcher_def fetchers[FETCHERS] = {
	[FETCHER_BUILTIN] = { "builtin", "builtin" },
	[FETCHER_CHROMIUM] = { "chromium", "Chromium" },
};

static const char *const backend_names[BACKEND_CHOICES] = {
	[BACKEND_AUTO] = "auto", [BACKEND_USERSPACE] = "userspace", [BACKEND_NETEM] = "netem",
};

static const char *const encoding_names[ENCODINGS] = {
	[ENC_WIRE] = "wire", [ENC_DECODED] = "decoded",
};

/*
 * The index of the row of @rows (@n rows of @size bytes each) whose name
 * is @name, or -EINVAL (also for NULL).  A row's name is the const char *
 * at its start: the tables of names and the tables of structs whose first
 * field is the name (tfo_modes, tls_modes, fetchers) are read alike.
 */
static int row_of(const char *name, const void *rows, size_t n, size_t size)
{
	for (size_t i = 0; name && i < n; i++)
		if (!strcmp(name, *(const char *const *)((const char *)rows + i * size)))
			return (int)i;
	return -EINVAL;
}

_Static_assert(offsetof(struct tfo_mode_def, name) == 0, "row_of reads a row's name first");
_Static_assert(offsetof(struct tls_mode_def, name) == 0, "row_of reads a row's name first");
_Static_assert(offsetof(struct fetcher_def, name) == 0, "row_of reads a row's name first");

#define ROW_OF(name, table, n) row_of((name), (table), (n), sizeof((table)[0]))

const char *tfo_mode_name(enum tfo_mode m)
{
	return (unsigned)m < TFO_MODES ? tfo_modes[m].name : "?";
}

const char *tfo_mode_title(enum tfo_mode m)
{
	return (unsigned)m < TFO_MODES ? tfo_modes[m].title : "?";
}

int tfo_mode_parse(const char *name)
{
	return ROW_OF(name, tfo_modes, TFO_MODES);
}

int tfo_mode_sysctl(enum tfo_mode m, bool any_listener)
{
	int v = (unsigned)m < TFO_MODES ? tfo_modes[m].sysctl : 0;
	return v && any_listener ? v | 0x400 : v;
}

const char *tls_mode_name(enum tls_mode m)
{
	return (unsigned)m < TLS_MODES ? tls_modes[m].name : "?";
}

const char *tls_mode_title(enum tls_mode m)
{
	return (unsigned)m < TLS_MODES ? tls_modes[m].title : "?";
}

int tls_mode_parse(const char *name)
{
	return ROW_OF(name, tls_modes, TLS_MODES);
}

const char *tls_version_name(int version)
{
	switch (version) {
	case 0: return "none";
	case 0x0303: return "TLS 1.2";
	case 0x0304: return "TLS 1.3";
	default: return "?";
	}
}

const char *fetcher_name(enum fetcher f)
{
	return (unsigned)f < FETCHERS ? fetchers[f].name : "?";
}

const char *fetcher_title(enum fetcher f)
{
	return (unsigned)f < FETCHERS ? fetchers[f].title : "?";
}

int fetcher_parse(const char *name)
{
	return ROW_OF(name, fetchers, FETCHERS);
}

const char *backend_name(enum backend_choice b)
{
	return (unsigned)b < BACKEND_CHOICES ? backend_names[b] : "?";
}

int backend_parse(const char *name)
{
	return ROW_OF(name, backend_names, BACKEND_CHOICES);
}

const char *encoding_name(enum body_encoding e)
{
	return (unsigned)e < ENCODINGS ? encoding_names[e] : "?";
}

int encoding_parse(const char *name)
{
	return ROW_OF(name, encoding_names, ENCODINGS);
}
