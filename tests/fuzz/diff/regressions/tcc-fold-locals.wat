;; The quick tier's C for tcc drops a local's `= 0` when every path from the function's start
;; assigns the local before reading it (translator/tcc_fold.c, declaration). Each export
;; first calls $dirty, whose frame leaves non-zero values where the next callee's locals
;; live, then a function that reads locals no path assigned first: on one branch only,
;; around a loop's back edge, after a loop, of every numeric type. Every value read must be
;; wasm's 0, as wasmtime says.
(module
  (func $dirty (result i32)
    (local i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32
           i64 i64 i64 i64 f32 f32 f64 f64)
    (local.set 0 (i32.const 0x55555551)) (local.set 1 (i32.const 0x55555552))
    (local.set 2 (i32.const 0x55555553)) (local.set 3 (i32.const 0x55555554))
    (local.set 4 (i32.const 0x55555555)) (local.set 5 (i32.const 0x55555556))
    (local.set 6 (i32.const 0x55555557)) (local.set 7 (i32.const 0x55555558))
    (local.set 8 (i32.const 0x55555559)) (local.set 9 (i32.const 0x5555555a))
    (local.set 10 (i32.const 0x5555555b)) (local.set 11 (i32.const 0x5555555c))
    (local.set 12 (i32.const 0x5555555d)) (local.set 13 (i32.const 0x5555555e))
    (local.set 14 (i32.const 0x5555555f)) (local.set 15 (i32.const 0x55555560))
    (local.set 16 (i64.const 0x5555555555555561)) (local.set 17 (i64.const 0x5555555555555562))
    (local.set 18 (i64.const 0x5555555555555563)) (local.set 19 (i64.const 0x5555555555555564))
    (local.set 20 (f32.const 3.5)) (local.set 21 (f32.const 4.5))
    (local.set 22 (f64.const 5.5)) (local.set 23 (f64.const 6.5))
    (i32.add (local.get 0) (local.get 15)))

  ;; l1 is assigned on one branch only; l2 is never assigned; l3 is assigned after a read.
  (func $one_branch (param $c i32) (result i32)
    (local i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32)
    (if (local.get $c) (then (local.set 1 (i32.const 7))))
    (local.set 4 (i32.add (local.get 3) (i32.const 1)))
    (local.set 3 (i32.const 100))
    (i32.add (i32.add (local.get 1) (local.get 2)) (i32.add (local.get 3) (local.get 4))))

  ;; l1 is read before it is written on the loop's first pass (l1 = l1 + 1); l2 is written in
  ;; the loop on odd counts only, and read after it.
  (func $around_a_loop (param $n i32) (result i32)
    (local i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32)
    (block $done
      (loop $l
        (br_if $done (i32.eqz (local.get $n)))
        (local.set 1 (i32.add (local.get 1) (i32.const 1)))
        (if (i32.and (local.get $n) (i32.const 1))
          (then (local.set 2 (i32.add (local.get 2) (local.get $n)))))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $l)))
    (i32.add (i32.mul (local.get 1) (i32.const 1000)) (local.get 2)))

  ;; Every numeric type, never assigned: all zero.
  (func $types (result i64)
    (local i32 i64 f32 f64 i32 i64 f32 f64)
    (i64.add
      (i64.add (i64.extend_i32_u (local.get 0)) (local.get 1))
      (i64.add (i64.trunc_sat_f32_s (f32.add (local.get 2) (f32.const 1)))
               (i64.trunc_sat_f64_s (f64.add (local.get 3) (f64.const 2))))))

  (func (export "one_branch") (param i32) (result i32)
    (drop (call $dirty))
    (call $one_branch (local.get 0)))
  (func (export "around_a_loop") (param i32) (result i32)
    (drop (call $dirty))
    (call $around_a_loop (i32.and (local.get 0) (i32.const 15))))
  (func (export "types") (result i64)
    (drop (call $dirty))
    (call $types)))
