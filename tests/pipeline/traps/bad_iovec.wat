;; fd_write with an iovec pointing past the end of memory: the runtime must answer EFAULT (21)
;; and the guest exits with that errno as its code, proving the host did not crash.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "\f0\ff\00\00\00\01\00\00")  ;; iovec {buf=65520, len=65536}
  (func (export "_start")
    (call $exit (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 16)))))
