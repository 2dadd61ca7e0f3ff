/* The Wasmtime rows of the serve microbenchmark, through Wasmtime's C embedding API (the PyPI
 * wheel's _libwasmtime.so, wasmtime_api.h):
 *   wasmtime-scratch      per request: compile the module, new store, instantiate, call
 *   wasmtime-precompiled  module compiled once; per request: new store, linker instantiate
 *   wasmtime-instance-pre InstancePre (imports resolved) once; per request: new store, instantiate
 *   wasmtime-pooling      as instance-pre, on an engine with the pooling instance allocator
 *   wasmtime-pooling-resident  the same, freed slots keeping their memory resident (memset)
 *   wasmtime-reuse        one instance for every request (handler guest only: a command's
 *                         _start is not re-runnable, and reuse is no fresh sandbox anyway)
 * The handler guest: the reactor's _initialize per fresh instance, the request copied to
 * request_buffer(), handle(ptr, len) called, the response read from response_buffer().
 * The CGI guest: a WASI context per request (wasi_config_set_env: the CGI variables;
 * wasi_config_set_stdin_bytes: the body; wasi_config_set_stdout_custom: a callback appending to
 * a buffer in this process), then _start; exit status 0 or a plain return both count as done. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve_bench.h"
#include "wasmtime_api.h"

enum wt_mode { WT_SCRATCH, WT_PRECOMPILED, WT_INSTANCE_PRE, WT_REUSE };
enum wt_pooling { POOLING_NONE, POOLING_DEFAULT, POOLING_KEEP_RESIDENT };

struct wt_engine {
  wasm_engine_t *engine;
  wasmtime_linker_t *linker;
};

/* The handler guest's exports in one instance. */
struct handler_exports {
  wasmtime_memory_t memory;
  wasmtime_func_t handle;
  uint32_t request_at, response_at;
};

struct cgi_output {
  char buf[1024];
  size_t len;
  int overflow;
};

struct wt_state {
  enum wt_mode mode;
  int cgi;
  struct wt_engine *eng;
  const unsigned char *wasm;
  size_t wasm_len;
  wasmtime_module_t *module;
  wasmtime_instance_pre_t *pre;
  /* WT_REUSE: the one store and instance. */
  wasmtime_store_t *store;
  struct handler_exports ex;
  struct cgi_output out;
};

/* Formats error or trap (whichever is set) into why and frees it; returns 1. */
static int report(wasmtime_error_t *error, wasm_trap_t *trap, const char *what, char *why,
                  size_t why_len) {
  wasm_name_t msg = {0, NULL};
  if (error) {
    wasmtime_error_message(error, &msg);
    wasmtime_error_delete(error);
  } else if (trap) {
    wasm_trap_message(trap, &msg);
    wasm_trap_delete(trap);
  }
  snprintf(why, why_len, "%s: %.*s", what, (int)msg.size, msg.data ? (char *)msg.data : "");
  wasm_byte_vec_delete(&msg);
  return 1;
}

static int engine_init(struct wt_engine *e, enum wt_pooling pooling, char *why, size_t why_len) {
  wasm_config_t *config = wasm_config_new();
  if (pooling != POOLING_NONE) {
    /* A pool sized for this benchmark (one live instance at a time, a few slots so freed ones
     * are reused warm), the default memory slot size. */
    wasmtime_pooling_allocation_config_t *p = wasmtime_pooling_allocation_config_new();
    wasmtime_pooling_allocation_config_total_core_instances_set(p, 64);
    wasmtime_pooling_allocation_config_total_memories_set(p, 64);
    wasmtime_pooling_allocation_config_total_tables_set(p, 64);
    if (pooling == POOLING_KEEP_RESIDENT) {
      /* Freed slots keep their first MiB of memory and table resident: reset by memset rather
       * than madvise (both guests' memories are 128 KiB). Wasmtime's own knob for this case. */
      wasmtime_pooling_allocation_config_linear_memory_keep_resident_set(p, 1 << 20);
      wasmtime_pooling_allocation_config_table_keep_resident_set(p, 1 << 20);
    }
    wasmtime_pooling_allocation_strategy_set(config, p);
    wasmtime_pooling_allocation_config_delete(p);
  }
  e->engine = wasm_engine_new_with_config(config);
  if (!e->engine) {
    snprintf(why, why_len, "wasm_engine_new_with_config failed");
    return 1;
  }
  e->linker = wasmtime_linker_new(e->engine);
  wasmtime_error_t *err = wasmtime_linker_define_wasi(e->linker);
  if (err)
    return report(err, NULL, "wasmtime_linker_define_wasi", why, why_len);
  return 0;
}

