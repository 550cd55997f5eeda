/*
 * The link options shared by every command that builds a testbed (link,
 * load): --preset, --rtt, --down, --up, --queue, --loss, --link, --tfo, --cc.
 * Parsing only fills the struct and reports bad input; nothing is created.
 * A preset fills the rates and delays that no explicit option set, in
 * whatever order they were given: "--preset wpt-3g --rtt 100ms" is wpt-3g's
 * rates with a 100 ms RTT.
 */
#ifndef TFOLAB_CLI_LINKOPTS_H
#define TFOLAB_CLI_LINKOPTS_H

#include <getopt.h>

#include "common/vocab.h"
#include "emulator/link.h"
#include "emulator/preset.h"

/* The fields an explicit option set, which a preset leaves alone. */
enum {
	LINKSET_DELAY_UP = 1 << 0, LINKSET_DELAY_DOWN = 1 << 1,
	LINKSET_RATE_UP = 1 << 2, LINKSET_RATE_DOWN = 1 << 3,
};

struct linkopts {
	struct link_params link;
	enum backend_choice backend;
	enum tfo_mode tfo;
	int tfo_set;           /* --tfo given */
	enum tls_mode tls;     /* --tls: off (plain HTTP), 1.2, 1.3, 1.3-early */
	const char *cc;        /* NULL = the namespace default; else set per route */
	const struct link_preset *preset;  /* --preset, or NULL */
	unsigned set;          /* LINKSET_* of the options given */
	uint64_t stall_limit_ns;  /* --stall-limit: lateness that makes the
	                             measurement a host stall (cli/prologue/late.h) */
};

enum {
	LINKOPT_RTT = 1000, LINKOPT_DOWN, LINKOPT_UP, LINKOPT_QUEUE, LINKOPT_QUEUE_UP,
	LINKOPT_QUEUE_DOWN, LINKOPT_LOSS, LINKOPT_DROP_SYN, LINKOPT_LINK, LINKOPT_TFO, LINKOPT_CC,
	LINKOPT_DELAY_UP, LINKOPT_DELAY_DOWN, LINKOPT_PRESET, LINKOPT_STALL_LIMIT, LINKOPT_TLS,
};

/* The getopt_long entries, to be copied into a command's own table. */
#define LINKOPTS_LONG                                                   \
	{ "preset", required_argument, NULL, LINKOPT_PRESET },          \
	{ "rtt", required_argument, NULL, LINKOPT_RTT },                \
	{ "delay-up", required_argument, NULL, LINKOPT_DELAY_UP },      \
	{ "delay-down", required_argument, NULL, LINKOPT_DELAY_DOWN },  \
	{ "down", required_argument, NULL, LINKOPT_DOWN },              \
	{ "up", required_argument, NULL, LINKOPT_UP },                  \
	{ "queue", required_argument, NULL, LINKOPT_QUEUE },            \
	{ "queue-up", required_argument, NULL, LINKOPT_QUEUE_UP },      \
	{ "queue-down", required_argument, NULL, LINKOPT_QUEUE_DOWN },  \
	{ "loss", required_argument, NULL, LINKOPT_LOSS },              \
	{ "drop-syn-data", required_argument, NULL, LINKOPT_DROP_SYN }, \
	{ "link", required_argument, NULL, LINKOPT_LINK },              \
	{ "tfo", required_argument, NULL, LINKOPT_TFO },                \
	{ "tls", required_argument, NULL, LINKOPT_TLS },                \
	{ "cc", required_argument, NULL, LINKOPT_CC },                  \
	{ "stall-limit", required_argument, NULL, LINKOPT_STALL_LIMIT }

#define LINKOPTS_HELP                                                                    \
	"link:\n"                                                                        \
	"  --preset NAME       rates and RTT of a named link (tfolab presets lists them);\n" \
	"                      the options below override single fields of it\n"     \
	"  --rtt TIME          round-trip propagation delay, split evenly (default 0);\n" \
	"                      times and rates need their unit: 100ms, not 100\n"     \
	"  --delay-up TIME     one-way delay client->server (overrides --rtt's half)\n"  \
	"  --delay-down TIME   one-way delay server->client\n"                           \
	"  --down RATE         server->client rate, e.g. 4mbit (default unlimited);\n"   \
	"                      mbit is megabits/s, mbps megaBYTES/s as in tc\n"       \
	"  --up RATE           client->server rate, e.g. 256kbit (default unlimited)\n"  \
	"  --queue LIMIT       droptail limit each way: 1000p, 1.5MB or 1000p,1.5MB\n"   \
	"                      (default: max(1000 packets, 4x the bandwidth-delay product))\n" \
	"  --queue-up/--queue-down LIMIT   the same for one direction\n"                 \
	"  --loss PERCENT      random loss each way, e.g. 0.1%% (default 0)\n"           \
	"  --drop-syn-data N   drop the first N SYNs that carry data, client->server\n"   \
	"                      (TFO's fallback; userspace link only)\n"                 \
	"  --link BACKEND      auto (default), userspace or netem\n"                      \
	"  --tfo MODE          off | on (data in SYN, no cookies) | cookie (real cookies)\n" \
	"  --tls MODE          off (plain HTTP, default) | 1.2 | 1.3 | 1.3-early (resumed,\n" \
	"                      the request as early data): HTTPS on port 443\n"      \
	"  --cc NAME           TCP congestion control of every connection, set on the\n"  \
	"                      testbed's routes (reno, bbr, cubic, ...)\n"  \
	"  --stall-limit TIME  a packet delivered this late means the host stalled the\n" \
	"                      link: the measurement is reported STALLED (default 10ms)\n"

void linkopts_init(struct linkopts *lo);

/*
 * linkopts_parse - handle one getopt_long result @opt with @arg for command
 * @cmd.  Returns 1 if it was a link option, 0 if not, or -EINVAL after
 * printing one line that names the argument and the accepted form.
 */
int linkopts_parse(struct linkopts *lo, const char *cmd, int opt, const char *arg);

/*
 * linkopts_finish - the preset's values for the fields no option set, then
 * the defaults of unset fields (queue sizes); call after parsing.
 */
void linkopts_finish(struct linkopts *lo);

/* cmd_presets - `tfolab presets`: the table of link presets. */
int cmd_presets(int argc, char **argv);

#endif
