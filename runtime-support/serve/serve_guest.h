/* The guest's entry points as a struct serve_guest. Included only by host mains compiled
 * against a module's wasm2c header (-include guest.h -include guest_glue.h): serve_main.c and
 * bench/serve/micro_wasmaot.c. Installed as include/wasmaot-serve-guest.h. */
#ifndef WASMAOT_SERVE_GUEST_H
#define WASMAOT_SERVE_GUEST_H

#include "wasmaot-serve.h"

static void serve_guest_instantiate(void *instance, wasi_ctx *ctx) {
  wasmaot_guest_instantiate((w2c_guest *)instance, ctx);
}
static void serve_guest_start(void *instance) {
  w2c_guest_0x5Fstart((w2c_guest *)instance);
}
static void serve_guest_free(void *instance) {
  wasm2c_guest_free((w2c_guest *)instance);
}

/* The one instance of this process (at a fixed address, for its whole life). */
static w2c_guest serve_guest_instance;

static inline struct serve_guest serve_guest_bind(void) {
  struct serve_guest g = {
      &serve_guest_instance,   sizeof serve_guest_instance, w2c_guest_memory(&serve_guest_instance),
      serve_guest_instantiate, serve_guest_start,           serve_guest_free};
  return g;
}

#endif
