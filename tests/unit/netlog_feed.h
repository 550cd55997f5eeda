/*
 * For the browser's tests: DevTools Network events, shaped as Chromium 156
 * sends them for session "S", fed to a netlog (browser/netlog.h); each must
 * be taken.  Include after <cmocka.h>.
 */
#ifndef TFOLAB_TESTS_NETLOG_FEED_H
#define TFOLAB_TESTS_NETLOG_FEED_H

#include <stdarg.h>
#include <stdio.h>

#include "browser/netlog.h"

/* One event, printf-style. */
static inline void feed(struct netlog *l, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	json_error_t e;
	json_t *ev = json_loads(buf, 0, &e);
	assert_non_null(ev);
	assert_int_equal(netlog_event(l, ev), 0);
	json_decref(ev);
}

/* A request sent (requestWillBeSent at @queued s): open until answered. */
static inline void request_sent(struct netlog *l, const char *id, const char *url, double queued)
{
	feed(l, "{\"method\":\"Network.requestWillBeSent\",\"sessionId\":\"S\",\"params\":"
	     "{\"requestId\":\"%s\",\"request\":{\"url\":\"%s\"},\"timestamp\":%.6f}}", id, url, queued);
}

/* A request sent answered, from responseReceived to loadingFinished.
 * Times: base (requestTime) s, connect start/end, send and head in ms
 * after it, loadingFinished at @done s. */
static inline void request_answered(struct netlog *l, const char *id, double base, double conn0,
				    double conn1, double send, double head, double done,
				    int conn_id, int status, int decoded)
{
	feed(l, "{\"method\":\"Network.responseReceived\",\"sessionId\":\"S\",\"params\":"
	     "{\"requestId\":\"%s\",\"response\":{\"status\":%d,\"connectionId\":%d,\"timing\":"
	     "{\"requestTime\":%.6f,\"connectStart\":%g,\"connectEnd\":%g,\"sendStart\":%g,"
	     "\"receiveHeadersStart\":%g,\"receiveHeadersEnd\":%g}}}}",
	     id, status, conn_id, base, conn0, conn1, send, head, head + 0.1);
	feed(l, "{\"method\":\"Network.dataReceived\",\"sessionId\":\"S\",\"params\":"
	     "{\"requestId\":\"%s\",\"dataLength\":%d,\"encodedDataLength\":0}}", id, decoded);
	feed(l, "{\"method\":\"Network.loadingFinished\",\"sessionId\":\"S\",\"params\":"
	     "{\"requestId\":\"%s\",\"timestamp\":%.6f,\"encodedDataLength\":%d}}", id, done,
	     decoded / 2 + 150);
}

/* One request from requestWillBeSent to loadingFinished (see above). */
static inline void request(struct netlog *l, const char *id, const char *url, double queued,
			   double base, double conn0, double conn1, double send, double head,
			   double done, int conn_id, int status, int decoded)
{
	request_sent(l, id, url, queued);
	request_answered(l, id, base, conn0, conn1, send, head, done, conn_id, status, decoded);
}

#endif
