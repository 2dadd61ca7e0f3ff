;; wasm2c 1.0.42 translates the SIMD load-and-extend instructions (v128.load8x8_s/u,
;; load16x4_s/u, load32x2_s/u) on a shared memory into calls of functions it never defines
;; (i16x8_load8x8_shared_default32, u32x4_load16x4_shared_default32, ...): the C compiler
;; rejects the module. Valid with threads and SIMD on, as in wasmaot. Found by difffuzz
;; (seed 100, index 6; known-issues.txt); expected to fail to build until wasm2c is fixed (.xfail).
(module
  (memory (export "m") 1 1 shared)
  (func (export "f") (result i32)
    i32.const 0
    v128.load8x8_s
    i16x8.extract_lane_s 0))
