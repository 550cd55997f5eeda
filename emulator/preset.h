/*
 * Named link presets: the link settings people expect from the TFO papers,
 * WebPageTest and Lighthouse, each with its source (emulator/preset.c).
 *
 * A preset gives the rates and the round-trip time; the link splits the RTT
 * into two one-way delays of half each, as --rtt does.  WebPageTest's and
 * Lighthouse's "latency" is such a whole round trip.  A preset may list
 * several RTTs (tfo-paper: the three of Table 1): `link` and `load` use its
 * default one, an experiment file measures them all.
 */
#ifndef TFOLAB_EMULATOR_PRESET_H
#define TFOLAB_EMULATOR_PRESET_H

#include <stddef.h>
#include <stdint.h>

#define PRESET_MAX_RTTS 3

struct link_preset {
	const char *name;
	uint64_t down_bps;     /* server -> client */
	uint64_t up_bps;       /* client -> server */
	uint64_t rtt_ns[PRESET_MAX_RTTS];  /* the RTTs it lists */
	size_t n_rtt;
	size_t default_rtt;    /* index into rtt_ns used by link and load */
	const char *source;    /* where the values come from */
};

extern const struct link_preset link_presets[];
extern const size_t link_presets_count;

/* link_preset_find - the preset named @name, or NULL. */
const struct link_preset *link_preset_find(const char *name);

/* "tfo-paper, wpt-cable, ...": the names, for usage errors. */
#define PRESET_FORM "tfo-paper, wpt-cable, wpt-dsl, wpt-3g, wpt-3gfast or lighthouse-slow4g"

#endif
