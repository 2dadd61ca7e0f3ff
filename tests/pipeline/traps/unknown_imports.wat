;; Imports two things no WASI runtime provides, and one real WASI function.
(module
  (import "env" "magic" (func))
  (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "no_such_call" (func))
  (memory (export "memory") 1)
  (func (export "_start")))
