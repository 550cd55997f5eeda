/*
 * Internals of the HAR importer: import_har_entry.c reads one entry (its
 * URL, sizes, cache state, protocol, connection), import_har.c picks the
 * page, orders and links the entries and builds the page.  The rules are
 * at the top of import_har.c.
 */
#ifndef TFOLAB_WORKLOADS_IMPORT_HAR_H
#define TFOLAB_WORKLOADS_IMPORT_HAR_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "workloads/import_int.h"

#define HAR_MAX_ERRORS 20

struct hentry {
	size_t index;           /* in log.entries */
	int64_t t_ns;
	int64_t send_ns, end_ns; /* request sent (start + blocked, dns, connect)
	                            and done (start + time); end -1 unknown */
	const char *url;        /* borrowed from the JSON tree */
	const char *initiator;  /* borrowed, or NULL */
	const char *redirect;   /* 3xx: response.redirectURL (borrowed), or NULL */
	char *conn_key;         /* connection or _socket as text, or NULL */
	bool conn_is_port;      /* conn_key came from "connection" and equals
	                           the URL's port (Firefox writes the port) */
	bool cached;            /* served from cache: sized at content.size */
	enum import_proto proto;
	char *host, *path, *ctype;
	uint64_t body, wire;    /* decoded and wire body bytes */
	enum page_enc enc;
	uint32_t req;
	int parent, conn;
};

struct har {
	const char *name;
	int nerr;
	struct import_report *rep;
	const struct import_opts *o;
	struct hentry *e;
	size_t n;
};

/* Logs "NAME: entry I: FIELD: MSG" (the first HAR_MAX_ERRORS) and counts it. */
void har_err(struct har *h, size_t i, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* A number, or a string holding one (WebPageTest writes "1234"): 0 or -1. */
int har_jnum(const json_t *v, long long *out);

/* "2016-01-24T15:42:23.303+01:00" (or Z, or +0100) to ns since the epoch. */
int har_parse_time(const char *s, int64_t *ns);

/* Reads entry i (an object) into h->e[h->n] when it is kept, counting what
 * it skips; problems go to har_err.  0, or -ENOMEM. */
int har_read_entry(struct har *h, size_t i, const json_t *e);

/* Frees what har_read_entry allocated in x. */
void har_entry_free(struct hentry *x);

#endif
