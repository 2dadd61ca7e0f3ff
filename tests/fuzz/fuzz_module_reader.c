/* libFuzzer target: every check `wasmaot build` makes on a module before wasm2c sees it (the
 * reader, the WASI import checks, the export checks), on arbitrary bytes. A finding is a
 * crash, a sanitizer report (ASan, UBSan, leaks) or an error message that breaks the
 * one-line contract. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "data_segments.h"
#include "module_check.h"
#include "wasm_module.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char err[1536];
  for (int mode = UNKNOWN_IMPORTS_ERROR; mode <= UNKNOWN_IMPORTS_TRAP; mode++) {
    struct wasm_module_info checked;
    if (module_check(data, size, mode, &checked, err, sizeof err) != 0) {
      /* main.c prints err as one line: a newline in it would let a module forge output. */
      if (strchr(err, '\n') || err[0] == 0)
        abort();
    } else {
      wasm_module_free(&checked);
    }
  }
  /* The reader on its own too, and what it returns must be consistent with itself. */
  struct wasm_module_info m;
  if (wasm_module_read(data, size, &m, err, sizeof err) == 0) {
    for (uint32_t i = 0; i < m.nimports; i++)
      if (!m.imports[i].module.s || !m.imports[i].name.s ||
          !wasm_utf8_valid((const uint8_t *)m.imports[i].name.s, m.imports[i].name.len))
        abort();
    for (uint32_t i = 0; i < m.nexports; i++)
      if (!m.exports[i].name.s || m.exports[i].name.s[m.exports[i].name.len] != 0)
        abort();
    wasm_module_free(&m);
  } else if (m.types || m.imports || m.exports) {
    abort(); /* a failed read must leave nothing behind */
  }
  /* The active-data strip (data_segments.h): whatever it returns points into the input, and
   * the copy it makes is the input with exactly the active bytes taken out. */
  struct data_strip ds;
  if (data_strip_module(data, size, &ds) != 0)
    abort();
  if (ds.module) {
    size_t sum = 0;
    for (size_t i = 0; i < ds.nactive; i++) {
      if (ds.active[i].len &&
          (ds.active[i].bytes < data || ds.active[i].bytes + ds.active[i].len > data + size))
        abort();
      sum += ds.active[i].len;
    }
    if (sum != ds.bytes || sum == 0 || ds.module_len > size || memcmp(ds.module, data, 8) != 0)
      abort();
  }
  data_strip_free(&ds);
  return 0;
}
