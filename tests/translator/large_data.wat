;; The code half of the large-data test module: a WASI command that prints the Adler-32 of
;; the bytes at [DATA_START, DATA_START + DATA_LEN) of its memory, as 8 hex digits and a
;; newline. large_data_test.py appends the data half: one active data segment of DATA_LEN
;; bytes at DATA_START (33554432 bytes at 1024), so the digest checks that every byte of the
;; segment reached memory at its place.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  ;; 32 MiB of data from offset 1024, plus room: 514 pages of 64 KiB.
  (memory (export "memory") 514)

  (func $adler32 (param $start i32) (param $len i32) (result i32)
    (local $a i32) (local $b i32) (local $p i32) (local $end i32)
    (local.set $a (i32.const 1))
    (local.set $p (local.get $start))
    (local.set $end (i32.add (local.get $start) (local.get $len)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $a (i32.rem_u (i32.add (local.get $a) (i32.load8_u (local.get $p)))
                                 (i32.const 65521)))
        (local.set $b (i32.rem_u (i32.add (local.get $b) (local.get $a)) (i32.const 65521)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $next)))
    (i32.or (i32.shl (local.get $b) (i32.const 16)) (local.get $a)))

  ;; Writes `value` as 8 lowercase hex digits and "\n" at 16..24, then prints them.
  (func $print_hex (param $value i32)
    (local $k i32) (local $nibble i32)
    (loop $digit
      (local.set $nibble (i32.and (i32.shr_u (local.get $value)
                                             (i32.sub (i32.const 28)
                                                      (i32.mul (local.get $k) (i32.const 4))))
                                  (i32.const 15)))
      (i32.store8 (i32.add (i32.const 16) (local.get $k))
        (i32.add (local.get $nibble)
                 (select (i32.const 48) (i32.const 87)
                         (i32.lt_u (local.get $nibble) (i32.const 10)))))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br_if $digit (i32.lt_u (local.get $k) (i32.const 8))))
    (i32.store8 (i32.const 24) (i32.const 10))
    ;; iovec at 0: { buf = 16, len = 9 }; bytes written go to 8.
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 9))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))

  (func (export "_start")
    (call $print_hex (call $adler32 (i32.const 1024) (i32.const 33554432)))))
