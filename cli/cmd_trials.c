/*
 * tfolab trials - every trial of a stored run with its condition, as CSV or
 * JSON (results/export.c).
 */
#include "cli/cmd_table.h"
#include "cli/commands.h"
#include "results/export.h"

int cmd_trials(int argc, char **argv)
{
	static const struct results_cmd cmd = {
		.name = "trials",
		.summary = "Export every trial of a stored run, one row each with every column of "
			   "its condition\n(page, rtt_ns, down_bps, tfo_mode, ...) and of the trial "
			   "(seq, plt_ns, valid, stalled, ...),\nin matrix order.  Times are ns, rates "
			   "bit/s; invalid and stalled trials are included.",
		.render = trials_render,
		.rows = 1,
	};
	return results_cmd_run(&cmd, argc, argv);
}
