/* Clocks and randomness: clock_res_get, clock_time_get, random_get. */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/random.h>
#include <time.h>

#include "guest_mem.h"
#include "wasi_errno.h"
#include "wasi_impl.h"

static wasi_errno_t host_clock(uint32_t id, clockid_t *out) {
  switch (id) {
  case WASI_CLOCK_REALTIME:
    *out = CLOCK_REALTIME;
    return WASI_ESUCCESS;
  case WASI_CLOCK_MONOTONIC:
    *out = CLOCK_MONOTONIC;
    return WASI_ESUCCESS;
  case WASI_CLOCK_PROCESS_CPUTIME:
    *out = CLOCK_PROCESS_CPUTIME_ID;
    return WASI_ESUCCESS;
  case WASI_CLOCK_THREAD_CPUTIME:
    *out = CLOCK_THREAD_CPUTIME_ID;
    return WASI_ESUCCESS;
  default:
    return WASI_EINVAL;
  }
}

wasi_errno_t wasi_clock_res_get(wasi_ctx *ctx, uint32_t clock_id, uint32_t resolution_out) {
  clockid_t id;
  struct timespec ts;
  wasi_errno_t err = host_clock(clock_id, &id);
  if (err)
    return err;
  if (clock_getres(id, &ts) != 0)
    return wasi_errno_last();
  return guest_mem_write_u64(ctx->memory, resolution_out,
                             (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec);
}

wasi_errno_t wasi_clock_time_get(wasi_ctx *ctx, uint32_t clock_id, uint64_t precision,
                                 uint32_t time_out) {
  (void)precision; /* a hint; we always read the finest the host has */
  clockid_t id;
  struct timespec ts;
  wasi_errno_t err = host_clock(clock_id, &id);
  if (err)
    return err;
  if (clock_gettime(id, &ts) != 0)
    return wasi_errno_last();
  return guest_mem_write_u64(ctx->memory, time_out,
                             (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec);
}

wasi_errno_t wasi_random_get(wasi_ctx *ctx, uint32_t buf, uint32_t buf_len) {
  uint8_t *p = guest_mem_span(ctx->memory, buf, buf_len);
  if (!p)
    return WASI_EFAULT;
  while (buf_len > 0) {
    ssize_t n = getrandom(p, buf_len, 0);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return wasi_errno_last();
    }
    p += n;
    buf_len -= (uint32_t)n;
  }
  return WASI_ESUCCESS;
}
