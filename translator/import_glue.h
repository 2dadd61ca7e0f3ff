/* The glue between one module's wasm2c header and the host main (guest_glue.h, force-included
 * into host_main.c after guest.h):
 *  - `wasmaot_guest_instantiate(w2c_guest *, wasi_ctx *)`, which calls wasm2c's instantiate
 *    function with an instance pointer for every module the guest imports from, in the order
 *    wasm2c's prototype lists them (our WASI context for wasi_snapshot_preview1);
 *  - with --unknown-imports trap|default, a definition for every imported function the runtime
 *    does not provide: it traps ("wasm trap: call to unknown import MODULE.NAME"), or returns
 *    zeros, as wasmtime's `-W unknown-imports-trap` / `-W unknown-imports-default` do.
 *
 * Everything written comes from the header wasm2c wrote (identifiers it mangled, checked again
 * here to be plain C identifiers and type names) or from our own tables; the module's own
 * names appear only inside C string literals, every byte outside [A-Za-z0-9._-] escaped. */
#ifndef WASMAOT_IMPORT_GLUE_H
#define WASMAOT_IMPORT_GLUE_H

#include <stddef.h>

#include "module_check.h"
#include "wasm_module.h"

/* Reads wasm2c's header `guest_h` for module `m` and writes the glue to `out_path`.
 * -1 with a one-line reason in err. */
int import_glue_write(const char *guest_h, const struct wasm_module_info *m,
                      enum unknown_imports mode, const char *out_path, char *err, size_t errlen);

#endif
