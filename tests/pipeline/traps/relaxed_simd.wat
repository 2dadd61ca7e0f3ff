;; A relaxed-SIMD instruction: wasm2c 1.0.42 parses it, then aborts without a message while
;; translating. wasmaot must still fail in one line, and say what it knows of why.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (drop (i32x4.relaxed_trunc_f32x4_s (v128.const f32x4 1 2 3 4)))
    (call $exit (i32.const 0))))
