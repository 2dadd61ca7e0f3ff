/* Force-included (-include), before wasmaot-runtime.h, into generated guest C that the quick
 * tier compiles with tcc (translator/pipeline.c); never into anything a gcc or clang compiles.
 *
 * tcc 0.9.27 has none of the GCC builtins wasm2c 1.0.42's output calls for clz, ctz and
 * popcount (I32_CLZ & co.: `(x) ? __builtin_clz(x) : 32`, and popcount unguarded), and is not
 * __GNUC__, so wabt's headers take their portable paths (__has_builtin is 0: UNLIKELY is a
 * plain test, wasm_rt_unreachable is abort). The fallbacks are plain loops: the quick tier is
 * there to start fast, not to run fast. They are defined for 0 too (clz(0) = 32 as wasm says),
 * although wasm2c never passes 0 to clz/ctz. */
#ifndef WASMAOT_TCC_H
#define WASMAOT_TCC_H

#ifndef __TINYC__
#error "wasmaot-tcc.h is for tcc only"
#endif

/* glibc's <sys/cdefs.h> defines __attribute__(x) away for a compiler that is not __GNUC__,
 * tcc included, although tcc implements the attributes that matter here: wasm2c's weak
 * tail-call fallbacks for imports were then strong definitions (two modules importing the same
 * function no longer linked together: the spec runner's table_copy, imports, linking ...), and
 * any aligned/packed in a header shared with the clang-compiled host would silently change a
 * layout. Include it first, then take the definition back (its include guard keeps it off). */
#include <sys/cdefs.h>
#undef __attribute__

/* Guard pages: wabt only allows them for a compiler whose dead loads it can pin with GCC's
 * asm (FORCE_READ_*), else with this knob, "non-conforming" because an optimiser might then
 * drop the load of an unused out-of-bounds read, which would not trap. tcc does not optimise:
 * every load the C names is emitted, so it traps as the spec says (the spec suite's
 * address/memory scripts check it under tcc: spec.quick-guard). */
#define WASM_RT_NONCONFORMING_ALLOW_OOB_READ_ELIMINATION 1

static inline int wasmaot_tcc_clz32(unsigned int x) {
  int n = 0;
  if (x == 0)
    return 32;
  while (!(x & 0x80000000u))
    x <<= 1, n++;
  return n;
}

static inline int wasmaot_tcc_clz64(unsigned long long x) {
  int n = 0;
  if (x == 0)
    return 64;
  while (!(x & 0x8000000000000000ull))
    x <<= 1, n++;
  return n;
}

static inline int wasmaot_tcc_ctz32(unsigned int x) {
  int n = 0;
  if (x == 0)
    return 32;
  while (!(x & 1u))
    x >>= 1, n++;
  return n;
}

static inline int wasmaot_tcc_ctz64(unsigned long long x) {
  int n = 0;
  if (x == 0)
    return 64;
  while (!(x & 1ull))
    x >>= 1, n++;
  return n;
}

static inline int wasmaot_tcc_popcount64(unsigned long long x) {
  int n = 0;
  for (; x; x &= x - 1) /* clears the lowest set bit */
    n++;
  return n;
}

/* The argument types are those of the GCC builtins: a u32 widened to unsigned long long for
 * the 64-bit count would be counted the same, but a u64 narrowed to unsigned int would not. */
#define __builtin_clz(x) wasmaot_tcc_clz32((unsigned int)(x))
#define __builtin_clzll(x) wasmaot_tcc_clz64((unsigned long long)(x))
#define __builtin_ctz(x) wasmaot_tcc_ctz32((unsigned int)(x))
#define __builtin_ctzll(x) wasmaot_tcc_ctz64((unsigned long long)(x))
#define __builtin_popcount(x) wasmaot_tcc_popcount64((unsigned int)(x))
#define __builtin_popcountll(x) wasmaot_tcc_popcount64((unsigned long long)(x))

#endif
