/*
 * Units as people write them.
 *
 * Every parser reads the text as "<number><suffix>" and is strict about
 * both: no leading or trailing blanks, no '+', no hexadecimal, no "nan" or
 * "inf" as a number.  The number is read as an exact decimal (the first 19
 * or 20 significant digits, as many as fit in 64 bits, and an exponent)
 * rather than with strtod, so that "1.5mbit" is exactly 1500000 whatever the
 * locale, and so that a value formatted by units_format_* parses back to
 * the same integer.
 */
#include "common/units.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

typedef unsigned __int128 u128;

/* A decimal number: digits * 10^exp, negative if neg. */
struct dec {
	uint64_t digits;
	int exp;
	bool neg;
	bool big;  /* an integer digit was dropped: the integer part > 2^64 */
};

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Whether digits * 10 + c still fits in 64 bits (about 19.3 digits). */
static bool fits(uint64_t digits, char c)
{
	return digits <= (UINT64_MAX - (uint64_t)(c - '0')) / 10;
}

/*
 * dec_scan - read a decimal number at the start of @s.  Returns the number
 * of characters consumed, 0 if @s does not start with a number.  An
 * exponent whose magnitude is absurd is clamped; the caller's range check
 * then turns it into -ERANGE (or into 0 for a tiny value).
 */
static size_t dec_scan(const char *s, struct dec *d)
{
	const char *p = s;
	int ndigits = 0;
	bool full = false;  /* once a digit is dropped, drop all that follow */

	d->digits = 0;
	d->exp = 0;
	d->neg = false;
	d->big = false;
	if (*p == '-') {
		d->neg = true;
		p++;
	}
	for (; is_digit(*p); p++, ndigits++) {
		if (d->digits == 0 && *p == '0')
			continue;
		if (!full && fits(d->digits, *p)) {
			d->digits = d->digits * 10 + (uint64_t)(*p - '0');
		} else {
			full = true;
			d->big = true;
			d->exp++;  /* a dropped integer digit still scales */
		}
	}
	if (*p == '.') {
		p++;
		for (; is_digit(*p); p++, ndigits++) {
			if (d->digits == 0 && *p == '0') {
				d->exp--;
				continue;
			}
			if (!full && fits(d->digits, *p)) {
				d->digits = d->digits * 10 + (uint64_t)(*p - '0');
				d->exp--;
			} else {
				full = true;
			}
		}
	}
	if (ndigits == 0)
		return 0;
	if ((*p == 'e' || *p == 'E') &&
	    (is_digit(p[1]) || ((p[1] == '-' || p[1] == '+') && is_digit(p[2])))) {
		p++;
		bool eneg = false;
		if (*p == '-' || *p == '+')
			eneg = *p++ == '-';
		long e = 0;
		for (; is_digit(*p); p++)
			if (e < 100000)
				e = e * 10 + (*p - '0');
		d->exp += (int)(eneg ? -e : e);
	}
	return (size_t)(p - s);
}

/*
 * dec_scale - *out = round(d * mult) as an integer.  -ERANGE if it does not
 * fit in 64 bits.  The sign is the caller's business.
 */
static int dec_scale(const struct dec *d, uint64_t mult, uint64_t *out)
{
	u128 v = (u128)d->digits * mult;  /* < 2^64 * 2^64 */

	if (v == 0) {
		*out = 0;
		return 0;
	}
	if (d->exp >= 0) {
		/*
		 * digits * 10 plus the first dropped digit exceeded 2^64, so
		 * with exp >= 1 the true value does too, even if v does not.
		 */
		if (d->big && d->exp >= 1)
			return -ERANGE;
		for (int i = 0; i < d->exp; i++) {
			v *= 10;
			if (v > UINT64_MAX)
				return -ERANGE;
		}
	} else {
		if (d->exp < -38) {
			*out = 0;  /* v < 2^128 < 10^39: rounds to 0 */
			return 0;
		}
		u128 den = 1;
		for (int i = 0; i < -d->exp; i++)
			den *= 10;
		v = v / den + (v % den >= den - den / 2 ? 1 : 0);
	}
	if (v > UINT64_MAX)
		return -ERANGE;
	*out = (uint64_t)v;
	return 0;
}

struct suffix {
	const char *name;
	uint64_t mult;
};

static const struct suffix *suffix_find(const struct suffix *t, const char *s)
{
	for (; t->name; t++)
		if (strcasecmp(t->name, s) == 0)
			return t;
	return NULL;
}

/* Parse "<number><suffix>" with a suffix from @t (the empty name = bare). */
static int parse_scaled(const char *s, const struct suffix *t, uint64_t *out)
{
	struct dec d;

	if (!s)
		return -EINVAL;
	size_t n = dec_scan(s, &d);
	if (n == 0)
		return -EINVAL;
	const struct suffix *u = suffix_find(t, s + n);
	if (!u)
		return -EINVAL;
	if (d.neg)
		return -ERANGE;
	return dec_scale(&d, u->mult, out);
}

