/* What a generated spec test program (spec_codegen.py) calls: one function per command kind,
 * each running a small generated body under wasm_rt_impl_try so that traps are recoverable,
 * and the value checks the bodies use.
 *
 * Output, one line per command, read by spec_runner.py:
 *   ok LINE
 *   FAIL LINE KIND: reason
 * LINE is the command's line in the .wast script.
 *
 * wasmaot-runtime.h comes first, as in generated code (it decides wabt's knobs from
 * WASMAOT_BOUNDS_CHECK, which the runner takes from `wasmaot cflags`). */
#ifndef SPEC_HARNESS_H
#define SPEC_HARNESS_H

#include <stdint.h>
#include <string.h>

#include "wasmaot-runtime.h"
#include "wasm-rt-exceptions.h"

typedef void (*spec_body)(void);

/* Commands. `text` is the script's expected trap message; it selects which wasm2c trap code
 * counts as the right trap. */
void spec_module(int line, spec_body instantiate);
void spec_action(int line, spec_body body);
void spec_assert_return(int line, spec_body body);
void spec_assert_trap(int line, spec_body body, const char *text);
void spec_assert_exhaustion(int line, spec_body body);
void spec_assert_uninstantiable(int line, spec_body instantiate, const char *text);
/* An exception thrown out of the wasm code: wasm2c's WASM_RT_TRAP_UNCAUGHT_EXCEPTION. */
void spec_assert_exception(int line, spec_body body);
/* assert_unlinkable of a module that compiled and linked against what the script registered
 * (so its imports' kinds and C types matched): `check` compares the limits wasm2c exports as
 * constants (min/max size, 64-bit, page size) with the providers' memories and tables, and
 * returns the first mismatch, or NULL if every import matched (the command fails). */
typedef const char *(*spec_link_check)(void);
void spec_assert_unlinkable(int line, spec_link_check check);

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
void check_exnref_null(int index, wasm_rt_exnref_t got, int want_null);
/* v128: `got` is the value's 16 bytes (little-endian lanes); `lane_bytes` 1, 2, 4 or 8;
 * `is_float` says whether lanes are f32/f64 (then `kinds[i]` 1 = nan:canonical,
 * 2 = nan:arithmetic, 0 = the exact bits in want[i]). */
void check_v128(int index, const void *got, int lane_bytes, int is_float, const uint64_t *want,
                const uint8_t *kinds);
/* `either` results: the checks of each alternative, separated by check_either_next(); the
 * command passes if one alternative passes. */
void check_either_begin(void);
void check_either_next(void);
void check_either_end(int index);

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
