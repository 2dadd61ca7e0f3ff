/* Minimal wasm binary reader: magic, version, section order, type/import/export sections.
 * See wasm_module.h. Everything else is skipped here and validated by wasm2c. */
#include "error.h"
#include "wasm_module.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct reader {
  const uint8_t *p, *end;
  const char *why; /* the first failure; NULL while all is well */
};

static void fail(struct reader *r, const char *why) {
  if (!r->why)
    r->why = why;
}

static size_t bytes_left(const struct reader *r) {
  return (size_t)(r->end - r->p);
}

static uint8_t read_byte(struct reader *r) {
  if (r->why || r->p >= r->end) {
    fail(r, "unexpected end of section");
    return 0;
  }
  return *r->p++;
}

/* Unsigned LEB128 of at most `bits` bits: no more bytes than that takes, and the unused bits
 * of the last byte zero, as the spec requires. */
static uint64_t read_uleb(struct reader *r, unsigned bits) {
  uint64_t v = 0;
  for (unsigned shift = 0;; shift += 7) {
    uint8_t b = read_byte(r);
    if (r->why)
      return 0;
    if (shift + 7 >= bits && ((b & 0x80) || (b & 0x7f) >> (bits - shift))) {
      fail(r, "integer too large");
      return 0;
    }
    v |= (uint64_t)(b & 0x7f) << shift;
    if (!(b & 0x80))
      return v;
  }
}

static uint32_t read_u32(struct reader *r) {
  return (uint32_t)read_uleb(r, 32);
}

/* A signed 33-bit LEB128 (a heap type), skipped: at most 5 bytes. */
static void skip_s33(struct reader *r) {
  for (int i = 0; i < 5; i++)
    if (!(read_byte(r) & 0x80))
      return;
  fail(r, "integer too large");
}

/* A vector's length, which cannot exceed the entries the rest of the section could hold
 * (each at least `min_entry_bytes` long): the bound that keeps a few hostile bytes from
 * asking for gigabytes. */
static uint32_t read_count(struct reader *r, size_t min_entry_bytes) {
  uint32_t n = read_u32(r);
  if (!r->why && n > bytes_left(r) / min_entry_bytes)
    fail(r, "count larger than the section");
  return r->why ? 0 : n;
}

