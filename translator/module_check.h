/* Everything `wasmaot build` checks in a module before wasm2c sees it: that it reads as a
 * wasm module (wasm_module.c), that every import is a WASI preview1 function we provide with
 * its preview1 signature, and that it exports `_start` and `memory`. Separate from the
 * pipeline so that the fuzzer (tests/fuzz/) can run all of it without running wasm2c. */
#ifndef WASMAOT_MODULE_CHECK_H
#define WASMAOT_MODULE_CHECK_H

#include <stddef.h>
#include <stdint.h>

/* 0 if `bytes` is a WASI command we can build; then *imports_wasi (if not NULL) says whether
 * it imports anything. -1 with a one-line reason in err otherwise. */
int module_check(const uint8_t *bytes, size_t len, int *imports_wasi, char *err, size_t errlen);

#endif
