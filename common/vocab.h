/*
 * The words every layer shares, each defined once, here: the TFO modes
 * (with their net.ipv4.tcp_fastopen values and how tables title them), the
 * TLS modes (with the protocol version each pins), the fetchers that load
 * a page, the link backends one can ask for, and the encodings a page's
 * bodies can be served in.  An
 * enum's value is its row in the table; the experiment keys, the link
 * options, the store and the figures all read the same rows.
 */
#ifndef TFOLAB_COMMON_VOCAB_H
#define TFOLAB_COMMON_VOCAB_H

#include <stdbool.h>

/* --- TFO modes ---------------------------------------------------------- */

enum tfo_mode { TFO_OFF, TFO_ON, TFO_COOKIE, TFO_MODES };

struct tfo_mode_def {
	const char *name;     /* in files, options and the store */
	int sysctl;           /* net.ipv4.tcp_fastopen where the listener asks for
	                         TFO (nginx's fastopen=N): both sides, and for
	                         "on" no cookie needed (0x200) */
	bool cookies;         /* real cookies: a load that counts needs an earlier
	                         load to fetch them */
	const char *title;    /* in tables and figures */
};

/*
 *   off      0                   TFO disabled on both sides
 *   on       519 = 0x207         data in the SYN without a cookie
 *   cookie   3                   data in the SYN once a cookie was fetched
 */
extern const struct tfo_mode_def tfo_modes[TFO_MODES];

#define TFO_MODE_FORM "off, on or cookie"

/* tfo_mode_name - "off", "on" or "cookie"; "?" for a value out of range. */
const char *tfo_mode_name(enum tfo_mode m);

/* tfo_mode_title - "non-TFO", "TFO" or "TFO (cookies)"; "?" out of range. */
const char *tfo_mode_title(enum tfo_mode m);

/* tfo_mode_parse - the mode (>= 0) named @name, or -EINVAL (also for NULL). */
int tfo_mode_parse(const char *name);

/*
 * tfo_mode_sysctl - net.ipv4.tcp_fastopen for @m.  With @any_listener the
 * server bit 0x400 is added so that listeners without the TCP_FASTOPEN
 * socket option (iperf3, curl tests, any ad-hoc server) take SYN data too:
 * off 0, on 519 (0x207) or 1543 (0x607), cookie 3 or 1027 (0x403).
 */
int tfo_mode_sysctl(enum tfo_mode m, bool any_listener);

/* --- TLS modes ---------------------------------------------------------- */

enum tls_mode { TLS_OFF, TLS_12, TLS_13, TLS_13_EARLY, TLS_MODES };

struct tls_mode_def {
	const char *name;     /* in files, options and the store */
	int version;          /* the protocol version both sides are pinned to,
	                         as on the wire (TLS1_2_VERSION 0x0303,
	                         TLS1_3_VERSION 0x0304); 0 = plain HTTP */
	const char *suite;    /* the one cipher suite both sides allow, in
	                         OpenSSL's names: a TLS 1.2 cipher list, or a
	                         TLS 1.3 ciphersuite; NULL for plain HTTP */
	bool early;           /* resumed sessions send the request as early
	                         data: a load that counts needs an earlier load
	                         to collect the session tickets */
	const char *title;    /* in tables and figures */
};

/*
 *   off        plain HTTP (port 80)
 *   1.2        TLS 1.2, full handshake, ECDHE-RSA-AES128-GCM-SHA256
 *   1.3        TLS 1.3, full handshake, TLS_AES_128_GCM_SHA256 on x25519
 *   1.3-early  TLS 1.3 resumed with a ticket, the request as early data
 */
extern const struct tls_mode_def tls_modes[TLS_MODES];

/* The one key-exchange group both sides allow, in every TLS mode. */
#define TLS_GROUP "X25519"

#define TLS_MODE_FORM "off, 1.2, 1.3 or 1.3-early"

/* tls_mode_name - "off", "1.2", "1.3" or "1.3-early"; "?" out of range. */
const char *tls_mode_name(enum tls_mode m);

/* tls_mode_title - "HTTP", "TLS 1.2", "TLS 1.3" or "TLS 1.3 0-RTT"; "?"
 * out of range. */
const char *tls_mode_title(enum tls_mode m);

/* tls_mode_parse - the mode (>= 0) named @name, or -EINVAL (also NULL). */
int tls_mode_parse(const char *name);

/* tls_version_name - "TLS 1.2" for 0x0303, "TLS 1.3" for 0x0304, "none"
 * for 0, "?" otherwise. */
const char *tls_version_name(int version);

/* --- fetchers --------------------------------------------------------- */

enum fetcher { FETCHER_BUILTIN, FETCHER_CHROMIUM, FETCHERS };

struct fetcher_def {
	const char *name;     /* in files, options and the store */
	const char *title;    /* in tables and figures */
};

/*
 *   builtin    our epoll fetcher (workloads/fetch.c): the page's manifest,
 *              its dependency order and connection limits
 *   chromium   a real headless Chromium loading the page's markup
 */
extern const struct fetcher_def fetchers[FETCHERS];

#define FETCHER_FORM "builtin or chromium"

/* fetcher_name - "builtin" or "chromium"; "?" out of range. */
const char *fetcher_name(enum fetcher f);

/* fetcher_title - "builtin" or "Chromium"; "?" out of range. */
const char *fetcher_title(enum fetcher f);

/* fetcher_parse - the fetcher (>= 0) named @name, or -EINVAL (also NULL). */
int fetcher_parse(const char *name);

/* --- link backends ------------------------------------------------------ */

enum backend_choice {
	BACKEND_AUTO,         /* netem if the kernel has it, else userspace */
	BACKEND_USERSPACE,    /* emulator/userspace.c */
	BACKEND_NETEM,        /* emulator/netem.c */
	BACKEND_CHOICES
};

#define BACKEND_FORM "auto, userspace or netem"

/* backend_name - "auto", "userspace" or "netem"; "?" out of range. */
const char *backend_name(enum backend_choice b);

/* backend_parse - the backend choice (>= 0) named @name, or -EINVAL. */
int backend_parse(const char *name);

/* --- body encodings ----------------------------------------------------- */

enum body_encoding {
	ENC_WIRE,             /* bodies as the network carried them (gzip'd text) */
	ENC_DECODED,          /* every body at its decoded size, unencoded */
	ENCODINGS
};

#define ENCODING_FORM "wire or decoded"

/* encoding_name - "wire" or "decoded"; "?" out of range. */
const char *encoding_name(enum body_encoding e);

/* encoding_parse - the encoding (>= 0) named @name, or -EINVAL. */
int encoding_parse(const char *name);

#endif
