/* The DevTools pipe's framing and calls (browser/cdp.h), against the other
 * end of a socketpair playing the browser. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "browser/cdp.h"
#include "common/clock.h"

static int peer;   /* the "browser" end */

static struct cdp *open_pair(void)
{
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	peer = sv[1];
	struct cdp *c = cdp_new(sv[0]);
	assert_non_null(c);
	return c;
}

static void say(const char *text, size_t len)
{
	assert_int_equal(write(peer, text, len), (ssize_t)len);
}

/* Reads one NUL-ended command the client sent. */
static json_t *heard(void)
{
	char buf[4096];
	size_t n = 0;
	while (n < sizeof(buf) && (n == 0 || buf[n - 1] != 0))
		assert_int_equal(read(peer, buf + n, 1), 1), n++;
	json_t *m = json_loads(buf, 0, NULL);
	assert_non_null(m);
	return m;
}

static int64_t soon(void)
{
	return clock_mono_ns() + 2000000000LL;
}

static void framing(void **state)
{
	struct cdp *c = open_pair();
	json_t *m;
	/* Two messages in one write, a third split across two. */
	static const char two[] = "{\"method\":\"A\"}\0{\"method\":\"B\"}\0{\"meth";
	say(two, sizeof(two) - 1);
	assert_int_equal(cdp_next(c, soon(), &m), 0);
	assert_string_equal(json_string_value(json_object_get(m, "method")), "A");
	json_decref(m);
	assert_int_equal(cdp_next(c, soon(), &m), 0);
	assert_string_equal(json_string_value(json_object_get(m, "method")), "B");
	json_decref(m);
	/* Half a message: nothing yet. */
	assert_int_equal(cdp_next(c, clock_mono_ns() + 20000000, &m), -ETIMEDOUT);
	say("od\":\"C\"}", 9);
	assert_int_equal(cdp_next(c, soon(), &m), 0);
	assert_string_equal(json_string_value(json_object_get(m, "method")), "C");
	json_decref(m);
	/* Not an object. */
	say("[1]", 4);
	assert_int_equal(cdp_next(c, soon(), &m), -EPROTO);
	/* The browser went away. */
	close(peer);
	assert_int_equal(cdp_next(c, soon(), &m), -EPIPE);
	assert_int_equal(cdp_send(c, NULL, "Browser.close", NULL, NULL), -EPIPE);
	cdp_free(c);
}

static int events_seen;
static int count_event(json_t *ev, void *arg)
{
	events_seen++;
	assert_string_equal(json_string_value(json_object_get(ev, "method")), (const char *)arg);
	return 0;
}

static void calls(void **state)
{
	struct cdp *c = open_pair();
	/* The reply comes after an event and a stale reply; the call's id
	 * and session are on the wire. */
	static const char replies[] =
		"{\"method\":\"Page.loadEventFired\",\"params\":{}}\0"
		"{\"id\":99,\"result\":{}}\0"
		"{\"id\":1,\"result\":{\"frameId\":\"F\"}}\0";
	say(replies, sizeof(replies) - 1);
	json_t *res = NULL;
	events_seen = 0;
	assert_int_equal(cdp_call(c, "S1", "Page.navigate", json_pack("{s:s}", "url", "http://a/"),
				  soon(), count_event, "Page.loadEventFired", &res), 0);
	assert_int_equal(events_seen, 1);
	assert_string_equal(json_string_value(json_object_get(res, "frameId")), "F");
	json_decref(res);
	json_t *cmd = heard();
	assert_int_equal(json_integer_value(json_object_get(cmd, "id")), 1);
	assert_string_equal(json_string_value(json_object_get(cmd, "sessionId")), "S1");
	assert_string_equal(json_string_value(json_object_get(cmd, "method")), "Page.navigate");
	json_decref(cmd);
	/* An error reply. */
	static const char err[] = "{\"id\":2,\"error\":{\"code\":-32000,\"message\":\"no\"}}";
	say(err, sizeof(err));
	assert_int_equal(cdp_call(c, NULL, "Target.createTarget", NULL, soon(), NULL, NULL, &res),
			 -EPROTO);
	json_decref(heard());
	/* No reply in time. */
	assert_int_equal(cdp_call(c, NULL, "Browser.getVersion", NULL, clock_mono_ns() + 20000000,
				  NULL, NULL, &res), -ETIMEDOUT);
	cdp_free(c);
	close(peer);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(framing),
		cmocka_unit_test(calls),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
