;; SIMD128 through wasmaot: decodes a message with i8x16.add + i8x16.shuffle, writes it with
;; fd_write, and exits with a sum computed by i32x4.dot_i16x8_s and lane extraction.
;; Expected: stdout "SIMD128 says hi\n", exit status 204 (1*1+...+8*8).
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  ;; the message reversed, each byte minus one
  (data (i32.const 64) "\09\68\67\1f\72\78\60\72\1f\37\31\30\43\4c\48\52")
  (func $dot (result i32)
    (local $v v128)
    (local.set $v (i32x4.dot_i16x8_s (v128.const i16x8 1 2 3 4 5 6 7 8)
                                     (v128.const i16x8 1 2 3 4 5 6 7 8)))
    (i32.add (i32.add (i32x4.extract_lane 0 (local.get $v)) (i32x4.extract_lane 1 (local.get $v)))
             (i32.add (i32x4.extract_lane 2 (local.get $v)) (i32x4.extract_lane 3 (local.get $v)))))
  (func (export "_start")
    (v128.store (i32.const 128)
      (i8x16.shuffle 15 14 13 12 11 10 9 8 7 6 5 4 3 2 1 0
        (i8x16.add (v128.load (i32.const 64)) (i8x16.splat (i32.const 1)))
        (v128.const i64x2 0 0)))
    (i32.store (i32.const 0) (i32.const 128)) ;; iovec: buf
    (i32.store (i32.const 4) (i32.const 16))  ;;        len
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    (call $exit (call $dot))))
