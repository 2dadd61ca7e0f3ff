/* The `spectest` host module every spec script may import from (see the spec-testsuite
 * README): print functions, four globals, a table and a memory.
 *
 * wasm2c 1.0.32 resolves an import (module M, field F) as a C symbol Z_<M>Z_<F> taking a
 * `struct Z_<M>_instance_t *`; these are exactly the declarations a module's generated header
 * has for its spectest imports, so a module that imports something with the wrong type fails
 * to compile against this header (which is how the runner checks assert_unlinkable). */
#ifndef SPEC_SPECTEST_H
#define SPEC_SPECTEST_H

#include <stdint.h>

#include "wasm-rt.h"

struct Z_spectest_instance_t {
  wasm_rt_memory_t memory;       /* 1 page, at most 2 */
  wasm_rt_funcref_table_t table; /* 10 funcref elements, at most 20 */
  uint32_t global_i32;           /* 666 */
  uint64_t global_i64;           /* 666 */
  float global_f32;              /* 666.6 */
  double global_f64;             /* 666.6 */
};

/* The one instance of a script: every module of the script imports this same one. */
extern struct Z_spectest_instance_t spectest_instance;
void spectest_instantiate(void);

void Z_spectestZ_print(struct Z_spectest_instance_t *);
void Z_spectestZ_print_i32(struct Z_spectest_instance_t *, uint32_t);
void Z_spectestZ_print_i64(struct Z_spectest_instance_t *, uint64_t);
void Z_spectestZ_print_f32(struct Z_spectest_instance_t *, float);
void Z_spectestZ_print_f64(struct Z_spectest_instance_t *, double);
void Z_spectestZ_print_i32_f32(struct Z_spectest_instance_t *, uint32_t, float);
void Z_spectestZ_print_f64_f64(struct Z_spectest_instance_t *, double, double);
wasm_rt_memory_t *Z_spectestZ_memory(struct Z_spectest_instance_t *);
wasm_rt_funcref_table_t *Z_spectestZ_table(struct Z_spectest_instance_t *);
uint32_t *Z_spectestZ_global_i32(struct Z_spectest_instance_t *);
uint64_t *Z_spectestZ_global_i64(struct Z_spectest_instance_t *);
float *Z_spectestZ_global_f32(struct Z_spectest_instance_t *);
double *Z_spectestZ_global_f64(struct Z_spectest_instance_t *);

#endif