int wasm_utf8_valid(const uint8_t *s, size_t n) {
  for (size_t i = 0; i < n;) {
    uint8_t c = s[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    size_t more;
    uint32_t cp, min;
    if ((c & 0xe0) == 0xc0)
      more = 1, cp = c & 0x1f, min = 0x80;
    else if ((c & 0xf0) == 0xe0)
      more = 2, cp = c & 0x0f, min = 0x800;
    else if ((c & 0xf8) == 0xf0)
      more = 3, cp = c & 0x07, min = 0x10000;
    else
      return 0; /* a continuation byte first, or 0xf8..0xff */
    if (n - i - 1 < more)
      return 0;
    for (size_t k = 1; k <= more; k++) {
      if ((s[i + k] & 0xc0) != 0x80)
        return 0;
      cp = cp << 6 | (s[i + k] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
      return 0; /* overlong, beyond Unicode, or a surrogate */
    i += more + 1;
  }
  return 1;
}

/* A name: length, then UTF-8. Copied into `out` if given, else only checked and skipped. */
static void read_name(struct reader *r, struct wasm_name *out) {
  uint32_t n = read_u32(r);
  if (r->why)
    return;
  if (n > bytes_left(r)) {
    fail(r, "name runs past the end of its section");
    return;
  }
  if (!wasm_utf8_valid(r->p, n)) {
    fail(r, "name is not valid UTF-8");
    return;
  }
  if (out) {
    if (!(out->s = malloc((size_t)n + 1))) {
      fail(r, "out of memory");
      return;
    }
    memcpy(out->s, r->p, n);
    out->s[n] = 0;
    out->len = n;
  }
  r->p += n;
}

int wasm_name_is(const struct wasm_name *n, const char *want) {
  return n->s && n->len == strlen(want) && memcmp(n->s, want, n->len) == 0;
}

static char read_valtype(struct reader *r) {
  uint8_t b = read_byte(r);
  switch (b) {
  case 0x7f:
    return 'i';
  case 0x7e:
    return 'I';
  case 0x7d:
    return 'f';
  case 0x7c:
    return 'F';
  case 0x7b:
    return 'v';
  case 0x63: /* (ref null HEAPTYPE) */
  case 0x64: /* (ref HEAPTYPE) */
    skip_s33(r);
    return 'r';
  default:
    /* The shorthand reference types, 0x69 exnref .. 0x74 nullexnref (0x70 funcref, 0x6f
     * externref among them). */
    if (b >= 0x69 && b <= 0x74)
      return 'r';
    fail(r, "unknown value type");
    return '?';
  }
}

static void read_valtypes(struct reader *r, uint32_t *count, char *out, size_t cap) {
  *count = read_count(r, 1);
  for (uint32_t k = 0; k < *count && !r->why; k++) {
    char c = read_valtype(r);
    if (k < cap)
      out[k] = c;
  }
}

static void read_types(struct reader *r, struct wasm_module_info *m) {
  uint32_t n = read_count(r, 3); /* 0x60, no params, no results */
  if (r->why)
    return;
  if (!(m->types = calloc(n ? n : 1, sizeof *m->types))) {
    fail(r, "out of memory");
    return;
  }
  m->ntypes = n;
  for (uint32_t i = 0; i < n && !r->why; i++) {
    struct wasm_functype *t = &m->types[i];
    uint8_t form = read_byte(r);
    if (form != 0x60) {
      fail(r, form == 0x4e || form == 0x4f || form == 0x50 ? "GC types are not supported"
                                                           : "malformed function type");
      return;
    }
    read_valtypes(r, &t->nparams, t->params, sizeof t->params);
    read_valtypes(r, &t->nresults, t->results, sizeof t->results);
  }
}

/* Table and memory limits, with the flags of threads (shared), memory64 and custom page
 * sizes, all of which wasm2c may know about. */
static uint8_t skip_limits(struct reader *r) {
  uint8_t flags = read_byte(r);
  if (flags & ~0x0fu) {
    fail(r, "malformed limits");
    return 0;
  }
  unsigned bits = flags & 4 ? 64 : 32;
  read_uleb(r, bits);
  if (flags & 1)
    read_uleb(r, bits);
  if (flags & 8)
    read_u32(r); /* log2 of the page size */
  return flags;
}

enum { LIMITS_64 = 4 };

/* The memory section: only whether a memory is 64-bit matters to us. */
static void read_memories(struct reader *r, struct wasm_module_info *m) {
  uint32_t n = read_count(r, 2); /* a flags byte and a one-byte minimum */
  for (uint32_t i = 0; i < n && !r->why; i++)
    if (skip_limits(r) & LIMITS_64)
      m->memory64 = 1;
}

static void read_imports(struct reader *r, struct wasm_module_info *m) {
  uint32_t n = read_count(r, 4); /* two empty names, a kind, a one-byte description */
  if (r->why)
    return;
  if (!(m->imports = calloc(n ? n : 1, sizeof *m->imports))) {
    fail(r, "out of memory");
    return;
  }
  m->nimports = n;
  for (uint32_t i = 0; i < n && !r->why; i++) {
    struct wasm_import *im = &m->imports[i];
    read_name(r, &im->module);
    read_name(r, &im->name);
    im->kind = read_byte(r);
    switch (im->kind) {
    case WASM_KIND_FUNC:
      im->type_index = read_u32(r);
      break;
    case WASM_KIND_TABLE:
      if (read_valtype(r) != 'r')
        fail(r, "table of a non-reference type");
      skip_limits(r);
      break;
    case WASM_KIND_MEMORY:
      if (skip_limits(r) & LIMITS_64)
        m->memory64 = 1;
      break;
    case WASM_KIND_GLOBAL:
      read_valtype(r);
      if (read_byte(r) > 1)
        fail(r, "malformed global mutability");
      break;
    case WASM_KIND_TAG:
      if (read_byte(r) != 0)
        fail(r, "malformed tag attribute");
      im->type_index = read_u32(r);
      break;
    default:
      fail(r, "unknown import kind");
    }
  }
}

static void read_exports(struct reader *r, struct wasm_module_info *m) {
  uint32_t n = read_count(r, 3); /* an empty name, a kind, a one-byte index */
  if (r->why)
    return;
  if (!(m->exports = calloc(n ? n : 1, sizeof *m->exports))) {
    fail(r, "out of memory");
    return;
  }
  m->nexports = n;
  for (uint32_t i = 0; i < n && !r->why; i++) {
    struct wasm_export *ex = &m->exports[i];
    read_name(r, &ex->name);
    ex->kind = read_byte(r);
    if (ex->kind > WASM_KIND_TAG)
      fail(r, "unknown export kind");
    read_u32(r);
  }
}

/* Non-custom sections come in this order, each at most once; the tag section (13, exception
 * handling) sits between memory and global, data count (12) between element and code. */
static const uint8_t section_rank[] = {
    [1] = 1, [2] = 2, [3] = 3,  [4] = 4,   [5] = 5,   [13] = 6, [6] = 7,
    [7] = 8, [8] = 9, [9] = 10, [12] = 11, [10] = 12, [11] = 13};
static const char *const section_name[] = {"custom", "type",   "import",     "function", "table",
                                           "memory", "global", "export",     "start",    "element",
                                           "code",   "data",   "data count", "tag"};

/* Frees what was read so far and passes on the error code: a failed read leaves nothing. */
static int discard(struct wasm_module_info *m, int rc) {
  wasm_module_free(m);
  return rc;
}

int wasm_module_read(const uint8_t *bytes, size_t len, struct wasm_module_info *out, char *err,
                     size_t errlen) {
  memset(out, 0, sizeof *out);
  if (len < 8 || memcmp(bytes, "\0asm", 4) != 0)
    return set_error(err, errlen, "not a WebAssembly module (no \\0asm magic)");
  if (memcmp(bytes + 4, "\1\0\0\0", 4) != 0)
    return set_error(err, errlen, "unsupported WebAssembly binary version (not a core module v1)");
  struct reader r = {bytes + 8, bytes + len, NULL};
  unsigned last_rank = 0, last_id = 0, seen = 0;
  while (r.p < r.end) {
    unsigned id = read_byte(&r);
    uint32_t size = read_u32(&r);
    if (r.why)
      return discard(out, set_error(err, errlen, "invalid module: truncated section header"));
    if (id >= sizeof section_rank || (id != 0 && !section_rank[id]))
      return discard(out, set_error(err, errlen, "invalid module: unknown section id %u", id));
    const char *name = section_name[id];
    if (size > bytes_left(&r))
      return discard(out, set_error(err, errlen,
                                    "invalid module: section %u (%s) runs past the end of the file",
                                    id, name));
    if (id != 0) {
      if (seen & 1u << id)
        return discard(
            out, set_error(err, errlen, "invalid module: section %u (%s) appears twice", id, name));
      if (section_rank[id] < last_rank)
        return discard(out, set_error(err, errlen,
                                      "invalid module: section %u (%s) out of order, after "
                                      "section %u (%s)",
                                      id, name, last_id, section_name[last_id]));
      seen |= 1u << id;
      last_rank = section_rank[id];
      last_id = id;
    }
    struct reader sec = {r.p, r.p + size, NULL};
    if (id == 0) {
      read_name(&sec, NULL);
      sec.p = sec.why ? sec.p : sec.end; /* the payload is the custom section's own business */
    } else if (id == 1) {
      read_types(&sec, out);
    } else if (id == 2) {
      read_imports(&sec, out);
    } else if (id == 5) {
      read_memories(&sec, out);
    } else if (id == 7) {
      read_exports(&sec, out);
    } else {
      if (id == 10)
        out->code_size = size;
      sec.p = sec.end; /* wasm2c validates the rest */
    }
    if (!sec.why && sec.p != sec.end)
      sec.why = "bytes left over after its contents";
    if (sec.why)
      return discard(
          out, set_error(err, errlen, "invalid module: section %u (%s): %s", id, name, sec.why));
    r.p += size;
  }
  return 0;
}

void wasm_module_free(struct wasm_module_info *m) {
  for (uint32_t i = 0; m->imports && i < m->nimports; i++) {
    free(m->imports[i].module.s);
    free(m->imports[i].name.s);
  }
  for (uint32_t i = 0; m->exports && i < m->nexports; i++)
    free(m->exports[i].name.s);
  free(m->imports);
  free(m->exports);
  free(m->types);
  memset(m, 0, sizeof *m);
}
