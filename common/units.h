/*
 * Units as people write them: rates (4mbit), times (100ms), sizes (1.5MB),
 * queue limits (1000p or 1.5MB) and percentages (0.1%).
 *
 * The number is a plain decimal (digits, optional fraction, optional
 * exponent: 1e3); no blanks, no '+', no hex, no "nan"; suffixes are
 * case-insensitive.  The result is rounded to the nearest integer unit (bit/s,
 * ns, byte).  The output is written only on success.
 *
 * All parsers return 0, or -EINVAL when the text is not of the form (the
 * caller names the argument and prints UNITS_*_FORM), or -ERANGE when it is
 * of the form but out of range (negative, zero where zero is meaningless,
 * or overflowing).  None of them allocates or logs.
 */
#ifndef TFOLAB_COMMON_UNITS_H
#define TFOLAB_COMMON_UNITS_H

#include <stdbool.h>
#include <stdint.h>

#define UNITS_RATE_FORM "a rate such as 4mbit, 256kbit, 100mbit, 1gbit, 500000bit, or 'unlimited'"
#define UNITS_TIME_FORM "a time such as 100ms, 20ms, 1.5s, 250us or 0"
#define UNITS_SIZE_FORM "a size such as 1500, 64kB, 1.5MB or 2MiB"
#define UNITS_QUEUE_FORM "a queue limit such as 1000p, 1.5MB, or 1000p,1.5MB"
#define UNITS_PERCENT_FORM "a percentage such as 0.1% or 0"

/*
 * Rate in bits per second.  Suffixes follow tc: bit, kbit, mbit, gbit, tbit
 * (decimal, x1000) and kibit, mibit, gibit (x1024); bps, kbps, mbps, gbps are
 * BYTES per second as in tc.  A bare number has no unit and is -EINVAL
 * (units_is_bare() tells the caller to say "write 4mbit"); a bare 0 is
 * -ERANGE like 0mbit.  'unlimited' (or 'inf') gives 0.  Zero or negative
 * rates are -ERANGE.
 */
int units_parse_rate(const char *s, uint64_t *bps);

/*
 * Time in nanoseconds: ns, us, ms, s, min; >= 0.  A bare number is -EINVAL
 * (tc reads "100" as 100us, a person means 100ms: write the unit), except
 * "0", which is 0 in every unit.
 */
int units_parse_time(const char *s, uint64_t *ns);

/*
 * units_is_bare - whether @s is a number with no unit at all ("100",
 * "0.5"), so that a caller can answer "write 100ms" rather than only
 * "not a time".
 */
bool units_is_bare(const char *s);

/*
 * units_bare_hint - what to tell a bare @s given as a @unit_kind ('t' for a
 * time in ms, 's' for one in seconds, 'r' for a rate): "write 100ms", "write 30s" or "write 4mbit or 4kbit".
 * Truncated to @len like snprintf.
 */
void units_bare_hint(const char *s, char unit_kind, char *buf, int len);

/* Size in bytes: B (or none), kB/KB/k (1000), MB/M, GB/G, KiB, MiB, GiB. */
int units_parse_size(const char *s, uint64_t *bytes);

/*
 * Queue limit: "<n>p" packets (a whole number), a size with its unit (1.5MB,
 * 64000B), or one of each joined by a comma in either order.  The part not
 * given is 0 (no limit).  A bare number such as "1000" is -EINVAL because it
 * is ambiguous (packets to tc, bytes as a size).  A limit of 0 ("0p", "0MB",
 * "0") is -ERANGE: a queue of 0 cannot carry a packet.  The outputs are
 * written only on success.
 */
int units_parse_queue(const char *s, uint32_t *pkts, uint64_t *bytes);

/*
 * Percentage as a fraction in [0, 1): "0.1%" -> 0.001; "0" -> 0.  A bare
 * non-zero number ("0.1") is -EINVAL: it could mean 0.1% or 10%.  100% and
 * more, or negative, is -ERANGE.
 */
int units_parse_percent(const char *s, double *frac);

/*
 * Formatting for humans, the inverse of the parsers: "4mbit", "1.5mbit",
 * "unlimited" (0), "100ms", "250us", "1.5s", "0ms".  The text is exact (as
 * many decimals as needed), so parsing it gives back the same integer.
 * Truncated to @len like snprintf; nothing is written if @len <= 0.
 */
void units_format_rate(uint64_t bps, char *buf, int len);
void units_format_time(uint64_t ns, char *buf, int len);

/*
 * units_parse_count - a whole number of digits only (no sign, blank or
 * unit) from @min to @max.  Returns 0 with *@v set, -ERANGE when out of
 * range (a leading '-' included), or -EINVAL when not a number.
 */
int units_parse_count(const char *s, uint64_t min, uint64_t max, uint64_t *v);

#endif
