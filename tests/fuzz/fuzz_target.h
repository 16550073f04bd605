/* fuzz_target.h: the libFuzzer entry point every fuzz target defines. */
#ifndef MP_FUZZ_TARGET_H
#define MP_FUZZ_TARGET_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
