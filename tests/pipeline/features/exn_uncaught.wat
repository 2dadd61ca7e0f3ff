;; An exception no handler catches ends the run like a trap: exit status 134, one line on stderr.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (tag $e (param i32))
  (func (export "_start") (throw $e (i32.const 1))))
