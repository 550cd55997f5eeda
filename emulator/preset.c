/*
 * The link presets, one row each with its source.  The values are the
 * published ones (see ../shared/reference/README.md, "Link settings people
 * expect"); PRESET_FORM in preset.h lists the same names.
 */
#include "emulator/preset.h"

#include <string.h>

#define KBIT 1000ull
#define MBIT (1000ull * 1000)
#define MS (1000ull * 1000)

const struct link_preset link_presets[] = {
	{ "tfo-paper", 4 * MBIT, 256 * KBIT, { 20 * MS, 100 * MS, 200 * MS }, 3, 1,
	  "TCP Fast Open (CoNEXT 2011) Table 1 and its reproductions" },
	{ "wpt-cable", 5 * MBIT, 1 * MBIT, { 28 * MS }, 1, 0,
	  "WebPageTest connectivity profile Cable" },
	{ "wpt-dsl", 1500 * KBIT, 384 * KBIT, { 50 * MS }, 1, 0,
	  "WebPageTest connectivity profile DSL" },
	{ "wpt-3g", 1600 * KBIT, 768 * KBIT, { 300 * MS }, 1, 0,
	  "WebPageTest connectivity profile 3G" },
	{ "wpt-3gfast", 1600 * KBIT, 768 * KBIT, { 150 * MS }, 1, 0,
	  "WebPageTest connectivity profile 3GFast" },
	{ "lighthouse-slow4g", 1600 * KBIT, 750 * KBIT, { 150 * MS }, 1, 0,
	  "Lighthouse mobile throttling (slow 4G)" },
};

const size_t link_presets_count = sizeof(link_presets) / sizeof(link_presets[0]);

const struct link_preset *link_preset_find(const char *name)
{
	for (size_t i = 0; i < link_presets_count; i++)
		if (!strcmp(name, link_presets[i].name))
			return &link_presets[i];
	return NULL;
}
