/* The runtime half of a generated spec test program. See harness.h.
 *
 * wasm-rt-impl.c is linked in without wasmaot's WASM_RT_TRAP_HANDLER (which prints and exits):
 * a trap longjmps back to the wasm_rt_impl_try below, so one program runs every command of a
 * script and reports each. */
#include "harness.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "spectest.h"
#include "wasm-rt-impl.h"

static int g_line;
static char g_failure[256]; /* the first mismatch of the current command, "" if none */

static void failf(const char *fmt, ...) {
  if (g_failure[0])
    return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(g_failure, sizeof g_failure, fmt, ap);
  va_end(ap);
}

static void begin(int line) {
  static int started;
  if (!started) {
    started = 1;
    /* One line per command, flushed: if the program dies, the runner still knows how far
     * it got. */
    setvbuf(stdout, NULL, _IOLBF, 0);
    wasm_rt_init();
#if WASMAOT_BOUNDS_CHECK
    /* --bounds check: running off the stack is the exhaustion trap, as in built executables */
    if (wasmaot_install_stack_guard() != 0)
      abort();
#endif
    spectest_instantiate();
  }
  g_line = line;
  g_failure[0] = 0;
}

static void report(const char *kind) {
  if (g_failure[0])
    printf("FAIL %d %s: %s\n", g_line, kind, g_failure);
  else
    printf("ok %d\n", g_line);
}

/* Runs body; returns the trap that stopped it, or WASM_RT_TRAP_NONE. `trap` is not modified
 * between the setjmp inside wasm_rt_impl_try and a longjmp, so it needs no volatile. */
static wasm_rt_trap_t run_guarded(spec_body body) {
  wasm_rt_trap_t trap = (wasm_rt_trap_t)wasm_rt_impl_try();
  if (trap == WASM_RT_TRAP_NONE)
    body();
  return trap;
}

/* The wasm2c trap code each of the scripts' trap messages stands for. */
static int trap_for_text(const char *text) {
  static const struct {
    const char *prefix;
    wasm_rt_trap_t trap;
  } map[] = {
      {"out of bounds memory access", WASM_RT_TRAP_OOB},
      {"out of bounds table access", WASM_RT_TRAP_OOB},
      {"integer divide by zero", WASM_RT_TRAP_DIV_BY_ZERO},
      {"integer overflow", WASM_RT_TRAP_INT_OVERFLOW},
      {"invalid conversion to integer", WASM_RT_TRAP_INVALID_CONVERSION},
      {"unreachable", WASM_RT_TRAP_UNREACHABLE},
      {"indirect call type mismatch", WASM_RT_TRAP_CALL_INDIRECT},
      {"undefined element", WASM_RT_TRAP_CALL_INDIRECT},
      {"uninitialized element", WASM_RT_TRAP_CALL_INDIRECT},
      {"call stack exhausted", WASM_RT_TRAP_EXHAUSTION},
      {"unaligned atomic", WASM_RT_TRAP_UNALIGNED},
      {"null reference", WASM_RT_TRAP_NULL_REF},
      {"null function reference", WASM_RT_TRAP_NULL_REF},
  };
  for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
    if (strncmp(text, map[i].prefix, strlen(map[i].prefix)) == 0)
      return (int)map[i].trap;
  return -1;
}

static void expect_no_trap(int line, spec_body body, const char *kind) {
  begin(line);
  wasm_rt_trap_t trap = run_guarded(body);
  if (trap != WASM_RT_TRAP_NONE)
    failf("unexpected trap: %s", wasm_rt_strerror(trap));
  report(kind);
}

static void expect_trap(int line, spec_body body, const char *text, const char *kind) {
  begin(line);
  int want = trap_for_text(text);
  wasm_rt_trap_t trap = run_guarded(body);
  if (want < 0)
    failf("no wasm2c trap code known for \"%s\"", text);
  else if (trap == WASM_RT_TRAP_NONE)
    failf("returned, expected trap \"%s\"", text);
  else if ((int)trap != want)
    failf("trapped with \"%s\", expected \"%s\"", wasm_rt_strerror(trap), text);
  report(kind);
}

void spec_module(int line, spec_body instantiate) {
  expect_no_trap(line, instantiate, "module");
}

void spec_action(int line, spec_body body) {
  expect_no_trap(line, body, "action");
}

void spec_assert_return(int line, spec_body body) {
  expect_no_trap(line, body, "assert_return");
}

void spec_assert_trap(int line, spec_body body, const char *text) {
  expect_trap(line, body, text, "assert_trap");
}

void spec_assert_exhaustion(int line, spec_body body) {
  expect_trap(line, body, "call stack exhausted", "assert_exhaustion");
}

void spec_assert_uninstantiable(int line, spec_body instantiate, const char *text) {
  expect_trap(line, instantiate, text, "assert_uninstantiable");
}

void spec_assert_exception(int line, spec_body body) {
  begin(line);
  wasm_rt_trap_t trap = run_guarded(body);
  if (trap == WASM_RT_TRAP_NONE)
    failf("returned, expected an uncaught exception");
  else if (trap != WASM_RT_TRAP_UNCAUGHT_EXCEPTION)
    failf("trapped with \"%s\", expected an uncaught exception", wasm_rt_strerror(trap));
  report("assert_exception");
}

