;; Imports functions no WASI runtime provides and calls them: with --unknown-imports default
;; they return zeros (the guest then exits with 7 + the sum of what they returned); with
;; --unknown-imports trap the first call traps and names the import.
(module
  (import "env" "answer" (func $answer (param i32 i64) (result i32)))
  (import "env" "pair" (func $pair (result i64 f64)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start") (local $sum i32)
    (local.set $sum (call $answer (i32.const 1) (i64.const 2)))
    (call $pair)
    (drop)
    (i32.wrap_i64)
    (local.get $sum)
    (i32.add)
    (i32.const 7)
    (i32.add)
    (call $exit)))
