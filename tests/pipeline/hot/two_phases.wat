;; In-run tier-up gives up a round that has gone cold (tests/pipeline/test_hot.c): _start calls
;; $first once (a loop of 400 M iterations), then $second once (a loop of 2,400 M), and prints
;; the sum of their results as 8 hex digits. Each is one long call: each asks for its OSR
;; variant, and $first's call ends while that compile is still under way.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func $first (param $n i32) (result i32)
    (local $i i32) (local $acc i32)
    (loop $l
      (local.set $acc (i32.add (i32.mul (local.get $acc) (i32.const 31)) (local.get $i)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $acc))
  (func $second (param $n i32) (result i32)
    (local $i i32) (local $acc i32)
    (loop $l
      (local.set $acc (i32.xor (i32.mul (local.get $acc) (i32.const 17)) (local.get $i)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $acc))
  (func $hex (param $v i32)
    (local $j i32) (local $d i32)
    (loop $l
      (local.set $d (i32.and (i32.shr_u (local.get $v)
                                        (i32.sub (i32.const 28) (i32.mul (local.get $j) (i32.const 4))))
                             (i32.const 15)))
      (i32.store8 (i32.add (i32.const 16) (local.get $j))
                  (i32.add (local.get $d)
                           (select (i32.const 48) (i32.const 87) (i32.lt_u (local.get $d) (i32.const 10)))))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $j) (i32.const 8))))
    (i32.store8 (i32.const 24) (i32.const 10))
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 9))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))
  (func (export "_start")
    (call $hex (i32.add (call $first (i32.const 400000000)) (call $second (i32.const 2400000000))))))
