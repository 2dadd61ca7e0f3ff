/* The part of Wasmtime's C embedding API serve-bench calls, declared here because the PyPI
 * `wasmtime` wheel (50.0.1, toolchain/requirements.txt) ships _libwasmtime.so without headers.
 * Signatures and struct layouts follow the wheel's own ctypes bindings (wasmtime/_bindings.py),
 * which are generated from the C headers of the same release; the private fields only give the
 * structs their size and alignment. */
#ifndef SERVE_BENCH_WASMTIME_API_H
#define SERVE_BENCH_WASMTIME_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct wasm_engine_t wasm_engine_t;
typedef struct wasm_config_t wasm_config_t;
typedef struct wasm_trap_t wasm_trap_t;
typedef struct wasmtime_error_t wasmtime_error_t;
typedef struct wasmtime_module_t wasmtime_module_t;
typedef struct wasmtime_store_t wasmtime_store_t;
typedef struct wasmtime_context_t wasmtime_context_t;
typedef struct wasmtime_linker_t wasmtime_linker_t;
typedef struct wasmtime_instance_pre_t wasmtime_instance_pre_t;
typedef struct wasmtime_pooling_allocation_config_t wasmtime_pooling_allocation_config_t;
typedef struct wasi_config_t wasi_config_t;

typedef struct wasm_byte_vec_t {
  size_t size;
  uint8_t *data;
} wasm_byte_vec_t;
typedef wasm_byte_vec_t wasm_name_t;

typedef struct wasmtime_instance {
  uint64_t store_id;
  size_t private_;
} wasmtime_instance_t;

typedef struct wasmtime_func {
  uint64_t store_id;
  void *private_;
} wasmtime_func_t;

typedef struct wasmtime_memory {
  struct {
    uint64_t store_id;
    uint32_t private1;
  } anon;
  uint32_t private2;
} wasmtime_memory_t;

/* The extern union's largest members are 24 bytes with 8-byte alignment (global, table,
 * memory, tag); the padding member stands for them. */
typedef union wasmtime_extern_union {
  wasmtime_func_t func;
  wasmtime_memory_t memory;
  struct {
    uint64_t a, b, c;
  } largest_;
} wasmtime_extern_union_t;

typedef struct wasmtime_extern {
  uint8_t kind;
  wasmtime_extern_union_t of;
} wasmtime_extern_t;
enum { WASMTIME_EXTERN_FUNC = 0, WASMTIME_EXTERN_MEMORY = 3 };

/* The value union's largest members (anyref, externref, exnref: u64, u32, u32, pointer) are 24
 * bytes with 8-byte alignment. */
typedef union wasmtime_valunion {
  int32_t i32;
  int64_t i64;
  float f32;
  double f64;
  uint8_t v128[16];
  struct {
    uint64_t a, b, c;
  } largest_;
} wasmtime_valunion_t;

typedef struct wasmtime_val {
  uint8_t kind;
  wasmtime_valunion_t of;
} wasmtime_val_t;
enum { WASMTIME_I32 = 0 };

void wasm_byte_vec_new(wasm_byte_vec_t *out, size_t size, const uint8_t *data);
void wasm_byte_vec_delete(wasm_byte_vec_t *v);

wasm_config_t *wasm_config_new(void);
wasm_engine_t *wasm_engine_new_with_config(wasm_config_t *config); /* takes config */
void wasm_engine_delete(wasm_engine_t *engine);
void wasmtime_config_parallel_compilation_set(wasm_config_t *config, bool enable);

wasmtime_pooling_allocation_config_t *wasmtime_pooling_allocation_config_new(void);
void wasmtime_pooling_allocation_config_delete(wasmtime_pooling_allocation_config_t *c);
void wasmtime_pooling_allocation_config_total_core_instances_set(
    wasmtime_pooling_allocation_config_t *c, uint32_t n);
void wasmtime_pooling_allocation_config_total_memories_set(wasmtime_pooling_allocation_config_t *c,
                                                           uint32_t n);