static void engine_free(struct wt_engine *e) {
  if (e->linker)
    wasmtime_linker_delete(e->linker);
  if (e->engine)
    wasm_engine_delete(e->engine);
}

static int get_export(wasmtime_context_t *cx, const wasmtime_instance_t *inst, const char *name,
                      int kind, wasmtime_extern_t *item, char *why, size_t why_len) {
  if (!wasmtime_instance_export_get(cx, inst, name, strlen(name), item) || item->kind != kind) {
    snprintf(why, why_len, "no exported %s \"%s\"",
             kind == WASMTIME_EXTERN_FUNC ? "function" : "memory", name);
    return 1;
  }
  return 0;
}

/* Calls func with nargs i32 arguments and at most one i32 result. */
static int call_i32(wasmtime_context_t *cx, const wasmtime_func_t *func, const char *name,
                    const int32_t *args, size_t nargs, int32_t *result, char *why, size_t why_len) {
  wasmtime_val_t a[2], r[1];
  for (size_t i = 0; i < nargs; i++)
    a[i].kind = WASMTIME_I32, a[i].of.i32 = args[i];
  wasm_trap_t *trap = NULL;
  wasmtime_error_t *err = wasmtime_func_call(cx, func, a, nargs, r, result ? 1 : 0, &trap);
  if (err || trap)
    return report(err, trap, name, why, why_len);
  if (result)
    *result = r[0].of.i32;
  return 0;
}

/* Looks up the handler guest's exports in a fresh instance and runs its _initialize. */
static int handler_setup(wasmtime_context_t *cx, const wasmtime_instance_t *inst,
                         struct handler_exports *ex, char *why, size_t why_len) {
  wasmtime_extern_t e;
  if (get_export(cx, inst, "_initialize", WASMTIME_EXTERN_FUNC, &e, why, why_len) ||
      call_i32(cx, &e.of.func, "_initialize", NULL, 0, NULL, why, why_len))
    return 1;
  int32_t at = 0;
  if (get_export(cx, inst, "request_buffer", WASMTIME_EXTERN_FUNC, &e, why, why_len) ||
      call_i32(cx, &e.of.func, "request_buffer", NULL, 0, &at, why, why_len))
    return 1;
  ex->request_at = (uint32_t)at;
  if (get_export(cx, inst, "response_buffer", WASMTIME_EXTERN_FUNC, &e, why, why_len) ||
      call_i32(cx, &e.of.func, "response_buffer", NULL, 0, &at, why, why_len))
    return 1;
  ex->response_at = (uint32_t)at;
  if (get_export(cx, inst, "handle", WASMTIME_EXTERN_FUNC, &e, why, why_len))
    return 1;
  ex->handle = e.of.func;
  if (get_export(cx, inst, "memory", WASMTIME_EXTERN_MEMORY, &e, why, why_len))
    return 1;
  ex->memory = e.of.memory;
  return 0;
}

/* One request through the handler guest: request in, handle(), response out and checked. Every
 * guest-given offset and length is checked against the memory's size. */
static int handler_request(wasmtime_context_t *cx, const struct handler_exports *ex,
                           const struct bench_request *rq, char *why, size_t why_len) {
  uint8_t *mem = wasmtime_memory_data(cx, &ex->memory);
  size_t size = wasmtime_memory_data_size(cx, &ex->memory);
  if (ex->request_at > size || size - ex->request_at < rq->http_len) {
    snprintf(why, why_len, "request buffer outside memory");
    return 1;
  }
  memcpy(mem + ex->request_at, rq->http, rq->http_len);
  int32_t args[2] = {(int32_t)ex->request_at, (int32_t)rq->http_len}, n = 0;
  if (call_i32(cx, &ex->handle, "handle", args, 2, &n, why, why_len))
    return 1;
  mem = wasmtime_memory_data(cx, &ex->memory); /* the call may have grown it */
  size = wasmtime_memory_data_size(cx, &ex->memory);
  if (n < 0 || ex->response_at > size || size - ex->response_at < (size_t)n) {
    snprintf(why, why_len, "handle returned %d: response outside memory", n);
    return 1;
  }
  if ((size_t)n != rq->want_http_len || memcmp(mem + ex->response_at, rq->want_http, (size_t)n)) {
    snprintf(why, why_len, "wrong response (%d bytes): %.*s", n, n < 120 ? n : 120,
             (const char *)mem + ex->response_at);
    return 1;
  }
  return 0;
}

