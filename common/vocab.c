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

static const char *const backend_names[BACKEND_CHOICES] = {
	[BACKEND_AUTO] = "auto", [BACKEND_USERSPACE] = "userspace", [BACKEND_NETEM] = "netem",
};

static const char *const encoding_names[ENCODINGS] = {
	[ENC_WIRE] = "wire", [ENC_DECODED] = "decoded",
};

/* The index of @name in @names[@n], or -EINVAL. */
static int index_of(const char *name, const char *const *names, size_t n)
{
	for (size_t i = 0; name && i < n; i++)
		if (!strcmp(name, names[i]))
			return (int)i;
	return -EINVAL;
}

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
	for (int i = 0; name && i < TFO_MODES; i++)
		if (!strcmp(name, tfo_modes[i].name))
			return i;
	return -EINVAL;
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
	for (int i = 0; name && i < TLS_MODES; i++)
		if (!strcmp(name, tls_modes[i].name))
			return i;
	return -EINVAL;
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

const char *backend_name(enum backend_choice b)
{
	return (unsigned)b < BACKEND_CHOICES ? backend_names[b] : "?";
}

int backend_parse(const char *name)
{
	return index_of(name, backend_names, BACKEND_CHOICES);
}

const char *encoding_name(enum body_encoding e)
{
	return (unsigned)e < ENCODINGS ? encoding_names[e] : "?";
}

int encoding_parse(const char *name)
{
	return index_of(name, encoding_names, ENCODINGS);
}
