/* Active data segments out of wasm2c's input. See data_segments.h.
 *
 * The module is hostile: every length is checked against the bytes left, and anything not
 * known exactly (a segment kind, an instruction in an offset expression, a section that does
 * not end where it says) means "do not strip": wasm2c then reads the module as it is, and
 * validates it as always. */
#include "data_segments.h"

#include <stdlib.h>
#include <string.h>

struct cursor {
  const uint8_t *p, *end;
  int bad;
};

/* An unsigned LEB128 of at most `bits` bits. */
static uint64_t uleb(struct cursor *c, unsigned bits) {
  uint64_t v = 0;
  for (unsigned shift = 0; shift < bits + 7; shift += 7) {
    if (c->p >= c->end) {
      c->bad = 1;
      return 0;
    }
    uint8_t b = *c->p++;
    v |= (uint64_t)(b & 0x7f) << shift;
    if (!(b & 0x80))
      return v;
  }
  c->bad = 1;
  return 0;
}

/* Skips a signed LEB128 of at most `bits` bits. */
static void skip_sleb(struct cursor *c, unsigned bits) {
  for (unsigned shift = 0; shift < bits + 7; shift += 7) {
    if (c->p >= c->end)
      break;
    if (!(*c->p++ & 0x80))
      return;
  }
  c->bad = 1;
}

/* Skips a constant offset expression up to and including its `end`: i32/i64.const,
 * global.get and the extended-const arithmetic, nothing else. */
static void skip_offset_expr(struct cursor *c) {
  for (int n = 0; !c->bad && n < 4096; n++) {
    if (c->p >= c->end)
      break;
    uint8_t op = *c->p++;
    switch (op) {
    case 0x0b: /* end */
      return;
    case 0x41: /* i32.const */
      skip_sleb(c, 32);
      break;
    case 0x42: /* i64.const */
      skip_sleb(c, 64);
      break;
    case 0x23: /* global.get */
      uleb(c, 32);
      break;
    case 0x6a:
    case 0x6b:
    case 0x6c: /* i32.add, sub, mul */
    case 0x7c:
    case 0x7d:
    case 0x7e: /* i64.add, sub, mul */
      break;
    default:
      c->bad = 1;
      return;
    }
  }
  c->bad = 1;
}

static size_t put_uleb(uint8_t *out, uint64_t v) {
  size_t n = 0;
  do {
    uint8_t b = v & 0x7f;
    v >>= 7;
    out[n++] = b | (v ? 0x80 : 0);
  } while (v);
  return n;
}

void data_strip_free(struct data_strip *s) {
  free(s->module);
  free(s->active);
  memset(s, 0, sizeof *s);
}

int data_strip_module(const uint8_t *bytes, size_t len, struct data_strip *out) {
  memset(out, 0, sizeof *out);
  if (len < 8)
    return 0;
  /* The data section: where it starts (its id byte) and its contents. */
  struct cursor c = {bytes + 8, bytes + len, 0};
  const uint8_t *sec = NULL, *body = NULL, *body_end = NULL;
  while (!c.bad && c.p < c.end) {
    const uint8_t *start = c.p;
    uint8_t id = *c.p++;
    uint64_t size = uleb(&c, 32);
    if (c.bad || size > (uint64_t)(c.end - c.p))
      return 0;
    if (id == 11) {
      if (sec) /* twice: wasm2c rejects it */
        return 0;
      sec = start, body = c.p, body_end = c.p + size;
    }
    c.p += size;
  }
  if (c.bad || !sec)
    return 0;

  struct cursor d = {body, body_end, 0};
  uint64_t count = uleb(&d, 32);
  if (d.bad || count > (uint64_t)(body_end - d.p)) /* each segment takes at least a byte */
    return 0;
  /* The new section is never longer than the old one plus the re-encoded lengths. */
  size_t cap = (size_t)(body_end - body) + 5 * (size_t)count + 16;
  uint8_t *nb = malloc(cap);
  struct data_segment *act = malloc(((size_t)count + 1) * sizeof *act);
  if (!nb || !act) {
    free(nb), free(act);
    return -1;
  }
  size_t n = put_uleb(nb, count), nact = 0, total = 0;
  for (uint64_t i = 0; i < count && !d.bad; i++) {
    const uint8_t *seg = d.p;
    uint64_t flags = uleb(&d, 32);
    int active = flags == 0 || flags == 2;
    if (flags == 2)
      uleb(&d, 32); /* memory index */
    else if (flags != 0 && flags != 1)
      d.bad = 1;
    if (active)
      skip_offset_expr(&d);
    const uint8_t *head_end = d.p;
    uint64_t dlen = uleb(&d, 32);
    if (d.bad || dlen > (uint64_t)(body_end - d.p)) {
      d.bad = 1;
      break;
    }
    const uint8_t *data = d.p;
    d.p += dlen;
    if (active) {
      memcpy(nb + n, seg, (size_t)(head_end - seg));
      n += (size_t)(head_end - seg);
      nb[n++] = 0; /* no bytes: they come back from the blob */
      act[nact].bytes = data;
      act[nact++].len = (size_t)dlen;
      total += (size_t)dlen;
    } else {
      memcpy(nb + n, seg, (size_t)(d.p - seg));
      n += (size_t)(d.p - seg);
    }
  }
  if (d.bad || d.p != body_end || total == 0) {
    free(nb), free(act);
    return 0;
  }
  size_t before = (size_t)(sec - bytes), after = len - (size_t)(body_end - bytes);
  uint8_t *m = malloc(before + 1 + 5 + n + after);
  if (!m) {
    free(nb), free(act);
    return -1;
  }
  size_t k = before;
  memcpy(m, bytes, before);
  m[k++] = 11;
  k += put_uleb(m + k, n);
  memcpy(m + k, nb, n);
  k += n;
  memcpy(m + k, body_end, after);
  free(nb);
  out->module = m;
  out->module_len = k + after;
  out->active = act;
  out->nactive = nact;
  out->bytes = total;
  return 0;
}
