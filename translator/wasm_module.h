/* A minimal reader of the WebAssembly binary format: just enough to check that a file is a
 * wasm module and to list its imports and exports before handing it to wasm2c (which does the
 * full validation). Every byte is hostile: sections must come in the spec's order and at most
 * once, every count and length is bounded by the bytes left, every section it parses must end
 * exactly at its declared size, and names must be valid UTF-8. */
#ifndef WASMAOT_WASM_MODULE_H
#define WASMAOT_WASM_MODULE_H

#include <stddef.h>
#include <stdint.h>

enum {
  WASM_KIND_FUNC = 0,
  WASM_KIND_TABLE = 1,
  WASM_KIND_MEMORY = 2,
  WASM_KIND_GLOBAL = 3,
  WASM_KIND_TAG = 4 /* exception handling proposal */
};

/* Value types as one character each: 'i' i32, 'I' i64, 'f' f32, 'F' f64, 'v' v128, 'r' any
 * reference type. Only the WASI signature check looks at them, and it needs exact i32/i64. */
struct wasm_functype {
  uint32_t nparams, nresults;
  char params[16], results[4]; /* the first ones only; nparams/nresults are the real counts */
};

/* Names are NUL-terminated copies, and also carry their length: wasm names may contain
 * U+0000, and "fd_write\0x" must not pass for "fd_write". */
struct wasm_name {
  char *s;
  uint32_t len;
};

struct wasm_import {
  struct wasm_name module, name;
  uint8_t kind;
  uint32_t type_index; /* for functions */
};

struct wasm_export {
  struct wasm_name name;
  uint8_t kind;
};

struct wasm_module_info {
  struct wasm_functype *types;
  uint32_t ntypes;
  struct wasm_import *imports;
  uint32_t nimports;
  struct wasm_export *exports;
  uint32_t nexports;
  int memory64;       /* some memory, defined or imported, is 64-bit */
  uint32_t code_size; /* bytes of the code section (the functions' bodies); 0 if none */
};

/* Parses `bytes`. On failure returns -1, writes a one-line reason into `err` and leaves `out`
 * empty (nothing to free). On success the caller frees with wasm_module_free. */
int wasm_module_read(const uint8_t *bytes, size_t len, struct wasm_module_info *out, char *err,
                     size_t errlen);
void wasm_module_free(struct wasm_module_info *m);

/* Whether a name read from a module is exactly the C string `want`. */
int wasm_name_is(const struct wasm_name *n, const char *want);

/* Whether bytes[0..len) is valid UTF-8 as the spec defines it: shortest forms only, no
 * surrogates, nothing above U+10FFFF. */
int wasm_utf8_valid(const uint8_t *bytes, size_t len);

#endif
