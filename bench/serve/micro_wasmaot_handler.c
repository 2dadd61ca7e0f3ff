/* wasmaot's rows of the serve microbenchmark on the handler-export guest (serve-handler.wasm):
 * the seed's "Spin" rows with wasmaot serve's isolation modes. A host main, built against the
 * module like the serve host's own main (bench/serve/section.py does this):
 *   wasmaot build --serve --host-main bench/serve/micro_wasmaot_handler.c \
 *       build/workloads/serve-handler.wasm -o micro-handler
 *   micro-handler --isolation reset|fresh|fork [--quick] [--n N] [--max-seconds S]
 * One mode per process (the serve engine keeps its one instance at a fixed address). Each
 * request runs in a pristine instance through the serve engine (serve_engine_run: reset
 * restores the snapshot, fresh instantiates and frees, fork runs in a child) with the guest's
 * entry point replaced by the reactor's: _initialize, the request copied to request_buffer(),
 * handle(ptr, len), the response copied out of response_buffer() (to a MAP_SHARED buffer, so
 * a fork child's answer reaches the parent). Timing, checking and the JSON line are
 * serve-bench's (harness.c), so the rows compare. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "wasmaot-serve-guest.h"

#include "harness.c"

/* The request of the moment, and where the answer goes (shared with a fork child). */
static const struct bench_request *current;
struct shared_answer {
  long len; /* -1: the guest's memory did not hold the response */
  char buf[8192];
};
static struct shared_answer *answer;

/* Bounds-checked copies between this process and the guest's memory. */
static int guest_range(const wasm_rt_memory_t *mem, uint32_t at, uint64_t len) {
  return (uint64_t)at + len <= mem->size;
}

/* Replaces _start: one request through the reactor's exports. */
static void handler_entry(void *instance) {
  w2c_guest *g = instance;
  wasm_rt_memory_t *mem = w2c_guest_memory(g);
  answer->len = -1;
  w2c_guest_0x5Finitialize(g);
  uint32_t at = w2c_guest_request_buffer(g);
  if (!guest_range(mem, at, current->http_len))
    return;
  memcpy(mem->data + at, current->http, current->http_len);
  uint32_t n = w2c_guest_handle(g, at, (uint32_t)current->http_len);
  uint32_t out = w2c_guest_response_buffer(g);
  if ((int32_t)n < 0 || n > sizeof answer->buf || !guest_range(mem, out, n))
    return;
  memcpy(answer->buf, mem->data + out, n);
  answer->len = (long)n;
}

static int wasmaot_request(void *state, const struct bench_request *rq, char *why, size_t why_len) {
  struct serve_engine *e = state;
  struct serve_outcome out;
  current = rq;
  if (serve_engine_run(e, NULL, 0, 0, NULL, &out) != 0) {
    snprintf(why, why_len, "the instance could not be made pristine again");
    return 1;
  }
  if (out.trapped || out.crashed || out.timed_out || out.exit_code != 0) {
    snprintf(why, why_len, "guest failed: trapped %d (%s), crashed %d, exit %u", out.trapped,
             out.trap_reason ? out.trap_reason : "", out.crashed, out.exit_code);
    return 1;
  }
  if (answer->len != (long)rq->want_http_len ||
      memcmp(answer->buf, rq->want_http, rq->want_http_len) != 0) {
    snprintf(why, why_len, "wrong response (%ld bytes): %.*s", answer->len,
             answer->len > 0 ? (int)(answer->len < 120 ? answer->len : 120) : 0, answer->buf);
    return 1;
  }
  return 0;
}

int main(int argc, char **argv) {
  struct plan plan = {.n = 20000, .max_seconds = 3.0, .min_n = 20, .warmup = 50};
  const char *mode = NULL;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(a, "--quick") == 0) {
      plan = (struct plan){.n = 200, .max_seconds = 0.2, .min_n = 5, .warmup = 2};
      continue;
    }
    if (!v) {
      fprintf(stderr, "micro-handler: %s needs a value\n", a);
      return 2;
    }
    i++;
    if (strcmp(a, "--isolation") == 0)
      mode = v;
    else if (strcmp(a, "--n") == 0 && atoi(v) > 0)
      plan.n = (unsigned)atoi(v), plan.min_n = plan.n < plan.min_n ? plan.n : plan.min_n;
    else if (strcmp(a, "--max-seconds") == 0 && atof(v) > 0)
      plan.max_seconds = atof(v);
    else {
      fprintf(stderr, "micro-handler: unknown option %s\n", a);
      return 2;
    }
  }
  enum serve_isolation iso;
  if (!mode || serve_isolation_parse(mode, &iso) != 0) {
    fprintf(stderr, "usage: micro-handler --isolation reset|fresh|fork [--quick] [--n N] "
                    "[--max-seconds S]\n");
    return 2;
  }
  answer = mmap(NULL, sizeof *answer, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (answer == MAP_FAILED) {
    perror("micro-handler: mmap");
    return 1;
  }
  static char *guest_argv[] = {"micro-handler", NULL};
  static wasi_ctx ctx;
  if (wasi_ctx_init(&ctx, 1, guest_argv, 0, NULL) != 0) {
    fprintf(stderr, "micro-handler: cannot set up the WASI context\n");
    return 1;
  }
  wasm_rt_init();
#if WASMAOT_BOUNDS_CHECK
  if (wasmaot_install_stack_guard() != 0) {
    fprintf(stderr, "micro-handler: cannot install the stack guard\n");
    return 1;
  }
#endif
  struct serve_guest g = serve_guest_bind();
  g.start = handler_entry;
  struct serve_engine *e = serve_engine_new(&g, &ctx, iso);
  if (!e) {
    fprintf(stderr, "micro-handler: cannot set up the serve engine\n");
    return 1;
  }
  char variant[32];
  snprintf(variant, sizeof variant, "wasmaot-%s", serve_isolation_name(iso));
  describe_machine();
  int bad = measure(variant, "handler",
                    "wasmaot serve's engine, a pristine instance per request; the reactor's "
                    "_initialize, request_buffer, handle, response_buffer in place of _start",
                    wasmaot_request, e, &plan);
  serve_engine_free(e);
  return bad;
}
