/* poll_oneoff: waiting on clocks and descriptor readiness. */
#include "wasi_impl.h"

/* Not yet implemented; readiness polling is tracked with the sockets work. */
wasi_errno_t wasi_poll_oneoff(wasi_ctx *ctx, uint32_t in, uint32_t out, uint32_t nsubscriptions,
                              uint32_t nevents_out) {
  (void)ctx, (void)in, (void)out, (void)nsubscriptions, (void)nevents_out;
  return WASI_ENOSYS;
}
