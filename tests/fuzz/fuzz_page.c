/* The .page parser (workloads/page_parse.c): any text, parsed and, when
 * accepted, written back and parsed again to the same page.  A refused
 * input gets at least one error, and every error names the file and a
 * line ("fuzz.page:N: ..."), or the file alone for the page as a whole. */
#include <stdio.h>
#include <stdlib.h>

#include "tests/fuzz/fuzz.h"
#include "workloads/page.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct page *p = NULL, *q = NULL;
	fuzz_errors_begin("fuzz.page");
	int rc = page_parse_buf("fuzz.page", (const char *)data, size, &p);
	fuzz_errors_end(rc);
	if (rc == 0) {
		char *text = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&text, &len);
		if (f) {
			int rc = page_write(p, f);
			fclose(f);
			if (rc == 0 && page_parse_buf("fuzz.page (written)", text, len, &q) == 0 &&
			    !page_equal(p, q))
				abort();   /* written and read back differently */
		}
		free(text);
	}
	page_free(q);
	page_free(p);
	return 0;
}
