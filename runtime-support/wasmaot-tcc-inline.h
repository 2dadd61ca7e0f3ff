/* Included by generated guest C compiled with tcc, after wasm2c's own helpers and before the
 * module's functions: translator/c_rewrite.c writes the #include into the branch of wasm2c's
 * prelude that only a compiler other than gcc and clang reads (its FUNC_TYPE_T definitions
 * for such compilers), so the optimised tiers and the tier-up compiles never see it.
 *
 * tcc inlines nothing. Each wasm load or store in wasm2c 1.0.42's C is a call to a static
 * inline helper (i32_load_default32), which calls another (i32_load_unchecked), which calls
 * libc's memcpy for the 4 bytes: three calls where a compiler that inlines emits one move.
 * These macros are the same operations written as plain expressions, the names shadowing the
 * helpers from here on; they follow wasm2c's definitions branch by branch:
 * - the address: the memory's base (the function's local copy when wasm2c keeps one, else
 *   mem->data) plus the 64-bit effective address wasm2c computed; little-endian only (wabt's
 *   big-endian layout is mirrored: anything else keeps wasm2c's helpers);
 * - the check: none with guard pages (an access outside the memory faults in the reserved
 *   region and the runtime's signal handler turns the fault into the trap), else the same
 *   comparison MEMCHECK_DEFAULT32 makes against the local or the memory's size;
 * - the access: an unaligned-safe move on x86-64 (tcc emits exactly the access the C names,
 *   so a load whose value is unused still faults: wasm's trap happens where it should);
 *   a store is a bare assignment, its value unused: tcc turns `(void)` of a double into a
 *   cvttsd2si it then drops (one per f64 store in the quick code).
 * wasm2c passes these helpers side-effect-free arguments (locals, constants, their sums), so
 * evaluating the address twice in the checked form is safe. */
#ifndef WASMAOT_TCC_INLINE_H
#define WASMAOT_TCC_INLINE_H

#ifndef __TINYC__
#error "wasmaot-tcc-inline.h is for tcc only"
#endif

#if !WABT_BIG_ENDIAN && !WASM_RT_USE_SEGUE_FOR_THIS_MODULE && defined(__x86_64__)

#if WASM_RT_USE_LOCAL_MEMORY_BASE_SIZE_FOR_THIS_MODULE
#define WASMAOT_TCC_AT(base, mem, addr, t) ((t *)((base) + (addr)))
#define WASMAOT_TCC_SIZE(local_size, mem) (local_size)
#else
#define WASMAOT_TCC_AT(base, mem, addr, t) ((t *)((mem)->data + (addr)))
#define WASMAOT_TCC_SIZE(local_size, mem) ((mem)->size)
#endif

#if WASM_RT_MEMCHECK_GUARD_PAGES
#define WASMAOT_TCC_LOAD(base, size, mem, addr, t1, t3) ((t3)*WASMAOT_TCC_AT(base, mem, addr, t1))
#define WASMAOT_TCC_STORE(base, size, mem, addr, t1, value)                                        \
  (*WASMAOT_TCC_AT(base, mem, addr, t1) = (t1)(value))
#else
#define WASMAOT_TCC_LOAD(base, size, mem, addr, t1, t3)                                            \
  ((addr) + (uint64_t)sizeof(t1) > WASMAOT_TCC_SIZE(size, mem)                                     \
       ? (t3)TRAP(OOB)                                                                             \
       : (t3)*WASMAOT_TCC_AT(base, mem, addr, t1))
#define WASMAOT_TCC_STORE(base, size, mem, addr, t1, value)                                        \
  (((addr) + (uint64_t)sizeof(t1) > WASMAOT_TCC_SIZE(size, mem) ? (void)TRAP(OOB) : (void)0),      \
   (*WASMAOT_TCC_AT(base, mem, addr, t1) = (t1)(value)))
#endif

/* Loads: the stored type t1, widened through t2 (sign or zero) to the wasm type t3, as
 * DEFINE_LOAD(name, t1, t2, t3) does. */
