;; Atomics on a shared memory (threads proposal), one thread: i32.atomic.rmw.add and
;; i32.atomic.load decide the byte written. The quick tier compiles it with clang-16/gcc -O0,
;; never tcc (no _Atomic): tests/pipeline/test_tiers.c. Expected: stdout "atomic ok\n".
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1 1 shared)
  (data (i32.const 16) "atomic ok?")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 10))
    (i32.atomic.store (i32.const 32) (i32.const 4))
    (drop (i32.atomic.rmw.add (i32.const 32) (i32.const 6)))
    ;; 10 = '\n', replacing the '?'
    (i32.store8 (i32.const 25) (i32.atomic.load (i32.const 32)))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))
