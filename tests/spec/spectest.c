/* The `spectest` host module. See spectest.h. */
#include "spectest.h"

#include <stdio.h>
#include <stdlib.h>

struct w2c_spectest spectest_instance;

void spectest_instantiate(void) {
  wasm_rt_allocate_memory(&spectest_instance.memory, 1, 2, false, WASM_DEFAULT_PAGE_SIZE);
  wasm_rt_allocate_memory_shared(&spectest_instance.shared_memory, 1, 2, false,
                                 WASM_DEFAULT_PAGE_SIZE);
  wasm_rt_allocate_funcref_table(&spectest_instance.table, 10, 20);
  wasm_rt_allocate_funcref_table(&spectest_instance.table64, 10, 20);
  spectest_instance.global_i32 = 666;
  spectest_instance.global_i64 = 666;
  spectest_instance.global_f32 = 666.6f;
  spectest_instance.global_f64 = 666.6;
}

/* The scripts never check what is printed; SPEC_VERBOSE=1 shows it for debugging. */
static int verbose(void) {
  static int v = -1;
  if (v < 0)
    v = getenv("SPEC_VERBOSE") != NULL;
  return v;
}

void w2c_spectest_print(struct w2c_spectest *s) {
  (void)s;
  if (verbose())
    printf("# print()\n");
}

void w2c_spectest_print_i32(struct w2c_spectest *s, uint32_t a) {
  (void)s;
  if (verbose())
    printf("# print_i32(%u)\n", a);
}

void w2c_spectest_print_i64(struct w2c_spectest *s, uint64_t a) {
  (void)s;
  if (verbose())
    printf("# print_i64(%llu)\n", (unsigned long long)a);
}

void w2c_spectest_print_f32(struct w2c_spectest *s, float a) {
  (void)s;
  if (verbose())
    printf("# print_f32(%g)\n", a);
}

void w2c_spectest_print_f64(struct w2c_spectest *s, double a) {
  (void)s;
  if (verbose())
    printf("# print_f64(%g)\n", a);
}

void w2c_spectest_print_i32_f32(struct w2c_spectest *s, uint32_t a, float b) {
  (void)s;
  if (verbose())
    printf("# print_i32_f32(%u, %g)\n", a, b);
}

void w2c_spectest_print_f64_f64(struct w2c_spectest *s, double a, double b) {
  (void)s;
  if (verbose())
    printf("# print_f64_f64(%g, %g)\n", a, b);
}

wasm_rt_memory_t *w2c_spectest_memory(struct w2c_spectest *s) {
  return &s->memory;
}
wasm_rt_shared_memory_t *w2c_spectest_shared_memory(struct w2c_spectest *s) {
  return &s->shared_memory;
}
wasm_rt_funcref_table_t *w2c_spectest_table(struct w2c_spectest *s) {
  return &s->table;
}
wasm_rt_funcref_table_t *w2c_spectest_table64(struct w2c_spectest *s) {
  return &s->table64;
}
uint32_t *w2c_spectest_global_i32(struct w2c_spectest *s) {
  return &s->global_i32;
}
uint64_t *w2c_spectest_global_i64(struct w2c_spectest *s) {
  return &s->global_i64;
}
float *w2c_spectest_global_f32(struct w2c_spectest *s) {
  return &s->global_f32;
}
double *w2c_spectest_global_f64(struct w2c_spectest *s) {
  return &s->global_f64;
}