#define i32_load_default32(b, s, m, a) WASMAOT_TCC_LOAD(b, s, m, a, u32, u32)
#define i64_load_default32(b, s, m, a) WASMAOT_TCC_LOAD(b, s, m, a, u64, u64)
#define f32_load_default32(b, s, m, a) WASMAOT_TCC_LOAD(b, s, m, a, f32, f32)
#define f64_load_default32(b, s, m, a) WASMAOT_TCC_LOAD(b, s, m, a, f64, f64)
#define i32_load8_s_default32(b, s, m, a) ((u32)(s32)WASMAOT_TCC_LOAD(b, s, m, a, s8, s8))
#define i64_load8_s_default32(b, s, m, a) ((u64)(s64)WASMAOT_TCC_LOAD(b, s, m, a, s8, s8))
#define i32_load8_u_default32(b, s, m, a) ((u32)WASMAOT_TCC_LOAD(b, s, m, a, u8, u8))
#define i64_load8_u_default32(b, s, m, a) ((u64)WASMAOT_TCC_LOAD(b, s, m, a, u8, u8))
#define i32_load16_s_default32(b, s, m, a) ((u32)(s32)WASMAOT_TCC_LOAD(b, s, m, a, s16, s16))
#define i64_load16_s_default32(b, s, m, a) ((u64)(s64)WASMAOT_TCC_LOAD(b, s, m, a, s16, s16))
#define i32_load16_u_default32(b, s, m, a) ((u32)WASMAOT_TCC_LOAD(b, s, m, a, u16, u16))
#define i64_load16_u_default32(b, s, m, a) ((u64)WASMAOT_TCC_LOAD(b, s, m, a, u16, u16))
#define i64_load32_s_default32(b, s, m, a) ((u64)(s64)WASMAOT_TCC_LOAD(b, s, m, a, s32, s32))
#define i64_load32_u_default32(b, s, m, a) ((u64)WASMAOT_TCC_LOAD(b, s, m, a, u32, u32))

/* Stores: the value narrowed to the stored type, as DEFINE_STORE(name, t1, t2) does. */
#define i32_store_default32(b, s, m, a, v) WASMAOT_TCC_STORE(b, s, m, a, u32, v)
#define i64_store_default32(b, s, m, a, v) WASMAOT_TCC_STORE(b, s, m, a, u64, v)
#define f32_store_default32(b, s, m, a, v) WASMAOT_TCC_STORE(b, s, m, a, f32, v)
#define f64_store_default32(b, s, m, a, v) WASMAOT_TCC_STORE(b, s, m, a, f64, v)
#define i32_store8_default32(b, s, m, a, v) WASMAOT_TCC_STORE(b, s, m, a, u8, v)
#define i32_store16_default32(b, s, m, a, v) WASMAOT_TCC_STORE(b, s, m, a, u16, v)
#define i64_store8_default32(b, s, m, a, v) WASMAOT_TCC_STORE(b, s, m, a, u8, v)
#define i64_store16_default32(b, s, m, a, v) WASMAOT_TCC_STORE(b, s, m, a, u16, v)
#define i64_store32_default32(b, s, m, a, v) WASMAOT_TCC_STORE(b, s, m, a, u32, v)

#endif

/* Bit casts between integers and floats, a call and a memcpy each in wasm2c's helpers: the
 * same bits through a union (compound literal). */
#define f32_reinterpret_i32(x)                                                                     \
  (((union {                                                                                       \
     u32 i;                                                                                        \
     f32 f;                                                                                        \
   }){.i = (u32)(x)})                                                                              \
       .f)
#define i32_reinterpret_f32(x)                                                                     \
  (((union {                                                                                       \
     u32 i;                                                                                        \
     f32 f;                                                                                        \
   }){.f = (f32)(x)})                                                                              \
       .i)
#define f64_reinterpret_i64(x)                                                                     \
  (((union {                                                                                       \
     u64 i;                                                                                        \
     f64 f;                                                                                        \
   }){.i = (u64)(x)})                                                                              \
       .f)
#define i64_reinterpret_f64(x)                                                                     \
  (((union {                                                                                       \
     u64 i;                                                                                        \
     f64 f;                                                                                        \
   }){.f = (f64)(x)})                                                                              \
       .i)

#endif
