#include "cli/prologue/linkopts.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/units.h"
#include "verify/stall.h"

void linkopts_init(struct linkopts *lo)
{
	memset(lo, 0, sizeof(*lo));
	link_params_init(&lo->link);
	lo->backend = BACKEND_AUTO;
	lo->tfo = TFO_OFF;
	lo->tls = TLS_OFF;
	lo->stall_limit_ns = STALL_LIMIT_NS;
}

static int bad(const char *cmd, const char *opt, const char *arg, const char *what, const char *form)
{
	fprintf(stderr, "tfolab %s: --%s: \"%s\" is not %s (use %s)\n", cmd, opt, arg, what, form);
	return -EINVAL;
}

/* "--rtt: \"100\" has no unit (write 100ms)": tc and tfolab read it differently. */
static int bare(const char *cmd, const char *opt, const char *arg, char unit_kind)
{
	char hint[128];
	units_bare_hint(arg, unit_kind, hint, sizeof(hint));
	fprintf(stderr, "tfolab %s: --%s: \"%s\" has no unit (%s)\n", cmd, opt, arg, hint);
	return -EINVAL;
}

static int time_arg(const char *cmd, const char *opt, const char *arg, uint64_t *ns)
{
	int rc = units_parse_time(arg, ns);
	if (rc == -EINVAL && units_is_bare(arg))
		return bare(cmd, opt, arg, 't');
	if (rc == -EINVAL)
		return bad(cmd, opt, arg, "a time", UNITS_TIME_FORM);
	if (rc < 0)
		return bad(cmd, opt, arg, "a time of 0 or more", UNITS_TIME_FORM);
	return 0;
}

static int delay_check(const char *cmd, const char *opt, const char *arg, uint64_t one_way)
{
	if (one_way > LINK_MAX_DELAY_NS) {
		fprintf(stderr, "tfolab %s: --%s: \"%s\" is over the 10 s limit of a one-way delay\n",
			cmd, opt, arg);
		return -EINVAL;
	}
	return 0;
}

static int rate_arg(const char *cmd, const char *opt, const char *arg, uint64_t *bps)
{
	int rc = units_parse_rate(arg, bps);
	if (rc == -EINVAL && units_is_bare(arg))
		return bare(cmd, opt, arg, 'r');
	if (rc == -EINVAL)
		return bad(cmd, opt, arg, "a rate", UNITS_RATE_FORM);
	if (rc < 0)
		return bad(cmd, opt, arg, "a positive rate", UNITS_RATE_FORM);
	return 0;
}

static int queue_arg(const char *cmd, const char *opt, const char *arg, struct link_dir *d)
{
	int rc = units_parse_queue(arg, &d->limit_pkts, &d->limit_bytes);
	if (rc == -EINVAL)
		return bad(cmd, opt, arg, "a queue limit", UNITS_QUEUE_FORM);
	if (rc < 0)
		return bad(cmd, opt, arg, "a queue limit above 0", UNITS_QUEUE_FORM);
	return 0;
}

