/*
 * The Chrome DevTools Protocol over a pipe: Chromium started with
 * --remote-debugging-pipe reads commands from its fd 3 and writes replies
 * and events to its fd 4, each one JSON text ended by a NUL byte.  Both
 * are one end of a socketpair here, so that a browser that died makes a
 * write fail with EPIPE instead of raising SIGPIPE (MSG_NOSIGNAL).  A pipe
 * instead of a WebSocket: no port in the client namespace, nothing another
 * process could reach, and the browser quits when the pipe closes.
 *
 * Commands carry an id; the reply names it.  Events carry a method and,
 * for a page's session (Target.attachToTarget with flatten), its sessionId.
 * Every wait takes an absolute CLOCK_MONOTONIC deadline.
 */
#ifndef TFOLAB_BROWSER_CDP_H
#define TFOLAB_BROWSER_CDP_H

#include <jansson.h>
#include <stdint.h>

#define CDP_MAX_MESSAGE (64u << 20)  /* a reply larger than this is refused */

struct cdp;

/* Called with every event that arrives while cdp_call waits (borrowed
 * reference).  Returns 0, or a negative errno that ends the call. */
typedef int (*cdp_event_fn)(json_t *event, void *arg);

/*
 * cdp_new - a connection over the stream socket @fd (our end of the
 * socketpair), owned from now on (closed by cdp_free), even on failure.
 * NULL after logging when out of memory.
 */
struct cdp *cdp_new(int fd);

/* cdp_free - closes the socket (the browser then sees end of file).  NULL
 * is a no-op. */
void cdp_free(struct cdp *c);

/*
 * cdp_send - send one command: {"id", "method", "params", "sessionId"}.
 * @params is stolen (NULL = {}); @session may be NULL (the browser).
 * *@id (if not NULL) gets the command's id.  0 or a negative errno (logged).
 */
int cdp_send(struct cdp *c, const char *session, const char *method, json_t *params,
	     int64_t *id);

/*
 * cdp_next - the next message, waiting until @deadline_ns: *@msg is a new
 * reference.  0; -ETIMEDOUT; -EPIPE when the browser closed its end;
 * -EPROTO for a message that is not a JSON object or is too large; other
 * negative errnos from the pipe.  Everything but -ETIMEDOUT is logged.
 */
int cdp_next(struct cdp *c, int64_t deadline_ns, json_t **msg);

/*
 * cdp_call - cdp_send, then cdp_next until the reply, handing every event
 * that comes first to @on_event (may be NULL: dropped).  *@result (if not
 * NULL) gets a new reference to the reply's "result".  A reply with
 * "error" is -EPROTO, logged with the browser's message.
 */
int cdp_call(struct cdp *c, const char *session, const char *method, json_t *params,
	     int64_t deadline_ns, cdp_event_fn on_event, void *arg, json_t **result);

#endif
