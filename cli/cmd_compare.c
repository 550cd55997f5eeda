/*
 * tfolab compare - print TFO's gain against requests per connection, or
 * over HTTP beside over HTTPS, or with our fetcher beside Chromium.
 */
#include "cli/cmd_table.h"
#include "cli/commands.h"

int cmd_compare(int argc, char **argv)
{
	static const struct results_cmd cmd = {
		.name = "compare",
		.summary = "Print how TFO's gain changes with the requests a connection carries "
			   "(1, 2, ..., unlimited),\nper page and RTT, for a stored run that swept "
			   "per_conn; or, with --by tls, TFO's gain over\nHTTP beside its gain over "
			   "each TLS mode, for a run that swept tls; or, with --by fetcher,\nthe "
			   "builtin fetcher's PLTs and gain beside Chromium's, for a run that swept "
			   "fetcher.",
		.render = table_render_compare,
		.pivots = 1,
	};
	return results_cmd_run(&cmd, argc, argv);
}
