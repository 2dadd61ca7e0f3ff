;; Calls table slot 0 with the wrong signature.
(module
  (memory (export "memory") 1)
  (type $takes_i32 (func (param i32)))
  (func $no_params)
  (table 1 funcref)
  (elem (i32.const 0) $no_params)
  (func (export "_start") (call_indirect (type $takes_i32) (i32.const 7) (i32.const 0))))
