/* A minimal reader of the WebAssembly binary format: just enough to check that a file is a
 * wasm module and to list its imports and exports before handing it to wasm2c (which does the
 * full validation). Bounds-checked throughout; never trusts a length in the file. */
#ifndef WASMAOT_WASM_MODULE_H
#define WASMAOT_WASM_MODULE_H

#include <stddef.h>
#include <stdint.h>

enum { WASM_KIND_FUNC = 0, WASM_KIND_TABLE = 1, WASM_KIND_MEMORY = 2, WASM_KIND_GLOBAL = 3,
       WASM_KIND_TAG = 4 };

struct wasm_functype {
  uint32_t nparams, nresults;
  char params[16], results[4]; /* 'i' i32, 'I' i64, 'f' f32, 'F' f64, '?' other; truncated */
};

struct wasm_import {
  char *module, *name;
  uint8_t kind;
  uint32_t type_index; /* for functions */
};

struct wasm_export {
  char *name;
  uint8_t kind;
};

struct wasm_module_info {
  struct wasm_functype *types;
  uint32_t ntypes;
  struct wasm_import *imports;
  uint32_t nimports;
  struct wasm_export *exports;
  uint32_t nexports;
};

/* Parses `bytes`. On failure returns -1 and writes a one-line reason into `err`. */
int wasm_module_read(const uint8_t *bytes, size_t len, struct wasm_module_info *out, char *err,
                     size_t errlen);
void wasm_module_free(struct wasm_module_info *m);

#endif