/*
 * A bare number: the whole text is a number without a unit.  Times and
 * rates refuse one unless it is zero, since tc reads a bare time as
 * microseconds and a bare rate as bytes per second (depending on the
 * version), and tfolab once read them as ms and bit/s.
 */
bool units_is_bare(const char *s)
{
	struct dec d;
	size_t n = s ? dec_scan(s, &d) : 0;
	return n > 0 && s[n] == '\0';
}

void units_bare_hint(const char *s, char unit_kind, char *buf, int len)
{
	if (len <= 0)
		return;
	if (unit_kind == 't')
		snprintf(buf, (size_t)len, "write %sms", s);
	else if (unit_kind == 's')
		snprintf(buf, (size_t)len, "write %ss", s);
	else
		snprintf(buf, (size_t)len, "write %smbit or %skbit", s, s);
}

/* -EINVAL for a bare number other than zero, 1 for a bare zero, 0 if not bare. */
static int bare_zero(const char *s)
{
	struct dec d;
	if (!units_is_bare(s))
		return 0;
	dec_scan(s, &d);
	return d.digits == 0 ? 1 : -EINVAL;
}

static const struct suffix rate_suffixes[] = {
	{ "bit", 1 },
	{ "kbit", 1000ull },
	{ "mbit", 1000ull * 1000 },
	{ "gbit", 1000ull * 1000 * 1000 },
	{ "tbit", 1000ull * 1000 * 1000 * 1000 },
	{ "kibit", 1024ull },
	{ "mibit", 1024ull * 1024 },
	{ "gibit", 1024ull * 1024 * 1024 },
	{ "bps", 8ull },
	{ "kbps", 8ull * 1000 },
	{ "mbps", 8ull * 1000 * 1000 },
	{ "gbps", 8ull * 1000 * 1000 * 1000 },
	{ NULL, 0 },
};

int units_parse_rate(const char *s, uint64_t *bps)
{
	uint64_t v;

	if (s && (strcasecmp(s, "unlimited") == 0 || strcasecmp(s, "inf") == 0)) {
		*bps = 0;
		return 0;
	}
	int rc = bare_zero(s);
	if (rc != 0)
		return rc < 0 ? rc : -ERANGE;  /* 0 in every unit: out of range */
	rc = parse_scaled(s, rate_suffixes, &v);
	if (rc < 0)
		return rc;
	if (v == 0)
		return -ERANGE;  /* 0 would mean unlimited: say so in words */
	*bps = v;
	return 0;
}

static const struct suffix time_suffixes[] = {
	{ "ns", 1 },
	{ "us", 1000ull },
	{ "ms", 1000ull * 1000 },
	{ "s", 1000ull * 1000 * 1000 },
	{ "min", 60ull * 1000 * 1000 * 1000 },
	{ NULL, 0 },
};

int units_parse_time(const char *s, uint64_t *ns)
{
	uint64_t v;

	int rc = bare_zero(s);
	if (rc < 0)
		return rc;
	if (rc == 1) {
		*ns = 0;  /* 0 is 0 in every unit */
		return 0;
	}
	rc = parse_scaled(s, time_suffixes, &v);
	if (rc < 0)
		return rc;
	*ns = v;
	return 0;
}

static const struct suffix size_suffixes[] = {
	{ "", 1 },
	{ "b", 1 },
	{ "k", 1000ull },
	{ "kb", 1000ull },
	{ "m", 1000ull * 1000 },
	{ "mb", 1000ull * 1000 },
	{ "g", 1000ull * 1000 * 1000 },
	{ "gb", 1000ull * 1000 * 1000 },
	{ "kib", 1024ull },
	{ "mib", 1024ull * 1024 },
	{ "gib", 1024ull * 1024 * 1024 },
	{ NULL, 0 },
};

int units_parse_size(const char *s, uint64_t *bytes)
{
	uint64_t v;

	int rc = parse_scaled(s, size_suffixes, &v);
	if (rc < 0)
		return rc;
	*bytes = v;
	return 0;
}

/*
 * One part of a queue limit, of length @n: "<integer>p" or a size with an
 * explicit unit.  A bare number is refused because it is ambiguous (tc's
 * netem reads "limit 1000" as packets, a size reads it as bytes), except 0,
 * which is out of range whatever the unit.
 */
