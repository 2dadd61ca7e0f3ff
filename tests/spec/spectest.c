/* The `spectest` host module. See spectest.h. */
#include "spectest.h"

#include <stdio.h>
#include <stdlib.h>

struct Z_spectest_instance_t spectest_instance;

void spectest_instantiate(void) {
  wasm_rt_allocate_memory(&spectest_instance.memory, 1, 2);
  wasm_rt_allocate_funcref_table(&spectest_instance.table, 10, 20);
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

void Z_spectestZ_print(struct Z_spectest_instance_t *s) {
  (void)s;
  if (verbose())
    printf("# print()\n");
}

void Z_spectestZ_print_i32(struct Z_spectest_instance_t *s, uint32_t a) {
  (void)s;
  if (verbose())
    printf("# print_i32(%u)\n", a);
}

void Z_spectestZ_print_i64(struct Z_spectest_instance_t *s, uint64_t a) {
  (void)s;
  if (verbose())
    printf("# print_i64(%llu)\n", (unsigned long long)a);
}

void Z_spectestZ_print_f32(struct Z_spectest_instance_t *s, float a) {
  (void)s;
  if (verbose())
    printf("# print_f32(%g)\n", a);
}

void Z_spectestZ_print_f64(struct Z_spectest_instance_t *s, double a) {
  (void)s;
  if (verbose())
    printf("# print_f64(%g)\n", a);
}

void Z_spectestZ_print_i32_f32(struct Z_spectest_instance_t *s, uint32_t a, float b) {
  (void)s;
  if (verbose())
    printf("# print_i32_f32(%u, %g)\n", a, b);
}

void Z_spectestZ_print_f64_f64(struct Z_spectest_instance_t *s, double a, double b) {
  (void)s;
  if (verbose())
    printf("# print_f64_f64(%g, %g)\n", a, b);
}

wasm_rt_memory_t *Z_spectestZ_memory(struct Z_spectest_instance_t *s) {
  return &s->memory;
}
wasm_rt_funcref_table_t *Z_spectestZ_table(struct Z_spectest_instance_t *s) {
  return &s->table;
}
uint32_t *Z_spectestZ_global_i32(struct Z_spectest_instance_t *s) {
  return &s->global_i32;
}
uint64_t *Z_spectestZ_global_i64(struct Z_spectest_instance_t *s) {
  return &s->global_i64;
}
float *Z_spectestZ_global_f32(struct Z_spectest_instance_t *s) {
  return &s->global_f32;
}
double *Z_spectestZ_global_f64(struct Z_spectest_instance_t *s) {
  return &s->global_f64;
}