static ssize_t cgi_stdout(void *data, const unsigned char *buf, size_t len) {
  struct cgi_output *out = data;
  if (len > sizeof out->buf - out->len) {
    out->overflow = 1;
    len = sizeof out->buf - out->len;
  }
  memcpy(out->buf + out->len, buf, len);
  out->len += len;
  return (ssize_t)len;
}

/* The request's WASI context: the CGI variables, the body as stdin, stdout into out. */
static int cgi_context(wasmtime_context_t *cx, const struct bench_request *rq,
                       struct cgi_output *out, char *why, size_t why_len) {
  wasi_config_t *wasi = wasi_config_new();
  const char *names[] = {"REQUEST_METHOD", "PATH_INFO", "QUERY_STRING", "HTTP_X_CHECK",
                         "CONTENT_LENGTH"};
  const char *values[] = {"POST", "/echo", rq->query, rq->check_value, rq->content_length};
  if (!wasi_config_set_env(wasi, 5, names, values)) {
    snprintf(why, why_len, "wasi_config_set_env failed");
    return 1; /* the config leaks on this path only, which ends the run */
  }
  wasm_byte_vec_t body;
  wasm_byte_vec_new(&body, rq->body_len, (const uint8_t *)rq->body);
  wasi_config_set_stdin_bytes(wasi, &body);
  out->len = 0, out->overflow = 0;
  wasi_config_set_stdout_custom(wasi, cgi_stdout, out, NULL);
  wasmtime_error_t *err = wasmtime_context_set_wasi(cx, wasi);
  return err ? report(err, NULL, "wasmtime_context_set_wasi", why, why_len) : 0;
}

static int cgi_run(wasmtime_context_t *cx, const wasmtime_instance_t *inst,
                   const struct bench_request *rq, struct cgi_output *out, char *why,
                   size_t why_len) {
  wasmtime_extern_t e;
  if (get_export(cx, inst, "_start", WASMTIME_EXTERN_FUNC, &e, why, why_len))
    return 1;
  wasm_trap_t *trap = NULL;
  wasmtime_error_t *err = wasmtime_func_call(cx, &e.of.func, NULL, 0, NULL, 0, &trap);
  int status;
  if (err && wasmtime_error_exit_status(err, &status) && status == 0) {
    wasmtime_error_delete(err);
    err = NULL;
  }
  if (err || trap)
    return report(err, trap, "_start", why, why_len);
  if (out->overflow || out->len != rq->want_cgi_len ||
      memcmp(out->buf, rq->want_cgi, out->len) != 0) {
    snprintf(why, why_len, "wrong CGI output (%zu bytes): %.*s", out->len,
             (int)(out->len < 120 ? out->len : 120), out->buf);
    return 1;
  }
  return 0;
}

static int wt_request(void *state, const struct bench_request *rq, char *why, size_t why_len) {
  struct wt_state *s = state;
  if (s->mode == WT_REUSE)
    return handler_request(wasmtime_store_context(s->store), &s->ex, rq, why, why_len);
  wasmtime_module_t *module = s->module;
  if (s->mode == WT_SCRATCH) {
    wasmtime_error_t *err = wasmtime_module_new(s->eng->engine, s->wasm, s->wasm_len, &module);
    if (err)
      return report(err, NULL, "wasmtime_module_new", why, why_len);
  }
  wasmtime_store_t *store = wasmtime_store_new(s->eng->engine, NULL, NULL);
  wasmtime_context_t *cx = wasmtime_store_context(store);
  int bad = s->cgi ? cgi_context(cx, rq, &s->out, why, why_len) : 0;
  wasmtime_instance_t inst;
  if (!bad) {
    wasm_trap_t *trap = NULL;
    wasmtime_error_t *err =
        s->mode == WT_INSTANCE_PRE
            ? wasmtime_instance_pre_instantiate(s->pre, cx, &inst, &trap)
            : wasmtime_linker_instantiate(s->eng->linker, cx, module, &inst, &trap);
    if (err || trap)
      bad = report(err, trap, "instantiate", why, why_len);
  }
  if (!bad && s->cgi) {
    bad = cgi_run(cx, &inst, rq, &s->out, why, why_len);
  } else if (!bad) {
    struct handler_exports ex;
    bad = handler_setup(cx, &inst, &ex, why, why_len) || handler_request(cx, &ex, rq, why, why_len);
  }
  wasmtime_store_delete(store);
  if (s->mode == WT_SCRATCH)
    wasmtime_module_delete(module);
  return bad;
}

