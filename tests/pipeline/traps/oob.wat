;; Loads one byte past the end of a one-page memory.
(module
  (memory (export "memory") 1)
  (func (export "_start") (drop (i32.load8_u (i32.const 65536)))))