static int queue_part(const char *s, size_t n, uint32_t *pkts, uint64_t *bytes)
{
	char buf[64];
	struct dec d;
	uint64_t v;

	if (n == 0 || n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';

	size_t k = dec_scan(buf, &d);
	if (k == 0)
		return -EINVAL;
	if (buf[k] == '\0')
		return (d.digits == 0 && !d.neg) ? -ERANGE : -EINVAL;
	if ((buf[k] == 'p' || buf[k] == 'P') && buf[k + 1] == '\0') {
		for (size_t i = d.neg ? 1 : 0; i < k; i++)
			if (!is_digit(buf[i]))
				return -EINVAL;  /* packets are whole */
		if (d.neg)
			return -ERANGE;
		int rc = dec_scale(&d, 1, &v);
		if (rc < 0 || v > UINT32_MAX)
			return -ERANGE;
		if (v == 0)
			return -ERANGE;
		if (*pkts)
			return -EINVAL;  /* two packet limits */
		*pkts = (uint32_t)v;
		return 0;
	}
	int rc = parse_scaled(buf, size_suffixes, &v);
	if (rc < 0)
		return rc;
	if (v == 0)
		return -ERANGE;
	if (*bytes)
		return -EINVAL;  /* two byte limits */
	*bytes = v;
	return 0;
}

int units_parse_queue(const char *s, uint32_t *pkts, uint64_t *bytes)
{
	uint32_t p = 0;
	uint64_t b = 0;

	if (!s)
		return -EINVAL;
	const char *comma = strchr(s, ',');
	int rc;
	if (!comma) {
		rc = queue_part(s, strlen(s), &p, &b);
	} else {
		rc = queue_part(s, (size_t)(comma - s), &p, &b);
		if (rc == 0)
			rc = queue_part(comma + 1, strlen(comma + 1), &p, &b);
	}
	if (rc < 0)
		return rc;
	*pkts = p;
	*bytes = b;
	return 0;
}

int units_parse_percent(const char *s, double *frac)
{
	static const double pow10[] = {
		1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
		1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
	};
	struct dec d;

	if (!s)
		return -EINVAL;
	size_t n = dec_scan(s, &d);
	if (n == 0)
		return -EINVAL;
	if (s[n] == '\0') {
		/* A bare number could be a fraction or a percentage: only 0 is clear. */
		if (d.digits != 0)
			return -EINVAL;
	} else if (strcmp(s + n, "%") != 0) {
		return -EINVAL;
	}
	if (d.neg && d.digits != 0)
		return -ERANGE;
	if (d.digits == 0) {
		*frac = 0;
		return 0;
	}
	/* value = digits * 10^(exp - 2); it must be < 1. */
	int e = d.exp - 2;
	if (e >= 0)
		return -ERANGE;
	double v;
	if (-e < (int)(sizeof(pow10) / sizeof(pow10[0])))
		v = (double)d.digits / pow10[-e];  /* one rounding when digits < 2^53 */
	else
		v = (double)d.digits / pow10[22] / __builtin_powi(10.0, -e - 22);
	if (v >= 1.0)
		return -ERANGE;
	*frac = v;
	return 0;
}

/*
 * Print @v / @unit exactly, with as many decimals as needed and no
 * trailing zeros, followed by @name.
 */
static void format_exact(uint64_t v, uint64_t unit, const char *name, char *buf, int len)
{
	uint64_t whole = v / unit, frac = v % unit;
	char fbuf[24] = "";

	if (frac) {
		/* The digits of frac / unit, most significant first. */
		size_t n = 0;
		fbuf[n++] = '.';
		for (uint64_t u = unit / 10; u > 0 && frac; u /= 10) {
			fbuf[n++] = (char)('0' + frac / u);
			frac %= u;
		}
		fbuf[n] = '\0';
	}
	snprintf(buf, (size_t)len, "%llu%s%s", (unsigned long long)whole, fbuf, name);
}

void units_format_rate(uint64_t bps, char *buf, int len)
{
	static const struct suffix units[] = {
		{ "tbit", 1000ull * 1000 * 1000 * 1000 },
		{ "gbit", 1000ull * 1000 * 1000 },
		{ "mbit", 1000ull * 1000 },
		{ "kbit", 1000ull },
		{ "bit", 1 },
	};

	if (len <= 0)
		return;
	if (bps == 0) {
		snprintf(buf, (size_t)len, "unlimited");
		return;
	}
	size_t i = 0;
	while (bps < units[i].mult)
		i++;
	format_exact(bps, units[i].mult, units[i].name, buf, len);
}

void units_format_time(uint64_t ns, char *buf, int len)
{
	static const struct suffix units[] = {
		{ "s", 1000ull * 1000 * 1000 },
		{ "ms", 1000ull * 1000 },
		{ "us", 1000ull },
		{ "ns", 1 },
	};

	if (len <= 0)
		return;
	if (ns == 0) {
		snprintf(buf, (size_t)len, "0ms");
		return;
	}
	size_t i = 0;
	while (ns < units[i].mult)
		i++;
	format_exact(ns, units[i].mult, units[i].name, buf, len);
}

int units_parse_count(const char *s, uint64_t min, uint64_t max, uint64_t *v)
{
	uint64_t x = 0;

	if (!*s)
		return -EINVAL;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return (*p == '-' && p == s && s[1]) ? -ERANGE : -EINVAL;
		if (x > max)
			continue;  /* keep scanning: a later non-digit is -EINVAL */
		x = x * 10 + (uint64_t)(*p - '0');
	}
	if (x < min || x > max)
		return -ERANGE;
	*v = x;
	return 0;
}
