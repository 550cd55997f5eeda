/*
 * A headless Chromium for one page load: started in the calling thread's
 * network namespace with a fresh profile, no caches, no prediction, no
 * extensions and no background networking, driven over the DevTools pipe
 * (browser/cdp.h), and gone without a trace when freed.
 *
 * Files: DIR/PREFIX-chromium-XXXXXX/ holds the profile, the browser's
 * stderr (stderr.log) and chromium.pid, the process group to kill.  A run
 * that crashed leaves that directory behind; chromium_cleanup finds it.
 */
#ifndef TFOLAB_BROWSER_CHROMIUM_H
#define TFOLAB_BROWSER_CHROMIUM_H

#include <stdint.h>
#include <sys/types.h>

#define CHROMIUM_BINARY "/usr/bin/chromium"   /* Debian's package */

struct chromium_opts {
	const char *binary;          /* NULL = $TFOLAB_CHROMIUM, else CHROMIUM_BINARY */
	const char *dir;             /* where the profile directory goes (the run's) */
	const char *prefix;          /* the run's prefix, for cleanup */
	const char *resolver_rules;  /* --host-resolver-rules: every page host
					mapped to its server address */
	const char *preload;         /* LD_PRELOAD for the browser's processes
					(the TFO library), or NULL */
};

struct chromium;
struct cdp;

/*
 * chromium_start - start the browser and attach to a new blank page, all
 * before @deadline_ns (CLOCK_MONOTONIC).  0 and *@out, or a negative errno
 * after logging (the tail of the browser's stderr included), with nothing
 * left running and the profile removed.
 */
int chromium_start(const struct chromium_opts *o, int64_t deadline_ns, struct chromium **out);

/* The DevTools connection, and the page's session id for its commands. */
struct cdp *chromium_cdp(struct chromium *b);
const char *chromium_session(const struct chromium *b);

/* chromium_pid - the browser's main process. */
pid_t chromium_pid(const struct chromium *b);

/*
 * chromium_stderr_tail - the last line of the browser's stderr into @out
 * ("" if none), for a reason that names why it died.
 */
void chromium_stderr_tail(const struct chromium *b, char *out, size_t len);

/*
 * chromium_free - close the pipe (the browser quits), wait at most 2 s,
 * then SIGKILL its whole process group, reap it and remove the profile.
 * NULL is a no-op.
 */
void chromium_free(struct chromium *b);

/*
 * chromium_cleanup - undo for a crashed run: under @dir, every directory
 * PREFIX*-chromium-*: SIGKILL the process group in its chromium.pid (when
 * it is still a Chromium), remove it.  The number removed, or a negative
 * errno.
 */
int chromium_cleanup(const char *dir, const char *prefix);

#endif