int linkopts_parse(struct linkopts *lo, const char *cmd, int opt, const char *arg)
{
	struct link_params *p = &lo->link;
	uint64_t ns;
	double loss;
	int rc;

	switch (opt) {
	case LINKOPT_RTT:
		if ((rc = time_arg(cmd, "rtt", arg, &ns)) < 0 ||
		    (rc = delay_check(cmd, "rtt", arg, ns / 2)) < 0)
			return rc;
		p->up.delay_ns = ns / 2;
		p->down.delay_ns = ns - ns / 2;
		lo->set |= LINKSET_DELAY_UP | LINKSET_DELAY_DOWN;
		return 1;
	case LINKOPT_STALL_LIMIT:
		if ((rc = time_arg(cmd, "stall-limit", arg, &ns)) < 0)
			return rc;
		lo->stall_limit_ns = ns;
		return 1;
	case LINKOPT_DELAY_UP:
	case LINKOPT_DELAY_DOWN: {
		const char *name = opt == LINKOPT_DELAY_UP ? "delay-up" : "delay-down";
		if ((rc = time_arg(cmd, name, arg, &ns)) < 0 || (rc = delay_check(cmd, name, arg, ns)) < 0)
			return rc;
		(opt == LINKOPT_DELAY_UP ? &p->up : &p->down)->delay_ns = ns;
		lo->set |= opt == LINKOPT_DELAY_UP ? LINKSET_DELAY_UP : LINKSET_DELAY_DOWN;
		return 1;
	}
	case LINKOPT_PRESET:
		if (!(lo->preset = link_preset_find(arg)))
			return bad(cmd, "preset", arg, "a link preset", PRESET_FORM);
		return 1;
	case LINKOPT_DOWN:
		lo->set |= LINKSET_RATE_DOWN;
		return rate_arg(cmd, "down", arg, &p->down.rate_bps) ?: 1;
	case LINKOPT_UP:
		lo->set |= LINKSET_RATE_UP;
		return rate_arg(cmd, "up", arg, &p->up.rate_bps) ?: 1;
	case LINKOPT_QUEUE:
		if ((rc = queue_arg(cmd, "queue", arg, &p->up)) < 0)
			return rc;
		p->down.limit_pkts = p->up.limit_pkts;
		p->down.limit_bytes = p->up.limit_bytes;
		return 1;
	case LINKOPT_QUEUE_UP:
		return queue_arg(cmd, "queue-up", arg, &p->up) ?: 1;
	case LINKOPT_QUEUE_DOWN:
		return queue_arg(cmd, "queue-down", arg, &p->down) ?: 1;
	case LINKOPT_LOSS:
		rc = units_parse_percent(arg, &loss);
		if (rc < 0)
			return bad(cmd, "loss", arg, "a loss percentage below 100%", UNITS_PERCENT_FORM);
		p->up.loss = p->down.loss = loss;
		return 1;
	case LINKOPT_DROP_SYN: {
		uint64_t n;
		if (units_parse_count(arg, 0, 1000000, &n) < 0)
			return bad(cmd, "drop-syn-data", arg, "a count", "0 to 1000000, such as 1");
		p->up.drop_syn_data = (uint32_t)n;
		return 1;
	}
	case LINKOPT_LINK:
		if ((rc = backend_parse(arg)) < 0)
			return bad(cmd, "link", arg, "a link backend", BACKEND_FORM);
		lo->backend = (enum backend_choice)rc;
		return 1;
	case LINKOPT_TFO:
		if ((rc = tfo_mode_parse(arg)) < 0)
			return bad(cmd, "tfo", arg, "a TFO mode", TFO_MODE_FORM);
		lo->tfo = (enum tfo_mode)rc;
		lo->tfo_set = 1;
		return 1;
	case LINKOPT_TLS:
		if ((rc = tls_mode_parse(arg)) < 0)
			return bad(cmd, "tls", arg, "a TLS mode", TLS_MODE_FORM);
		lo->tls = (enum tls_mode)rc;
		return 1;
	case LINKOPT_CC:
		if (!*arg || strlen(arg) > 15 || strpbrk(arg, "/. "))
			return bad(cmd, "cc", arg, "a congestion control name", "reno, bbr, cubic, ...");
		lo->cc = arg;
		return 1;
	}
	return 0;
}

void linkopts_finish(struct linkopts *lo)
{
	const struct link_preset *pr = lo->preset;
	struct link_params *p = &lo->link;

	if (pr) {
		uint64_t rtt = pr->rtt_ns[pr->default_rtt];
		if (!(lo->set & LINKSET_DELAY_UP))
			p->up.delay_ns = rtt / 2;
		if (!(lo->set & LINKSET_DELAY_DOWN))
			p->down.delay_ns = rtt - rtt / 2;
		if (!(lo->set & LINKSET_RATE_UP))
			p->up.rate_bps = pr->up_bps;
		if (!(lo->set & LINKSET_RATE_DOWN))
			p->down.rate_bps = pr->down_bps;
	}
	link_params_finish(p);
}

int cmd_presets(int argc, char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: tfolab presets\n\n"
		       "Lists the named link settings that --preset NAME (link, load) and\n"
		       "preset = NAME (experiment files) accept, with their source.\n");
		return 0;
	}
	if (argc > 1) {
		fprintf(stderr, "tfolab presets: takes no arguments\n");
		return 2;
	}
	printf("%-18s %-9s %-9s %-22s %s\n", "name", "down", "up", "rtt", "source");
	for (size_t i = 0; i < link_presets_count; i++) {
		const struct link_preset *pr = &link_presets[i];
		char down[32], up[32], rtt[64] = "", one[32];
		units_format_rate(pr->down_bps, down, sizeof(down));
		units_format_rate(pr->up_bps, up, sizeof(up));
		for (size_t j = 0; j < pr->n_rtt; j++) {
			units_format_time(pr->rtt_ns[j], one, sizeof(one));
			snprintf(rtt + strlen(rtt), sizeof(rtt) - strlen(rtt), "%s%s%s", j ? "," : "",
				 one, pr->n_rtt > 1 && j == pr->default_rtt ? "*" : "");
		}
		printf("%-18s %-9s %-9s %-22s %s\n", pr->name, down, up, rtt, pr->source);
	}
	printf("\n"
	       "The RTT is the whole round trip, as WebPageTest and Lighthouse give their\n"
	       "latency; the link splits it into two one-way delays of half each (wpt-3g's\n"
	       "300ms is 150ms client->server and 150ms server->client), as --rtt does.\n"
	       "Where a preset lists several RTTs, an experiment file measures each of them\n"
	       "and link and load use the one marked *.  Explicit options (--rtt, --down,\n"
	       "--up, --delay-up, --delay-down; rtt, down, up in a file) override single\n"
	       "fields of a preset.\n");
	return 0;
}
