#include "browser/cdp.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"

struct cdp {
	int fd;
	bool dead;        /* the browser closed its end: nothing more to say */
	int64_t next_id;
	char *buf;        /* bytes read, not yet a whole message */
	size_t len, cap;
};

struct cdp *cdp_new(int fd)
{
	struct cdp *c = calloc(1, sizeof(*c));
	if (!c) {
		log_err("devtools pipe: calloc: %s", strerror(ENOMEM));
		close(fd);
		return NULL;
	}
	c->fd = fd;
	c->next_id = 1;
	return c;
}

void cdp_free(struct cdp *c)
{
	if (!c)
		return;
	close(c->fd);
	free(c->buf);
	free(c);
}

/* Writes all of @p (the browser reads as fast as we write; a full pipe only
 * delays us). */
static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int cdp_send(struct cdp *c, const char *session, const char *method, json_t *params,
	     int64_t *id)
{
	if (c->dead) {
		json_decref(params);
		return -EPIPE;   /* said once, when it was seen */
	}
	json_t *m = json_pack("{s:I, s:s, s:o}", "id", (json_int_t)c->next_id, "method", method,
			      "params", params ? params : json_object());
	if (m && session && json_object_set_new(m, "sessionId", json_string(session)) < 0) {
		json_decref(m);
		m = NULL;
	}
	char *text = m ? json_dumps(m, JSON_COMPACT) : NULL;
	json_decref(m);
	if (!text) {
		log_err("devtools %s: building the command: %s", method, strerror(ENOMEM));
		return -ENOMEM;
	}
	/* The NUL that ends the text ends the message. */
	int rc = write_all(c->fd, text, strlen(text) + 1);
	free(text);
	if (rc < 0) {
		c->dead = rc == -EPIPE || rc == -ECONNRESET;
		log_err("devtools %s: write: %s", method, strerror(-rc));
		return rc == -EPIPE ? -EPIPE : rc;
	}
	if (id)
		*id = c->next_id;
	c->next_id++;
	return 0;
}

/* A whole message in the buffer: parse it and drop it from the buffer. */
static int take_message(struct cdp *c, size_t end, json_t **msg)
{
	json_error_t err;
	json_t *m = json_loadb(c->buf, end, 0, &err);
	memmove(c->buf, c->buf + end + 1, c->len - end - 1);
	c->len -= end + 1;
	if (!m || !json_is_object(m)) {
		log_err("devtools pipe: a message is not a JSON object: %s",
			m ? "another JSON value" : err.text);
		json_decref(m);
		return -EPROTO;
	}
	*msg = m;
	return 0;
}

int cdp_next(struct cdp *c, int64_t deadline_ns, json_t **msg)
{
	for (;;) {
		char *nul = c->len ? memchr(c->buf, 0, c->len) : NULL;
		if (nul)
			return take_message(c, (size_t)(nul - c->buf), msg);
		if (c->len >= CDP_MAX_MESSAGE) {
			log_err("devtools pipe: a message over %u bytes", CDP_MAX_MESSAGE);
			return -EPROTO;
		}
		int64_t left = deadline_ns - clock_mono_ns();
		if (left <= 0)
			return -ETIMEDOUT;
		struct pollfd p = { .fd = c->fd, .events = POLLIN };
		int64_t ms = left / 1000000 + 1;
		int n = poll(&p, 1, ms > INT_MAX ? INT_MAX : (int)ms);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			log_err("devtools pipe: poll: %s", strerror(errno));
			return -errno;
		}
		if (n == 0)
			continue;   /* the deadline is checked above */
		if (c->cap - c->len < 65536) {
			size_t cap = c->cap ? c->cap * 2 : 262144;
			char *b = realloc(c->buf, cap);
			if (!b) {
				log_err("devtools pipe: realloc %zu: %s", cap, strerror(ENOMEM));
				return -ENOMEM;
			}
			c->buf = b;
			c->cap = cap;
		}
		ssize_t r = recv(c->fd, c->buf + c->len, c->cap - c->len, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			log_err("devtools pipe: read: %s", strerror(errno));
			return -errno;
		}
		if (r == 0) {
			c->dead = true;
			log_err("devtools pipe: the browser closed it");
			return -EPIPE;
		}
		c->len += (size_t)r;
	}
}

int cdp_call(struct cdp *c, const char *session, const char *method, json_t *params,
	     int64_t deadline_ns, cdp_event_fn on_event, void *arg, json_t **result)
{
	int64_t id;
	int rc = cdp_send(c, session, method, params, &id);
	while (rc == 0) {
		json_t *m;
		if ((rc = cdp_next(c, deadline_ns, &m)) < 0)
			break;
		json_t *mid = json_object_get(m, "id");
		if (!mid) {
			rc = on_event ? on_event(m, arg) : 0;
			json_decref(m);
			continue;
		}
		if (json_integer_value(mid) != id) {
			json_decref(m);   /* a late reply to a call that gave up */
			continue;
		}
		json_t *err = json_object_get(m, "error");
		if (err) {
			log_err("devtools %s: %s", method,
				json_string_value(json_object_get(err, "message")) ?: "error");
			rc = -EPROTO;
		} else if (result) {
			*result = json_incref(json_object_get(m, "result"));
		}
		json_decref(m);
		return rc;
	}
	if (rc == -ETIMEDOUT)
		log_err("devtools %s: no reply in time", method);
	return rc;
}
