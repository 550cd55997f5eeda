/*
 * tfolab pages [--json] [DIR...] - list the pages (the .page files) in DIR,
 * or in the page directories of workloads/pages.h, as an aligned table or
 * a JSON array.
 */
#include <dirent.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "common/log.h"
#include "workloads/page.h"
#include "workloads/pages.h"

struct row {
	const char *dir;
	char *name, *file, *source;
	size_t requests, hosts;
	unsigned long long bytes, wire;   /* decoded and wire body bytes */
	int bad;
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Appends a row for every every .page file of DIR, in name order.  -1 if DIR unreadable. */
static int scan_dir(const char *dir, struct row **rows, size_t *n)
{
	DIR *d = opendir(dir);
	if (!d) {
		log_err("pages: %s: cannot open the directory", dir);
		return -1;
	}
	char **names = NULL;
	size_t nn = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if (l <= 5 || strcmp(de->d_name + l - 5, ".page"))
			continue;
		char **v = realloc(names, (nn + 1) * sizeof(*v));
		if (!v || !(v[nn] = strdup(de->d_name)))
			break;
		names = v;
		nn++;
	}
	closedir(d);
	if (nn)
		qsort(names, nn, sizeof(*names), cmp_str);
	for (size_t i = 0; i < nn; i++) {
		struct row *v = realloc(*rows, (*n + 1) * sizeof(*v));
		if (!v)
			break;
		*rows = v;
		struct row *r = &v[(*n)++];
		memset(r, 0, sizeof(*r));
		r->dir = dir;
		if (asprintf(&r->file, "%s/%s", dir, names[i]) < 0)
			r->file = NULL;
		struct page *p = NULL;
		if (!r->file || page_parse(r->file, &p) < 0) {
			r->bad = 1;
			names[i][strlen(names[i]) - 5] = '\0';
			r->name = strdup(names[i]);
			r->source = strdup("(invalid: see the errors above)");
		} else {
			r->name = strdup(p->name);
			r->source = strdup(p->source ? p->source : "-");
			r->requests = p->n;
			r->hosts = p->nhosts;
			r->bytes = page_total_bytes(p);
			r->wire = page_total_wire(p);
		}
		page_free(p);
		free(names[i]);
	}
	free(names);
	return 0;
}

/* The rows as a JSON array on stdout; 0, or -1 if it cannot be written. */
static int print_json(const struct row *rows, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < n; i++) {
		const struct row *r = &rows[i];
		json_t *o = json_pack("{s:s?, s:s?, s:s, s:b}", "name", r->name, "file", r->file,
				      "dir", r->dir, "valid", !r->bad);
		if (o && !r->bad) {
			json_object_set_new(o, "requests", json_integer((json_int_t)r->requests));
			json_object_set_new(o, "hosts", json_integer((json_int_t)r->hosts));
			json_object_set_new(o, "decoded_bytes", json_integer((json_int_t)r->bytes));
			json_object_set_new(o, "wire_bytes", json_integer((json_int_t)r->wire));
			json_object_set_new(o, "source", json_string(r->source ? r->source : "-"));
		}
		if (!o || json_array_append_new(a, o) < 0) {
			json_decref(a);
			a = NULL;
		}
	}
	int rc = a && json_dumpf(a, stdout, JSON_INDENT(2)) == 0 ? 0 : -1;
	if (rc == 0)
		printf("\n");
	else
		fprintf(stderr, "tfolab pages: cannot write the JSON\n");
	json_decref(a);
	return rc;
}

int cmd_pages(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, 'j' },
		{ 0 },
	};
	int opt, json = 0;
	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		if (opt == 'j') {
			json = 1;
			continue;
		}
		if (opt == 'h') {
			printf("usage: tfolab pages [--json] [DIR...]\n"
			       "List the pages (.page files): request count, host count, total body\n"
			       "bytes decoded (what the browser parses) and on the wire (what the link\n"
			       "carries), wire/decoded (W/D), and source.  Without DIR: the directories of\n"
			       "$TFOLAB_PAGES (colon-separated), then the source tree's workloads/pages,\n"
			       "then ../workloads/pages next to the binary.\n"
			       "  --json   a JSON array instead: one object per page with name, file,\n"
			       "           dir, valid, requests, hosts, decoded_bytes, wire_bytes, source\n");
			return 0;
		}
		fprintf(stderr, "tfolab pages: unknown option '%s' (see tfolab pages --help)\n",
			argv[optind - 1]);
		return 2;
	}
	char **dirs = NULL;
	int nd;
	if (optind < argc) {
		nd = argc - optind;
	} else if ((nd = pages_dirs(&dirs)) < 0) {
		return 1;
	}
	struct row *rows = NULL;
	size_t n = 0;
	int status = 0;
	for (int i = 0; i < nd; i++)
		if (scan_dir(dirs ? dirs[i] : argv[optind + i], &rows, &n) < 0)
			status = 1;
	if (nd == 0) {
		log_err("pages: no page directory found (set TFOLAB_PAGES or give DIR)");
		status = 1;
	}
	if (json) {
		if (print_json(rows, n) < 0)
			status = 1;
		for (size_t i = 0; i < n; i++) {
			status |= rows[i].bad;
			free(rows[i].name);
			free(rows[i].file);
			free(rows[i].source);
		}
		free(rows);
		pages_dirs_free(dirs);
		return status;
	}
	int wn = 4;
	for (size_t i = 0; i < n; i++) {
		int l = (int)strlen(rows[i].name ? rows[i].name : "?");
		wn = l > wn ? l : wn;
		status |= rows[i].bad;
	}
	if (n)
		printf("%-*s %8s %6s %12s %12s %6s  %s\n", wn, "NAME", "REQUESTS", "HOSTS", "DECODED",
		       "WIRE", "W/D", "SOURCE");
	for (size_t i = 0; i < n; i++) {
		struct row *r = &rows[i];
		/* several directories: say which rows come from where (a name
		 * found in an earlier one shadows the later ones) */
		if (nd > 1 && (i == 0 || strcmp(r->dir, rows[i - 1].dir)))
			printf("# %s\n", r->dir);
		if (r->bad)
			printf("%-*s %8s %6s %12s %12s %6s  %s\n", wn, r->name ? r->name : "?", "-", "-",
			       "-", "-", "-", r->source ? r->source : "");
		else if (r->bytes == 0)
			printf("%-*s %8zu %6zu %12llu %12llu %6s  %s\n", wn, r->name ? r->name : "?",
			       r->requests, r->hosts, r->bytes, r->wire, "-", r->source ? r->source : "");
		else
			printf("%-*s %8zu %6zu %12llu %12llu %6.3f  %s\n", wn, r->name ? r->name : "?",
			       r->requests, r->hosts, r->bytes, r->wire, (double)r->wire / (double)r->bytes,
			       r->source ? r->source : "");
		free(r->name);
		free(r->file);
		free(r->source);
	}
	if (n == 0 && nd > 0)
		fprintf(stderr, "tfolab pages: no .page files found\n");
	free(rows);
	pages_dirs_free(dirs);
	return status;
}
