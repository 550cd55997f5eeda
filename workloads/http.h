/*
 * HTTP/1.1 as a browser speaks it, reduced to what a page load needs: GET
 * requests of a chosen size, and an incremental response parser.
 *
 * Requests carry realistic browser headers and are padded to the size the
 * page says the browser sent (an X-Pad header, or optional whitespace for
 * gaps too small for a header), because request size decides how many
 * packets the uplink carries and whether the request fits in the SYN.
 *
 * The parser follows picohttpparser's contract: it returns the number of
 * bytes consumed, -1 on error, -2 when the input is partial, and allocates
 * nothing.  Our origin always sends Content-Length, so a response without
 * it (or a chunked one) is an error with a reason.
 */
#ifndef TFOLAB_WORKLOADS_HTTP_H
#define TFOLAB_WORKLOADS_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Largest response head (status line + headers) we accept. */
#define HTTP_HEAD_MAX 16384

/*
 * Builds "GET path HTTP/1.1" for host with browser headers into a new
 * buffer (*out, NUL-terminated, freed by the caller with free()) of *len
 * bytes.  The Accept header follows ctype (may be NULL).  When target is
 * larger than the unpadded request, the request is padded to exactly target
 * bytes; when target is 0 or smaller, the unpadded request is used and *len
 * tells its real size.  Returns 0, -EINVAL if host or path is empty or
 * holds a space or control character, or -ENOMEM; nothing is allocated on
 * failure.
 */
int http_request_build(const char *host, const char *path, const char *ctype,
		       size_t target, char **out, size_t *len);

/*
 * Parses a complete response head in buf[0..len).  On success returns the
 * head's length (status line through the empty line) and sets *status and
 * *content_length.  Returns -2 if the head is not complete yet (and len <
 * HTTP_HEAD_MAX), -1 on error with *reason set to a static string: a bad
 * status line or header, a head larger than HTTP_HEAD_MAX, a missing or
 * malformed Content-Length, or Transfer-Encoding.  Reads nothing beyond
 * buf[len-1].
 */
int http_parse_head(const char *buf, size_t len, int *status,
		    uint64_t *content_length, const char **reason);

/*
 * Copies the value of the first header called name (any case) of the
 * complete head buf[0..len) into out (NUL-terminated, truncated to
 * outlen - 1 bytes, blanks around it trimmed).  Returns 1 if found, 0 if
 * not (out = "").  For a head http_parse_head accepted.
 */
int http_head_value(const char *buf, size_t len, const char *name,
		    char *out, size_t outlen);

/*
 * One response being received on a connection.  http_resp_init, then
 * http_resp_feed with each chunk read from the socket.
 */
struct http_resp {
	int status;
	uint64_t content_length;
	size_t head_bytes;      /* 0 until the head is complete */
	uint64_t body_bytes;    /* body bytes received so far */
	uint64_t total_bytes;   /* all bytes of this response received */
	int done;               /* the whole body has arrived */
	const char *reason;     /* why feeding failed, or NULL */
	char encoding[16];      /* Content-Encoding, "" if none */
	size_t head_len;        /* bytes buffered while the head is partial */
	char head[HTTP_HEAD_MAX];
};

void http_resp_init(struct http_resp *r);

/*
 * Feeds buf[0..len).  Returns -2 when every byte was consumed and the
 * response is still incomplete; the number of bytes consumed (0..len) when
 * the response completed (r->done, the rest belongs to whatever follows);
 * or -1 on error with r->reason set.  Feeding a done response consumes 0.
 */
ssize_t http_resp_feed(struct http_resp *r, const char *buf, size_t len);

#endif
