;; The serve tests' guest for the state C cannot reach: a mutable wasm global, a table slot and
;; the table's size (plus a word of memory). Each request answers "clean" if it finds them as
;; instantiation left them, "dirty" otherwise, and then changes every one of them: with a
;; pristine instance per request, every answer is "clean".
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (global $g (mut i32) (i32.const 0))
  (table $t 2 funcref)
  (elem declare func $f)
  (func $f)
  (data (i32.const 2048) "Status: 200 OK\0d\0aContent-Type: text/plain\0d\0a\0d\0aclean\0a")
  (data (i32.const 2304) "Status: 200 OK\0d\0aContent-Type: text/plain\0d\0a\0d\0adirty\0a")
  (func (export "_start")
    (local $clean i32)
    (local.set $clean
      (i32.and
        (i32.and (i32.eqz (global.get $g)) (ref.is_null (table.get $t (i32.const 1))))
        (i32.and (i32.eq (table.size $t) (i32.const 2))
                 (i32.eqz (i32.load (i32.const 1024))))))
    (global.set $g (i32.const 0x5ec2e7))
    (table.set $t (i32.const 1) (ref.func $f))
    (drop (table.grow $t (ref.null func) (i32.const 3)))
    (i32.store (i32.const 1024) (i32.const 0x5ec2e7))
    ;; one iovec at 0: the answer (50 bytes) at 2048 or 2304
    (i32.store (i32.const 0) (select (i32.const 2048) (i32.const 2304) (local.get $clean)))
    (i32.store (i32.const 4) (i32.const 50))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))
