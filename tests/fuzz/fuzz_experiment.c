/* The experiment parser (run/experiment.c): any text, and when accepted, its
 * matrix of conditions.  Every error names the file (tests/fuzz/fuzz.h). */
#include <stdlib.h>
#include <string.h>

#include "run/experiment.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);   /* the parser reads a C string */
	struct experiment *e = NULL;
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	fuzz_errors_begin("fuzz.conf");
	int rc = experiment_parse_buf("fuzz.conf", text, &e);
	fuzz_errors_end(rc);
	if (rc == 0) {
		struct condition_spec *c = NULL;
		size_t n = 0;
		if (experiment_matrix(e, &c, &n) == 0)
			free(c);   /* points into nothing of e */
	}
	experiment_free(e);
	free(text);
	return 0;
}
