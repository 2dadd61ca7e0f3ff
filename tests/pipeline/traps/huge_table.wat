;; A table of 4,294,967,295 entries: wabt's runtime allocated it with an unchecked calloc, and
;; instantiation wrote its elements relative to NULL when that failed. Now either the
;; allocation works (overcommit) and the guest runs, or the process ends with one line
;; "wasmaot: error: out of memory: ..." and exit 1; never a signal.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (table 4294967295 funcref)
  (elem (i32.const 0) $f)
  (func $f)
  (func (export "_start") (call_indirect (i32.const 0)) (call $exit (i32.const 0))))