/* Prepares one variant's state (compiles what the mode compiles once), measures it, frees it. */
static int run_one(const char *variant, const char *guest, const char *note, enum wt_mode mode,
                   struct wt_engine *eng, const unsigned char *wasm, size_t len,
                   const struct plan *plan) {
  char why[256];
  struct wt_state s = {
      .mode = mode, .cgi = strcmp(guest, "cgi") == 0, .eng = eng, .wasm = wasm, .wasm_len = len};
  int bad = 0;
  if (mode != WT_SCRATCH) {
    wasmtime_error_t *err = wasmtime_module_new(eng->engine, wasm, len, &s.module);
    if (err) {
      report(err, NULL, "wasmtime_module_new", why, sizeof why);
      return variant_failed(variant, guest, why);
    }
  }
  if (mode == WT_INSTANCE_PRE) {
    wasmtime_error_t *err = wasmtime_linker_instantiate_pre(eng->linker, s.module, &s.pre);
    if (err)
      bad = report(err, NULL, "wasmtime_linker_instantiate_pre", why, sizeof why);
  }
  if (!bad && mode == WT_REUSE) {
    s.store = wasmtime_store_new(eng->engine, NULL, NULL);
    wasmtime_context_t *cx = wasmtime_store_context(s.store);
    wasmtime_instance_t inst;
    wasm_trap_t *trap = NULL;
    wasmtime_error_t *err = wasmtime_linker_instantiate(eng->linker, cx, s.module, &inst, &trap);
    if (err || trap)
      bad = report(err, trap, "instantiate", why, sizeof why);
    else
      bad = handler_setup(cx, &inst, &s.ex, why, sizeof why);
  }
  bad = bad ? variant_failed(variant, guest, why)
            : measure(variant, guest, note, wt_request, &s, plan);
  if (s.store)
    wasmtime_store_delete(s.store);
  if (s.pre)
    wasmtime_instance_pre_delete(s.pre);
  if (s.module)
    wasmtime_module_delete(s.module);
  return bad;
}

int run_wasmtime_variants(const struct guests *g, const struct plan *plan) {
  static const struct {
    const char *variant;
    enum wt_mode mode;
    enum wt_pooling pooling;
    int cgi_too;
    const char *note;
  } rows[] = {
      {"wasmtime-scratch", WT_SCRATCH, POOLING_NONE, 1,
       "per request: compile (Cranelift, parallel), new store, instantiate, call"},
      {"wasmtime-precompiled", WT_PRECOMPILED, POOLING_NONE, 1,
       "module compiled once; per request: new store, linker instantiate, call"},
      {"wasmtime-instance-pre", WT_INSTANCE_PRE, POOLING_NONE, 1,
       "InstancePre once; per request: new store, instantiate, call"},
      {"wasmtime-pooling", WT_INSTANCE_PRE, POOLING_DEFAULT, 1,
       "InstancePre on the pooling allocator (64 slots, defaults otherwise); per request: new "
       "store, instantiate, call"},
      {"wasmtime-pooling-resident", WT_INSTANCE_PRE, POOLING_KEEP_RESIDENT, 1,
       "as wasmtime-pooling, slots keep 1 MiB of memory and table resident (reset by memset, "
       "not madvise)"},
      {"wasmtime-reuse", WT_REUSE, POOLING_NONE, 0,
       "one instance for every request (no fresh sandbox; handler guest only)"},
  };
  const char *guests[2] = {"handler", "cgi"};
  const char *paths[2] = {g->handler_wasm, g->cgi_wasm};
  int bad = 0;
  for (int gi = 0; gi < 2; gi++) {
    size_t len;
    unsigned char *wasm = NULL;
    for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
      if ((gi == 1 && !rows[r].cgi_too) || !want_variant(g, rows[r].variant, guests[gi]))
        continue;
      if (!wasm && !(wasm = read_whole_file(paths[gi], &len))) {
        bad |= variant_failed(rows[r].variant, guests[gi], "cannot read the guest module");
        continue;
      }
      struct wt_engine eng = {0};
      char why[256];
      if (engine_init(&eng, rows[r].pooling, why, sizeof why))
        bad |= variant_failed(rows[r].variant, guests[gi], why);
      else
        bad |=
            run_one(rows[r].variant, guests[gi], rows[r].note, rows[r].mode, &eng, wasm, len, plan);
      engine_free(&eng);
    }
    free(wasm);
  }
  return bad;
}
