/* Guest memory (de)serialisation: explicit little-endian loads and stores with range checks. */
#include "guest_mem.h"

#include <stdlib.h>
#include <string.h>

static uint64_t load_le(const uint8_t *p, int bytes) {
  uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; i--)
    v = (v << 8) | p[i];
  return v;
}

static void store_le(uint8_t *p, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; i++, v >>= 8)
    p[i] = (uint8_t)v;
}

#define DEFINE_GUEST_SCALAR(bits)                                                                  \
  wasi_errno_t guest_mem_read_u##bits(const wasm_rt_memory_t *mem, uint32_t addr,                  \
                                      uint##bits##_t *out) {                                       \
    const uint8_t *p = guest_mem_span(mem, addr, bits / 8);                                        \
    if (!p)                                                                                        \
      return WASI_EFAULT;                                                                          \
    *out = (uint##bits##_t)load_le(p, bits / 8);                                                   \
    return WASI_ESUCCESS;                                                                          \
  }                                                                                                \
  wasi_errno_t guest_mem_write_u##bits(wasm_rt_memory_t *mem, uint32_t addr,                       \
                                       uint##bits##_t value) {                                     \
    uint8_t *p = guest_mem_span(mem, addr, bits / 8);                                              \
    if (!p)                                                                                        \
      return WASI_EFAULT;                                                                          \
    store_le(p, value, bits / 8);                                                                  \
    return WASI_ESUCCESS;                                                                          \
  }

DEFINE_GUEST_SCALAR(8)
DEFINE_GUEST_SCALAR(16)
DEFINE_GUEST_SCALAR(32)
DEFINE_GUEST_SCALAR(64)

wasi_errno_t guest_mem_check_ranges(const wasm_rt_memory_t *mem, const struct guest_range *ranges,
                                    size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!guest_mem_span(mem, ranges[i].addr, ranges[i].len))
      return WASI_EFAULT;
  return WASI_ESUCCESS;
}

wasi_errno_t guest_mem_write_bytes(wasm_rt_memory_t *mem, uint32_t addr, const void *src,
                                   uint32_t len) {
  uint8_t *p = guest_mem_span(mem, addr, len);
  if (!p)
    return WASI_EFAULT;
  if (len)
    memmove(p, src, len);
  return WASI_ESUCCESS;
}

wasi_errno_t guest_mem_read_string(const wasm_rt_memory_t *mem, uint32_t addr, uint32_t len,
                                   char **out) {
  const uint8_t *p = guest_mem_span(mem, addr, len);
  if (!p)
    return WASI_EFAULT;
  if (len && memchr(p, 0, len))
    return WASI_EILSEQ;
  char *s = malloc((size_t)len + 1);
  if (!s)
    return WASI_ENOMEM;
  if (len)
    memcpy(s, p, len);
  s[len] = 0;
  *out = s;
  return WASI_ESUCCESS;
}

wasi_errno_t guest_mem_read_iovecs(const wasm_rt_memory_t *mem, uint32_t iovs, uint32_t iovs_len,
                                   struct iovec **out, int *count) {
  uint32_t n = iovs_len > GUEST_MEM_MAX_IOVS ? GUEST_MEM_MAX_IOVS : iovs_len;
  if (!guest_mem_span(mem, iovs, (uint64_t)iovs_len * WASI_IOVEC_SIZE))
    return WASI_EFAULT;
  /* Those past GUEST_MEM_MAX_IOVS are not used, but a bad one is still the guest's EFAULT. */
  for (uint32_t i = n; i < iovs_len; i++) {
    uint32_t buf, len;
    guest_mem_read_u32(mem, iovs + i * WASI_IOVEC_SIZE, &buf);
    guest_mem_read_u32(mem, iovs + i * WASI_IOVEC_SIZE + 4, &len);
    if (!guest_mem_span(mem, buf, len))
      return WASI_EFAULT;
  }
  struct iovec *v = calloc(n ? n : 1, sizeof *v);
  if (!v)
    return WASI_ENOMEM;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t buf, len;
    guest_mem_read_u32(mem, iovs + i * WASI_IOVEC_SIZE, &buf);
    guest_mem_read_u32(mem, iovs + i * WASI_IOVEC_SIZE + 4, &len);
    uint8_t *p = guest_mem_span(mem, buf, len);
    if (!p) {
      free(v);
      return WASI_EFAULT;
    }
    v[i].iov_base = p;
    v[i].iov_len = len;
  }
  *out = v;
  *count = (int)n;
  return WASI_ESUCCESS;
}
