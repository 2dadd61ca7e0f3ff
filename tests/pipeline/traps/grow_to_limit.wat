;; memory.grow to the largest 32-bit memory (65,536 pages, 4 GiB). wabt 1.0.32 computed the new
;; size in 32 bits under --bounds check: it became 0, the guest memory was freed and then used.
;; Here the grow must succeed (or fail with -1: never anything else), the memory must keep its
;; old contents and grow to exactly 65,536 pages, its last byte must be usable, one more page
;; must be refused, and a WASI call must still see the right memory afterwards.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 100) "grown\n")
  (func (export "_start") (local $old i32)
    (local.set $old (memory.grow (i32.const 65535)))
    (if (i32.eq (local.get $old) (i32.const -1)) (then (call $exit (i32.const 10))))
    (if (i32.ne (local.get $old) (i32.const 1)) (then (call $exit (i32.const 11))))
    (if (i32.ne (memory.size) (i32.const 65536)) (then (call $exit (i32.const 12))))
    (i32.store8 (i32.const 0xffffffff) (i32.const 7))
    (if (i32.ne (i32.load8_u (i32.const 0xffffffff)) (i32.const 7)) (then (call $exit (i32.const 13))))
    (if (i32.ne (memory.grow (i32.const 1)) (i32.const -1)) (then (call $exit (i32.const 14))))
    (if (i32.ne (memory.size) (i32.const 65536)) (then (call $exit (i32.const 15))))
    ;; iovec at the very end of memory, pointing at the data segment's text
    (i32.store (i32.const 0xfffffff0) (i32.const 100))
    (i32.store (i32.const 0xfffffff4) (i32.const 6))
    (drop (call $fd_write (i32.const 1) (i32.const 0xfffffff0) (i32.const 1) (i32.const 0xfffffff8)))
    (if (i32.ne (i32.load (i32.const 0xfffffff8)) (i32.const 6)) (then (call $exit (i32.const 16))))))
