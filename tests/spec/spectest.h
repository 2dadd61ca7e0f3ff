/* The `spectest` host module every spec script may import from (see the spec-testsuite
 * README): print functions, four globals, tables (32- and 64-bit) and memories (plain and
 * shared).
 *
 * wasm2c 1.0.42 resolves an import (module M, field F) as a C function w2c_M_F taking a
 * `struct w2c_M *` (the provider's instance, passed to the importer's instantiate): a function
 * is called through it, a memory, table or global is fetched through it as a pointer. These are
 * exactly the declarations a module's generated header has for its spectest imports, so a
 * module that imports something of the wrong kind or type fails to compile against this
 * header (which is one way the runner checks assert_unlinkable). */
#ifndef SPEC_SPECTEST_H
#define SPEC_SPECTEST_H

#include <stdint.h>

#include "wasmaot-runtime.h" /* wabt's knobs, then wasm-rt.h */

struct w2c_spectest {
  wasm_rt_memory_t memory;               /* 1 page, at most 2 */
  wasm_rt_shared_memory_t shared_memory; /* 1 page, at most 2, shared (threads) */
  wasm_rt_funcref_table_t table;         /* 10 funcref elements, at most 20 */
  wasm_rt_funcref_table_t table64;       /* the same, indexed by i64 (memory64) */
  uint32_t global_i32;                   /* 666 */
  uint64_t global_i64;                   /* 666 */
  float global_f32;                      /* 666.6 */
  double global_f64;                     /* 666.6 */
};

/* The one instance of a script: every module of the script imports this same one. */
extern struct w2c_spectest spectest_instance;
void spectest_instantiate(void);

void w2c_spectest_print(struct w2c_spectest *);
void w2c_spectest_print_i32(struct w2c_spectest *, uint32_t);
void w2c_spectest_print_i64(struct w2c_spectest *, uint64_t);
void w2c_spectest_print_f32(struct w2c_spectest *, float);
void w2c_spectest_print_f64(struct w2c_spectest *, double);
void w2c_spectest_print_i32_f32(struct w2c_spectest *, uint32_t, float);
void w2c_spectest_print_f64_f64(struct w2c_spectest *, double, double);
wasm_rt_memory_t *w2c_spectest_memory(struct w2c_spectest *);
wasm_rt_shared_memory_t *w2c_spectest_shared_memory(struct w2c_spectest *);
wasm_rt_funcref_table_t *w2c_spectest_table(struct w2c_spectest *);
wasm_rt_funcref_table_t *w2c_spectest_table64(struct w2c_spectest *);
uint32_t *w2c_spectest_global_i32(struct w2c_spectest *);
uint64_t *w2c_spectest_global_i64(struct w2c_spectest *);
float *w2c_spectest_global_f32(struct w2c_spectest *);
double *w2c_spectest_global_f64(struct w2c_spectest *);

#endif
