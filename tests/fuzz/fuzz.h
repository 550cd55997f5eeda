/*
 * The libFuzzer entry point each tests/fuzz/fuzz_X.c defines.  Built two
 * ways (tests/fuzz/meson.build): with -Dfuzz=true under clang as a libFuzzer
 * target (-fsanitize=fuzzer,address,undefined), and always as a replay
 * program (replay.c) that the unit suite runs over the committed crash
 * inputs in tests/unit/fuzz-regress/X/.
 *
 * A target's contract: any input returns 0 without a crash, a leak, an
 * over-read or a hang; a malformed one is refused with a message, never
 * half-accepted.
 */
#ifndef TFOLAB_TESTS_FUZZ_H
#define TFOLAB_TESTS_FUZZ_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * The form of a parser's errors: fuzz_errors_begin(NAME) before the parse,
 * fuzz_errors_end(rc) after it.  Every error must start with NAME (the
 * input's name: "NAME:LINE: field: problem", "NAME: entry N: ...", or
 * NAME alone for the input as a whole), and a refusal (rc < 0 but not
 * -ENOMEM) must have said at least one thing.  Aborts otherwise.
 */
static const char *fuzz_name;
static int fuzz_nerrors;

static void fuzz_on_log(const char *level, const char *msg)
{
	if (strcmp(level, "error: "))
		return;
	fuzz_nerrors++;
	if (strncmp(msg, fuzz_name, strlen(fuzz_name))) {
		fprintf(stderr, "an error that does not name %s: %s\n", fuzz_name, msg);
		abort();
	}
}

static inline void fuzz_errors_begin(const char *name)
{
	fuzz_name = name;
	fuzz_nerrors = 0;
	log_hook = fuzz_on_log;
}

static inline void fuzz_errors_end(int rc)
{
	log_hook = NULL;
	if (rc < 0 && rc != -ENOMEM && fuzz_nerrors == 0) {
		fprintf(stderr, "refused (%d) without an error\n", rc);
		abort();
	}
}

#endif
