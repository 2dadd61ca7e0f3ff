/* The checks before translation. See module_check.h. */
#include "error.h"
#include "module_check.h"

#include <stdio.h>
#include <string.h>

#include "wasi_imports.h"
#include "wasm_module.h"

/* Appends a module-supplied name to `buf`, with bytes outside printable ASCII written as
 * \xNN: a name may hold newlines or terminal escapes, and errors are one plain line. */
static void append_name(char *buf, size_t cap, size_t *used, const struct wasm_name *n) {
  for (uint32_t i = 0; i < n->len && *used + 5 < cap; i++) {
    unsigned char c = (unsigned char)n->s[i];
    if (c >= 0x20 && c < 0x7f && c != '\\')
      buf[(*used)++] = (char)c;
    else
      *used += (size_t)snprintf(buf + *used, cap - *used, "\\x%02x", c);
  }
  buf[*used] = 0;
}

static void append_text(char *buf, size_t cap, size_t *used, const char *s) {
  int n = snprintf(buf + *used, cap - *used, "%s", s);
  if (n > 0)
    *used = *used + (size_t)n < cap ? *used + (size_t)n : cap - 1;
}

/* Why import `im` is not one we provide or stand in for, or NULL if it is. */
static const char *import_problem(const struct wasm_module_info *m, const struct wasm_import *im,
                                  enum unknown_imports unknown) {
  const struct wasi_import_sig *sig = NULL;
  if (im->kind != WASM_KIND_FUNC)
    return unknown == UNKNOWN_IMPORTS_ERROR ? "" : " (not a function)";
  /* wasi-threads: the runtime has no threads to spawn, so it is refused by name, whatever
   * --unknown-imports says (a stub would fail the program's first thread at run time). */
  if (wasm_name_is(&im->module, "wasi") && wasm_name_is(&im->name, "thread-spawn"))
    return " (wasi-threads is not supported)";
  /* wasi_import_lookup compares C strings: a name with a NUL inside is no WASI name. */
  if (!wasm_name_is(&im->module, WASI_PREVIEW1_MODULE) || strlen(im->name.s) != im->name.len ||
      !(sig = wasi_import_lookup(im->name.s)))
    return unknown == UNKNOWN_IMPORTS_ERROR ? "" : NULL;
  if (im->type_index >= m->ntypes)
    return " (bad type index)";
  const struct wasm_functype *t = &m->types[im->type_index];
  if (t->nparams != strlen(sig->params) || t->nresults != strlen(sig->results) ||
      strncmp(t->params, sig->params, t->nparams) != 0 ||
      strncmp(t->results, sig->results, t->nresults) != 0)
    return " (wrong signature)";
  return NULL;
}

/* Every import must be a WASI preview1 function we provide, with the right signature; with
 * --unknown-imports trap|default, any other function too (import_glue.c writes its stub).
 * All offenders are named in one line. */
static int check_imports(const struct wasm_module_info *m, enum unknown_imports unknown, char *err,
                         size_t errlen) {
  char list[1024] = "";
  size_t used = 0;
  int bad = 0;
  for (uint32_t i = 0; i < m->nimports; i++) {
    const struct wasm_import *im = &m->imports[i];
    const char *why = import_problem(m, im, unknown);
    if (!why)
      continue;
    if (bad++)
      append_text(list, sizeof list, &used, ", ");
    append_name(list, sizeof list, &used, &im->module);
    append_text(list, sizeof list, &used, ".");
    append_name(list, sizeof list, &used, &im->name);
    append_text(list, sizeof list, &used, why);
  }
  if (bad)
    return set_error(err, errlen, "unknown import%s: %s%s", bad > 1 ? "s" : "", list,
                     unknown == UNKNOWN_IMPORTS_ERROR
                         ? " (--unknown-imports trap|default stands in for missing functions)"
                         : "");
  return 0;
}

/* WASI preview1 addresses memory with 32-bit pointers: a module whose memory is 64-bit cannot
 * be a preview1 program (memory64 modules are still translated by compile-guest). */
static int check_memories(const struct wasm_module_info *m, char *err, size_t errlen) {
  if (m->memory64)
    return set_error(err, errlen,
                     "a 64-bit memory (memory64): WASI preview1 modules are wasm32 only");
  return 0;
}

static int check_exports(const struct wasm_module_info *m, char *err, size_t errlen) {
  int has_start = 0, has_memory = 0;
  for (uint32_t i = 0; i < m->nexports; i++) {
    const struct wasm_export *ex = &m->exports[i];
    if (ex->kind == WASM_KIND_FUNC && wasm_name_is(&ex->name, "_start"))
      has_start = 1;
    if (ex->kind == WASM_KIND_MEMORY && wasm_name_is(&ex->name, "memory"))
      has_memory = 1;
  }
  if (!has_start)
    return set_error(err, errlen, "not a WASI command: no exported function \"_start\"");
  if (!has_memory)
    return set_error(err, errlen, "not a WASI command: no exported memory \"memory\"");
  return 0;
}

int module_check(const uint8_t *bytes, size_t len, enum unknown_imports unknown_imports,
                 struct wasm_module_info *info, char *err, size_t errlen) {
  struct wasm_module_info m;
  if (wasm_module_read(bytes, len, &m, err, errlen) != 0)
    return -1;
  int rc = check_imports(&m, unknown_imports, err, errlen) || check_memories(&m, err, errlen) ||
                   check_exports(&m, err, errlen)
               ? -1
               : 0;
  if (rc == 0 && info)
    *info = m;
  else
    wasm_module_free(&m);
  return rc;
}