void spec_assert_unlinkable(int line, spec_link_check check) {
  begin(line);
  if (!check())
    failf("linked, and every import's limits matched (the mismatch is not in wasm2c's C "
          "declarations or limit constants)");
  report("assert_unlinkable");
}

void check_i32(int index, uint32_t got, uint32_t want) {
  if (got != want)
    failf("result %d: got i32 %u (0x%08x), want %u (0x%08x)", index, got, got, want, want);
}

void check_i64(int index, uint64_t got, uint64_t want) {
  if (got != want)
    failf("result %d: got i64 0x%016llx, want 0x%016llx", index, (unsigned long long)got,
          (unsigned long long)want);
}

static uint32_t f32_bits(float f) {
  uint32_t u;
  memcpy(&u, &f, sizeof u);
  return u;
}

static uint64_t f64_bits(double d) {
  uint64_t u;
  memcpy(&u, &d, sizeof u);
  return u;
}

/* Exact bits: a specific NaN payload or the sign of zero must match too. */
void check_f32(int index, float got, uint32_t want_bits) {
  if (f32_bits(got) != want_bits)
    failf("result %d: got f32 0x%08x (%g), want 0x%08x (%g)", index, f32_bits(got), got, want_bits,
          f32_from_bits(want_bits));
}

void check_f64(int index, double got, uint64_t want_bits) {
  if (f64_bits(got) != want_bits)
    failf("result %d: got f64 0x%016llx (%g), want 0x%016llx (%g)", index,
          (unsigned long long)f64_bits(got), got, (unsigned long long)want_bits,
          f64_from_bits(want_bits));
}

/* nan:canonical: quiet bit only, any sign. nan:arithmetic: quiet bit set, any payload. */
void check_f32_nan(int index, float got, int canonical) {
  uint32_t bits = f32_bits(got);
  uint32_t mask = canonical ? 0x7fffffffu : 0x7fc00000u;
  if ((bits & mask) != 0x7fc00000u)
    failf("result %d: got f32 0x%08x, want nan:%s", index, bits,
          canonical ? "canonical" : "arithmetic");
}

void check_f64_nan(int index, double got, int canonical) {
  uint64_t bits = f64_bits(got);
  uint64_t quiet = 0x7ff8000000000000ull;
  uint64_t mask = canonical ? 0x7fffffffffffffffull : quiet;
  if ((bits & mask) != quiet)
    failf("result %d: got f64 0x%016llx, want nan:%s", index, (unsigned long long)bits,
          canonical ? "canonical" : "arithmetic");
}

void check_externref(int index, wasm_rt_externref_t got, wasm_rt_externref_t want) {
  if (got != want)
    failf("result %d: got externref %p, want %p", index, got, want);
}

void check_ref_nonnull(int index, const void *got) {
  if (got == NULL)
    failf("result %d: got a null reference, want non-null", index);
}

void check_funcref_null(int index, wasm_rt_funcref_t got, int want_null) {
  if ((got.func == NULL) != want_null)
    failf("result %d: got a %s funcref, want %s", index, got.func ? "non-null" : "null",
          want_null ? "null" : "non-null");
}

void check_exnref_null(int index, wasm_rt_exnref_t got, int want_null) {
  if ((got.tag == NULL) != want_null)
    failf("result %d: got a %s exnref, want %s", index, got.tag ? "non-null" : "null",
          want_null ? "null" : "non-null");
}

void check_v128(int index, const void *got, int lane_bytes, int is_float, const uint64_t *want,
                const uint8_t *kinds) {
  const uint8_t *bytes = got;
  int lanes = 16 / lane_bytes;
  for (int i = 0; i < lanes; i++) {
    uint64_t lane = 0;
    memcpy(&lane, bytes + i * lane_bytes, (size_t)lane_bytes); /* little-endian host */
    int ok;
    if (is_float && kinds[i]) {
      uint64_t quiet = lane_bytes == 4 ? 0x7fc00000u : 0x7ff8000000000000ull;
      uint64_t abs_mask = lane_bytes == 4 ? 0x7fffffffu : 0x7fffffffffffffffull;
      ok = ((lane & (kinds[i] == 1 ? abs_mask : quiet)) == quiet);
    } else {
      ok = lane == want[i];
    }
    if (!ok) {
      char text[120];
      int n = 0;
      for (int k = 0; k < 16; k++)
        n += snprintf(text + n, sizeof text - (size_t)n, "%02x", bytes[15 - k]);
      failf("result %d: v128 lane %d (%d-byte): got 0x%llx%s, want %s0x%llx (whole value "
            "0x%s)", index, i, lane_bytes, (unsigned long long)lane, "",
            is_float && kinds[i] ? (kinds[i] == 1 ? "nan:canonical, not " : "nan:arithmetic, not ")
                                 : "",
            (unsigned long long)want[i], text);
      return;
    }
  }
}

static int g_either_ok;
static char g_either_first[sizeof g_failure];

void check_either_begin(void) {
  g_either_ok = 0;
  g_either_first[0] = 0;
}

void check_either_next(void) {
  if (!g_failure[0])
    g_either_ok = 1;
  else if (!g_either_first[0])
    memcpy(g_either_first, g_failure, sizeof g_failure);
  g_failure[0] = 0;
}

void check_either_end(int index) {
  check_either_next();
  if (!g_either_ok)
    failf("result %d: matches none of the alternatives (first: %s)", index, g_either_first);
}
