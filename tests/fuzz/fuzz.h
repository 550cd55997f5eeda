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

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