void wasmtime_pooling_allocation_config_total_tables_set(wasmtime_pooling_allocation_config_t *c,
                                                         uint32_t n);
void wasmtime_pooling_allocation_config_max_memory_size_set(wasmtime_pooling_allocation_config_t *c,
                                                            size_t bytes);
void wasmtime_pooling_allocation_config_linear_memory_keep_resident_set(
    wasmtime_pooling_allocation_config_t *c, size_t bytes);
void wasmtime_pooling_allocation_config_table_keep_resident_set(
    wasmtime_pooling_allocation_config_t *c, size_t bytes);
void wasmtime_pooling_allocation_strategy_set(wasm_config_t *config,
                                              const wasmtime_pooling_allocation_config_t *c);

wasmtime_error_t *wasmtime_module_new(wasm_engine_t *engine, const uint8_t *wasm, size_t len,
                                      wasmtime_module_t **out);
void wasmtime_module_delete(wasmtime_module_t *m);

wasmtime_store_t *wasmtime_store_new(wasm_engine_t *engine, void *data, void (*finalizer)(void *));
wasmtime_context_t *wasmtime_store_context(wasmtime_store_t *store);
void wasmtime_store_delete(wasmtime_store_t *store);

wasmtime_linker_t *wasmtime_linker_new(wasm_engine_t *engine);
void wasmtime_linker_delete(wasmtime_linker_t *linker);
wasmtime_error_t *wasmtime_linker_define_wasi(wasmtime_linker_t *linker);
wasmtime_error_t *wasmtime_linker_instantiate(const wasmtime_linker_t *linker,
                                              wasmtime_context_t *store,
                                              const wasmtime_module_t *module,
                                              wasmtime_instance_t *instance, wasm_trap_t **trap);
wasmtime_error_t *wasmtime_linker_instantiate_pre(const wasmtime_linker_t *linker,
                                                  const wasmtime_module_t *module,
                                                  wasmtime_instance_pre_t **out);
wasmtime_error_t *wasmtime_instance_pre_instantiate(const wasmtime_instance_pre_t *pre,
                                                    wasmtime_context_t *store,
                                                    wasmtime_instance_t *instance,
                                                    wasm_trap_t **trap);
void wasmtime_instance_pre_delete(wasmtime_instance_pre_t *pre);

bool wasmtime_instance_export_get(wasmtime_context_t *store, const wasmtime_instance_t *instance,
                                  const char *name, size_t name_len, wasmtime_extern_t *item);
void wasmtime_extern_delete(wasmtime_extern_t *e);
wasmtime_error_t *wasmtime_func_call(wasmtime_context_t *store, const wasmtime_func_t *func,
                                     const wasmtime_val_t *args, size_t nargs,
                                     wasmtime_val_t *results, size_t nresults, wasm_trap_t **trap);
uint8_t *wasmtime_memory_data(const wasmtime_context_t *store, const wasmtime_memory_t *memory);
size_t wasmtime_memory_data_size(const wasmtime_context_t *store, const wasmtime_memory_t *memory);

void wasmtime_error_message(const wasmtime_error_t *error, wasm_name_t *message);
bool wasmtime_error_exit_status(const wasmtime_error_t *error, int *status);
void wasmtime_error_delete(wasmtime_error_t *error);
void wasm_trap_message(const wasm_trap_t *trap, wasm_name_t *message);
void wasm_trap_delete(wasm_trap_t *trap);

wasi_config_t *wasi_config_new(void);
bool wasi_config_set_env(wasi_config_t *config, size_t envc, const char *const names[],
                         const char *const values[]);
void wasi_config_set_stdin_bytes(wasi_config_t *config, wasm_byte_vec_t *binary); /* takes it */
void wasi_config_set_stdout_custom(wasi_config_t *config,
                                   ssize_t (*callback)(void *data, const unsigned char *buf,
                                                       size_t len),
                                   void *data, void (*finalizer)(void *data));
/* Takes config, also on failure. */
wasmtime_error_t *wasmtime_context_set_wasi(wasmtime_context_t *context, wasi_config_t *config);

#endif
