/*
 * tfolab import FILE -o NAME.page [--page N] [--name NAME] [--date DATE]
 *               [--cache import|skip] [--plan drop|keep] [-v]
 * - turn a HAR, a page-manifest CSV or a capture CSV into a .page file and
 * say what was kept, skipped and guessed.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "common/log.h"
#include "workloads/import.h"
#include "workloads/page.h"
#include "common/units.h"

static const char usage_text[] =
	"usage: tfolab import FILE -o NAME.page [--page N] [--name NAME] [--date DATE]\n"
	"                     [--cache import|skip] [--plan drop|keep] [-v]\n"
	"Convert a recorded page load into a .page file (workloads/pages/README.md).\n"
	"The format is recognised from the content: a HAR 1.2 file, a page-manifest\n"
	"CSV (reference/pages) or a capture CSV (reference/captures).\n"
	"  -o, --output FILE  the .page file to write ('-' = stdout)\n"
	"  --page N           HAR: the N-th page of log.pages (1-based; default 1)\n"
	"  --name NAME        page name (default: the output file name without .page)\n"
	"  --date DATE        date of the load (YYYY-MM-DD), overriding the input's\n"
	"  --cache import|skip  HAR: entries served from cache are imported at their\n"
	"                     content size, as a cold load fetches them (default), or left out\n"
	"  --plan drop|keep   HAR: over h2/h3 the connection ids are not HTTP/1.1\n"
	"                     connections: drop them (default) or keep them\n"
	"Exit status: 0, 1 on a system error, 2 on a usage error or bad input.\n"
	"  -v                 list every warning, not only the counts\n";

static void print_summary(FILE *f, const char *file, const struct page *p,
			  const struct import_report *r)
{
	fprintf(f, "%s: %s, %zu entries read, %zu resources kept", file, r->format,
		r->entries, r->kept);
	if (r->other_pages)
		fprintf(f, " (%zu entries of other pages ignored)", r->other_pages);
	fprintf(f, "\n  skipped:");
	size_t ns = 0;
	for (int s = 0; s < IMPORT_SKIP_N; s++)
		if (r->skipped[s])
			fprintf(f, "%s %s %zu", ns++ ? "," : "", import_skip_name(s), r->skipped[s]);
	fprintf(f, "%s\n  warnings:", ns ? "" : " none");
	size_t nw = 0;
	for (int w = 0; w < IMPORT_WARN_N; w++)
		if (r->warnings[w])
			fprintf(f, "%s %s %zu", nw++ ? "," : "", import_warn_name(w), r->warnings[w]);
	fprintf(f, "%s\n", nw ? "" : " none");
	fprintf(f, "  hosts %zu, connections %zu, groups %zu, total body bytes %llu decoded, "
		"%llu on the wire\n", p->nhosts, page_count_conns(p), page_count_groups(p),
		(unsigned long long)page_total_bytes(p), (unsigned long long)page_total_wire(p));
	fprintf(f, "  request bytes estimated for %zu of %zu resources", r->req_estimated, p->n);
	if (!strcmp(r->format, "har"))
		fprintf(f, "; parents from _initiator for %zu, from a redirect for %zu",
			r->parent_initiator, r->parent_redirect);
	fprintf(f, "\n");
	if (strcmp(r->format, "har"))
		return;
	size_t cached = r->cached + r->skipped[IMPORT_SKIP_CACHED];
	if (cached)
		fprintf(f, "  %zu of %zu entries were served from cache; %s\n", cached, r->entries,
			r->cached ? "imported at their content size" : "left out (--cache skip)");
	fprintf(f, "  protocols:");
	for (int k = 0; k < IMPORT_PROTO_N; k++)
		fprintf(f, "%s %s %zu", k ? "," : "", import_proto_name(k), r->proto[k]);
	fprintf(f, "; connection plan %s\n", !r->plan_dropped ? page_count_conns(p) ? "kept" : "none" :
		r->mux_timing ? "dropped (a connection carried overlapping requests, so it was "
		"multiplexed; --plan keep keeps it): 6 per host, k per connection" :
		"dropped (h2/h3 ids are not HTTP/1.1 connections; --plan keep keeps it): "
		"6 per host, k per connection");
}

int cmd_import(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "page", required_argument, NULL, 'p' },
		{ "name", required_argument, NULL, 'n' },
		{ "date", required_argument, NULL, 'd' },
		{ "cache", required_argument, NULL, 'c' },
		{ "plan", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct import_opts o = { 0 };
	const char *out = NULL;
	int opt;
	uint64_t v;

	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "o:vh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'o':
			out = optarg;
			break;
		case 'p':
			if (units_parse_count(optarg, 1, INT_MAX, &v) < 0) {
				fprintf(stderr, "tfolab import: --page: '%s' is not a page number (use 1, 2, ...)\n",
					optarg);
				return 2;
			}
			o.page = (int)v;
			break;
		case 'n':
			o.name = optarg;
			break;
		case 'd':
			o.date = optarg;
			break;
		case 'c':
		case 'P': {
			const char *a = opt == 'c' ? "import" : "drop", *b = opt == 'c' ? "skip" : "keep";
			if (strcmp(optarg, a) && strcmp(optarg, b)) {
				fprintf(stderr, "tfolab import: --%s: \"%s\" is not %s or %s\n",
					opt == 'c' ? "cache" : "plan", optarg, a, b);
				return 2;
			}
			*(opt == 'c' ? &o.cache_skip : &o.plan_keep) = !strcmp(optarg, b);
			break;
		}
		case 'v':
			log_verbose = 1;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			if (optopt && strchr("opndcP", optopt))
				fprintf(stderr, "tfolab import: '%s' needs a value (see tfolab import --help)\n",
					argv[optind - 1]);
			else
				fprintf(stderr, "tfolab import: unknown option '%s' (see tfolab import --help)\n",
					argv[optind - 1]);
			return 2;
		}
	}
	if (optind >= argc || !out) {
		fprintf(stderr, "tfolab import: %s (usage: tfolab import FILE -o NAME.page)\n",
			optind >= argc ? "FILE is missing" : "-o NAME.page is missing");
		return 2;
	}
	if (optind + 1 < argc) {
		fprintf(stderr, "tfolab import: unexpected argument '%s' (one FILE only)\n",
			argv[optind + 1]);
		return 2;
	}
	const char *file = argv[optind];
	char *name = NULL;
	if (!o.name && strcmp(out, "-")) {
		const char *b = strrchr(out, '/');
		name = strdup(b ? b + 1 : out);
		if (!name)
			return 1;
		size_t nl = strlen(name);
		if (nl > 5 && !strcmp(name + nl - 5, ".page"))
			name[nl - 5] = '\0';
		o.name = name;
	}
	struct page *p = NULL;
	struct import_report rep;
	int rc = import_file(file, &o, &p, &rep);
	if (rc == 0)
		rc = strcmp(out, "-") ? page_write_file(p, out) : page_write(p, stdout);
	if (rc == 0) {
		FILE *sf = strcmp(out, "-") ? stdout : stderr;
		print_summary(sf, file, p, &rep);
		if (sf == stdout)
			printf("  wrote %s (page %s)\n", out, p->name);
	}
	page_free(p);
	free(name);
	return rc == 0 ? 0 : rc == -EINVAL ? 2 : 1;
}
