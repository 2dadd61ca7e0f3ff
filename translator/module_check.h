/* Everything `wasmaot build` checks in a module before wasm2c sees it: that it reads as a
 * wasm module (wasm_module.c), that every import is a WASI preview1 function we provide with
 * its preview1 signature (or, with --unknown-imports trap|default, any other function), that
 * its memories are 32-bit (preview1 is wasm32), and that it exports `_start` and `memory`. Separate
 * from the pipeline so that the fuzzer (tests/fuzz/) can run all of it without running wasm2c. */
#ifndef WASMAOT_MODULE_CHECK_H
#define WASMAOT_MODULE_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "wasm_module.h"

/* What to do with an imported function the runtime does not provide (--unknown-imports). */
enum unknown_imports { UNKNOWN_IMPORTS_ERROR, UNKNOWN_IMPORTS_TRAP, UNKNOWN_IMPORTS_DEFAULT };

/* 0 if `bytes` is a WASI command we can build with imports handled as `unknown_imports` says;
 * then, if `info` is not NULL, it holds the module's imports and exports (free it with
 * wasm_module_free). -1 with a one-line reason in err otherwise (info left empty). */
int module_check(const uint8_t *bytes, size_t len, enum unknown_imports unknown_imports,
                 struct wasm_module_info *info, char *err, size_t errlen);

#endif
