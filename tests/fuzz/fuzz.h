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
 * input's name) in one of the forms "NAME:LINE: field: problem",
 * "NAME: entry N: ..." or "NAME: problem" for the input as a whole
 * (fuzz_form_ok), and a refusal (rc < 0 but not -ENOMEM) must have said at
 * least one thing.  Aborts otherwise.
 */
static const char *fuzz_name;
static int fuzz_nerrors;

/*
 * Whether MSG, which starts with the input's name, goes on in one of the
 * accepted forms: an optional " (as .page)" (the importers' read-back), then
 * ":LINE: FIELD: problem" with a non-empty field, or ": "
 * and text (an entry, or the input as a whole).
 */
static int fuzz_form_ok(const char *msg)
{
	const char *s = msg + strlen(fuzz_name);
	if (!strncmp(s, " (as .page)", 11))
		s += 11;
	if (*s++ != ':')
		return 0;
	if (*s >= '0' && *s <= '9') {
		while (*s >= '0' && *s <= '9')
			s++;
		if (*s++ != ':' || *s++ != ' ')
			return 0;
		const char *end = strstr(s, ": ");
		if (!end || end == s)
			return 0;      /* no field before the problem */
		s = end + 2;
	} else if (*s++ != ' ') {
		return 0;
	}
	return *s != '\0';
}

static void fuzz_on_log(const char *level, const char *msg)
{
	if (strcmp(level, "error: "))
		return;
	fuzz_nerrors++;
	if (strncmp(msg, fuzz_name, strlen(fuzz_name))) {
		fprintf(stderr, "an error that does not name %s: %s\n", fuzz_name, msg);
		abort();
	}
	if (!fuzz_form_ok(msg)) {
		fprintf(stderr, "an error not of the form %s:LINE: field: problem "
			"or %s: problem: %s\n", fuzz_name, fuzz_name, msg);
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
