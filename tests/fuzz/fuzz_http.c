/* The HTTP response parser (workloads/http.c): the first byte of the input
 * says where to cut the rest into two reads; the head parser sees all of it
 * at once, and http_resp_feed sees the two reads, the way a socket would
 * hand them over.  Both must agree on a complete head.  The bytes are
 * copied to an exact-size heap buffer, so ASan sees any over-read. */
#include <stdlib.h>
#include <string.h>

#include "tests/fuzz/fuzz.h"
#include "workloads/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t len = size - 1, cut = len ? data[0] % (len + 1) : 0;
	char *buf = malloc(len ? len : 1);
	struct http_resp *r = malloc(sizeof(*r));
	if (!buf || !r)
		goto end;
	memcpy(buf, data + 1, len);

	int status = 0;
	uint64_t clen = 0;
	const char *reason = NULL;
	int head = http_parse_head(buf, len, &status, &clen, &reason);
	if (head >= 0) {
		char value[64];
		http_head_value(buf, (size_t)head, "content-encoding", value, sizeof(value));
		http_head_value(buf, (size_t)head, "x", value, 1);
	}

	http_resp_init(r);
	ssize_t a = http_resp_feed(r, buf, cut), b = -2;
	if (a == -2)
		b = http_resp_feed(r, buf + cut, len - cut);
	if (a >= 0 && (size_t)a > cut)
		abort();
	if (b >= 0 && (size_t)b > len - cut)
		abort();
	if (head >= 0 && r->head_bytes && (r->head_bytes != (size_t)head ||
					   r->status != status || r->content_length != clen))
		abort();   /* the two parsers disagree */
end:
	free(r);
	free(buf);
	return 0;
}
