;; INT32_MIN / -1 overflows.
(module
  (memory (export "memory") 1)
  (data (i32.const 0) "\ff\ff\ff\ff")
  (func (export "_start")
    (drop (i32.div_s (i32.const 0x80000000) (i32.load (i32.const 0))))))
