;; Recursion 20,000 calls deep is an ordinary program, not a trap, in both bounds modes (as in
;; wasmtime); it only traps if the native stack runs out. Exit code 0 when the depth came back.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func $down (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.const 0))
      (else (i32.add (call $down (i32.sub (local.get 0) (i32.const 1))) (i32.const 1)))))
  (func (export "_start")
    (call $exit (i32.ne (call $down (i32.const 20000)) (i32.const 20000)))))
