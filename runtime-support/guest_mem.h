/* Guest memory: the only way the runtime touches wasm linear memory.
 *
 * Every guest pointer and length goes through a range check against the memory's current
 * size (re-read on each call: memory.grow may move or extend it), and every multi-byte value is
 * read and written explicitly little-endian, byte by byte, so the code is correct on any host.
 * A range that does not fit gives WASI_EFAULT to the guest — never a host crash. */
#ifndef WASMAOT_GUEST_MEM_H
#define WASMAOT_GUEST_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "wasi_types.h"
#include "wasmaot-runtime.h"

/* Host address of guest bytes [addr, addr+len), or NULL when any of them is outside memory. */
static inline uint8_t *guest_mem_span(const wasm_rt_memory_t *mem, uint32_t addr, uint64_t len) {
  if ((uint64_t)addr + len > (uint64_t)mem->size)
    return NULL;
  return mem->data + addr;
}

/* Calls that write several outputs (or write one after a side effect) check every output range
 * first, so that an EFAULT means nothing was written and nothing was done:
 *   err = GUEST_MEM_CHECK(mem, {count_out, 4}, {buf, buf_len});
 * EFAULT unless each [addr, addr+len) lies inside memory. */
struct guest_range {
  uint32_t addr;
  uint64_t len;
};
wasi_errno_t guest_mem_check_ranges(const wasm_rt_memory_t *mem, const struct guest_range *ranges,
                                    size_t n);
#define GUEST_MEM_CHECK(mem, ...)                                                                  \
  guest_mem_check_ranges((mem), (const struct guest_range[]){__VA_ARGS__},                         \
                         sizeof((const struct guest_range[]){__VA_ARGS__}) /                       \
                             sizeof(struct guest_range))

wasi_errno_t guest_mem_read_u8(const wasm_rt_memory_t *mem, uint32_t addr, uint8_t *out);
wasi_errno_t guest_mem_read_u16(const wasm_rt_memory_t *mem, uint32_t addr, uint16_t *out);
wasi_errno_t guest_mem_read_u32(const wasm_rt_memory_t *mem, uint32_t addr, uint32_t *out);
wasi_errno_t guest_mem_read_u64(const wasm_rt_memory_t *mem, uint32_t addr, uint64_t *out);
wasi_errno_t guest_mem_write_u8(wasm_rt_memory_t *mem, uint32_t addr, uint8_t value);
wasi_errno_t guest_mem_write_u16(wasm_rt_memory_t *mem, uint32_t addr, uint16_t value);
wasi_errno_t guest_mem_write_u32(wasm_rt_memory_t *mem, uint32_t addr, uint32_t value);
wasi_errno_t guest_mem_write_u64(wasm_rt_memory_t *mem, uint32_t addr, uint64_t value);
/* Copies host bytes into the guest (EFAULT if the range does not fit). */
wasi_errno_t guest_mem_write_bytes(wasm_rt_memory_t *mem, uint32_t addr, const void *src,
                                   uint32_t len);

/* Reads a guest string (ptr, len — not NUL-terminated in WASI) into a fresh NUL-terminated host
 * copy. EFAULT if out of range, EILSEQ if it contains a NUL byte; *out must be free()d. */
wasi_errno_t guest_mem_read_string(const wasm_rt_memory_t *mem, uint32_t addr, uint32_t len,
                                   char **out);

/* Converts a guest iovec array (WASI_IOVEC_SIZE bytes each) into host iovecs pointing into
 * guest memory. At most GUEST_MEM_MAX_IOVS are taken (the rest is a short read/write, which
 * POSIX and WASI allow), but every buffer of the array is range-checked: one outside memory is
 * EFAULT before any byte moves. *out must be free()d; *count is set to the number converted. */
#define GUEST_MEM_MAX_IOVS 1024
wasi_errno_t guest_mem_read_iovecs(const wasm_rt_memory_t *mem, uint32_t iovs, uint32_t iovs_len,
                                   struct iovec **out, int *count);

#endif
