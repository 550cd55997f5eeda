/* The HAR importer (workloads/import_har*.c), through import_buf: format detection,
 * the importer, then the page written and read back (import.c's finish).
 * Every error names the input (tests/fuzz/fuzz.h). */
#include <stdlib.h>

#include "tests/fuzz/fuzz.h"
#include "workloads/import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct page *p = NULL;
	struct import_report rep;
	fuzz_errors_begin("fuzz.har");
	int rc = import_buf("fuzz.har", (const char *)data, size, NULL, &p, &rep);
	fuzz_errors_end(rc);
	if (rc == 0 && !p)
		abort();     /* accepted without a page */
	page_free(p);
	return 0;
}
