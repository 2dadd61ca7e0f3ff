;; Calls an empty table slot.
(module
  (memory (export "memory") 1)
  (table 2 funcref)
  (func (export "_start") (call_indirect (i32.const 1))))
