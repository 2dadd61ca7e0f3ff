/* What a generated spec test program (spec_codegen.py) calls: one function per command kind,
 * each running a small generated body under wasm_rt_impl_try so that traps are recoverable,
 * and the value checks the bodies use.
 *
 * Output, one line per command, read by spec_runner.py:
 *   ok LINE
 *   FAIL LINE KIND: reason
 * LINE is the command's line in the .wast script. */
#ifndef SPEC_HARNESS_H
#define SPEC_HARNESS_H

#include <stdint.h>
#include <string.h>

#include "wasm-rt.h"

typedef void (*spec_body)(void);

/* Commands. `text` is the script's expected trap message; it selects which wasm2c trap code
 * counts as the right trap. */
void spec_module(int line, spec_body instantiate);
void spec_action(int line, spec_body body);
void spec_assert_return(int line, spec_body body);
void spec_assert_trap(int line, spec_body body, const char *text);
void spec_assert_exhaustion(int line, spec_body body);
void spec_assert_uninstantiable(int line, spec_body instantiate, const char *text);

/* Checks, called from inside a body; the first mismatch fails the command. `index` is the
 * position of the result (multi-value results are checked one by one). */
void check_i32(int index, uint32_t got, uint32_t want);
void check_i64(int index, uint64_t got, uint64_t want);
void check_f32(int index, float got, uint32_t want_bits);
void check_f64(int index, double got, uint64_t want_bits);
void check_f32_nan(int index, float got, int canonical);
void check_f64_nan(int index, double got, int canonical);
void check_externref(int index, wasm_rt_externref_t got, wasm_rt_externref_t want);
void check_ref_nonnull(int index, const void *got);
void check_funcref_null(int index, wasm_rt_funcref_t got, int want_null);

/* Argument constructors: floats from their exact bits (NaN payloads included), and the
 * script's host references (ref.extern N) as distinct non-null pointers. */
static inline float f32_from_bits(uint32_t bits) {
  float f;
  memcpy(&f, &bits, sizeof f);
  return f;
}
static inline double f64_from_bits(uint64_t bits) {
  double d;
  memcpy(&d, &bits, sizeof d);
  return d;
}
static inline wasm_rt_externref_t spec_externref(uintptr_t n) {
  return (wasm_rt_externref_t)(n + 1);
}

#endif
