/*
 * Link backends: one table of functions per way of emulating the link.
 *
 * The testbed joins the client and server namespaces through a third, the
 * link namespace, which holds two interfaces: one facing the client and one
 * facing the server.  A backend makes those two interfaces behave like the
 * emulated link.  start() is called with the calling thread already inside
 * the link namespace; processes it forks stay there.
 */
#ifndef TFOLAB_EMULATOR_BACKEND_H
#define TFOLAB_EMULATOR_BACKEND_H

#include <stdint.h>

#include "common/vocab.h"
#include "emulator/link.h"

struct link_backend;  /* a backend's own state */

struct link_backend_ops {
	const char *name;
	/* 1 if usable on this machine, 0 if not (with a reason in @why). */
	int (*probe)(char *why, int len);
	/*
	 * Make if_client <-> if_server the link @p.  @event_log, if not NULL,
	 * is a path for the per-packet event log.  Returns 0 and the state in
	 * *@out, or a negative errno after logging, with nothing left behind.
	 */
	int (*start)(const struct link_params *p, const char *if_client,
		     const char *if_server, const char *event_log,
		     struct link_backend **out);
	/* Counters so far; up = client -> server.  0 or negative errno. */
	int (*stats)(struct link_backend *b, struct link_stats *up, struct link_stats *down);
	/* Start a new window of late_max_ns; NULL where lateness is unknown. */
	void (*mark)(struct link_backend *b);
	/* CPU time (user + system) the backend's own process used so far, in
	 * *@ns: 0 or a negative errno (logged).  NULL where the kernel does
	 * the work (netem). */
	int (*cpu_ns)(struct link_backend *b, uint64_t *ns);
	/* Undo start(); frees @b.  NULL is a no-op. */
	void (*stop)(struct link_backend *b);
};

extern const struct link_backend_ops link_userspace_ops;
extern const struct link_backend_ops link_netem_ops;

/*
 * link_backend_choose - the backend for @b: userspace, netem, or auto
 * (netem where the kernel has sch_netem, else userspace).  Forcing a
 * backend that cannot work here fails with -EOPNOTSUPP after one line that
 * says why.  @why_auto (may be NULL) gets the reason netem or auto chose as
 * it did.
 */
int link_backend_choose(enum backend_choice b, const struct link_backend_ops **out,
			char *why_auto, int len);
#endif
