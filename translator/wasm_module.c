/* Minimal wasm binary reader: magic, version, type/import/export sections. */
#include "error.h"
#include "wasm_module.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct reader {
  const uint8_t *p, *end;
  int failed;
};

static uint64_t read_leb(struct reader *r, int max_bits) {
  uint64_t v = 0;
  for (int shift = 0; shift < max_bits + 7; shift += 7) {
    if (r->p >= r->end) {
      r->failed = 1;
      return 0;
    }
    uint8_t b = *r->p++;
    v |= (uint64_t)(b & 0x7f) << shift;
    if (!(b & 0x80))
      return v;
  }
  r->failed = 1;
  return 0;
}

static uint8_t read_byte(struct reader *r) {
  if (r->p >= r->end) {
    r->failed = 1;
    return 0;
  }
  return *r->p++;
}

static char *read_name(struct reader *r) {
  uint32_t n = (uint32_t)read_leb(r, 32);
  if (r->failed || (size_t)(r->end - r->p) < n) {
    r->failed = 1;
    return NULL;
  }
  char *s = malloc((size_t)n + 1);
  if (!s) {
    r->failed = 1;
    return NULL;
  }
  memcpy(s, r->p, n);
  s[n] = 0;
  r->p += n;
  return s;
}

static char valtype_char(uint8_t t) {
  switch (t) {
  case 0x7f:
    return 'i';
  case 0x7e:
    return 'I';
  case 0x7d:
    return 'f';
  case 0x7c:
    return 'F';
  default:
    return '?';
  }
}

static void read_types(struct reader *r, struct wasm_module_info *m) {
  uint32_t n = (uint32_t)read_leb(r, 32);
  if (r->failed || n > (size_t)(r->end - r->p)) {
    r->failed = 1;
    return;
  }
  m->types = calloc(n ? n : 1, sizeof *m->types);
  for (uint32_t i = 0; i < n && !r->failed; i++, m->ntypes++) {
    struct wasm_functype *t = &m->types[i];
    if (read_byte(r) != 0x60) {
      r->failed = 1;
      return;
    }
    t->nparams = (uint32_t)read_leb(r, 32);
    for (uint32_t k = 0; k < t->nparams && !r->failed; k++) {
      char c = valtype_char(read_byte(r));
      if (k < sizeof t->params)
        t->params[k] = c;
    }
    t->nresults = (uint32_t)read_leb(r, 32);
    for (uint32_t k = 0; k < t->nresults && !r->failed; k++) {
      char c = valtype_char(read_byte(r));
      if (k < sizeof t->results)
        t->results[k] = c;
    }
  }
}

static void skip_limits(struct reader *r) {
  uint8_t flags = read_byte(r);
  read_leb(r, 64);
  if (flags & 1)
    read_leb(r, 64);
}

static void read_imports(struct reader *r, struct wasm_module_info *m) {
  uint32_t n = (uint32_t)read_leb(r, 32);
  if (r->failed || n > (size_t)(r->end - r->p)) {
    r->failed = 1;
    return;
  }
  m->imports = calloc(n ? n : 1, sizeof *m->imports);
  for (uint32_t i = 0; i < n && !r->failed; i++) {
    struct wasm_import *im = &m->imports[m->nimports++];
    im->module = read_name(r);
    im->name = read_name(r);
    im->kind = read_byte(r);
    switch (im->kind) {
    case WASM_KIND_FUNC:
      im->type_index = (uint32_t)read_leb(r, 32);
      break;
    case WASM_KIND_TABLE:
      read_byte(r);
      skip_limits(r);
      break;
    case WASM_KIND_MEMORY:
      skip_limits(r);
      break;
    case WASM_KIND_GLOBAL:
      read_byte(r);
      read_byte(r);
      break;
    case WASM_KIND_TAG: /* exception handling: attribute (0 = exception), type index */
      read_byte(r);
      read_leb(r, 32);
      break;
    default:
      r->failed = 1;
    }
  }
}

static void read_exports(struct reader *r, struct wasm_module_info *m) {
  uint32_t n = (uint32_t)read_leb(r, 32);
  if (r->failed || n > (size_t)(r->end - r->p)) {
    r->failed = 1;
    return;
  }
  m->exports = calloc(n ? n : 1, sizeof *m->exports);
  for (uint32_t i = 0; i < n && !r->failed; i++) {
    struct wasm_export *ex = &m->exports[m->nexports++];
    ex->name = read_name(r);
    ex->kind = read_byte(r);
    read_leb(r, 32);
  }
}

int wasm_module_read(const uint8_t *bytes, size_t len, struct wasm_module_info *out, char *err,
                     size_t errlen) {
  memset(out, 0, sizeof *out);
  if (len < 8 || memcmp(bytes, "\0asm", 4) != 0)
    return set_error(err, errlen, "not a WebAssembly module (no \\0asm magic)");
  if (memcmp(bytes + 4, "\1\0\0\0", 4) != 0)
    return set_error(err, errlen, "unsupported WebAssembly binary version (not a core module v1)");
  struct reader r = {bytes + 8, bytes + len, 0};
  while (r.p < r.end && !r.failed) {
    uint8_t id = read_byte(&r);
    uint32_t size = (uint32_t)read_leb(&r, 32);
    if (r.failed || size > (size_t)(r.end - r.p))
      return set_error(err, errlen, "invalid module: section %u runs past the end of the file", id);
    struct reader sec = {r.p, r.p + size, 0};
    if (id == 1)
      read_types(&sec, out);
    else if (id == 2)
      read_imports(&sec, out);
    else if (id == 7)
      read_exports(&sec, out);
    if (sec.failed)
      return set_error(err, errlen, "invalid module: malformed section %u", id);
    r.p += size;
  }
  if (r.failed)
    return set_error(err, errlen, "invalid module: truncated section header");
  return 0;
}

void wasm_module_free(struct wasm_module_info *m) {
  for (uint32_t i = 0; i < m->nimports; i++) {
    free(m->imports[i].module);
    free(m->imports[i].name);
  }
  for (uint32_t i = 0; i < m->nexports; i++)
    free(m->exports[i].name);
  free(m->imports);
  free(m->exports);
  free(m->types);
  memset(m, 0, sizeof *m);
}
