;; The module the leak test instantiates 100,000 times: a memory (8 GiB of address space each
;; with guard pages), one that grows, a table with elements, a global and a data segment.
(module
  (memory (export "memory") 1 100)
  (table (export "table") 16 64 funcref)
  (global $g (mut i32) (i32.const 0))
  (data (i32.const 16) "leak test data")
  (elem (i32.const 0) $touch $touch)
  (type $t (func (param i32) (result i32)))
  ;; grows the memory by one page and the table by 4, writes at the new end, calls through the
  ;; table, returns the new page count plus the byte read back
  (func $touch (export "touch") (param i32) (result i32)
    (local $pages i32)
    (drop (memory.grow (i32.const 1)))
    (drop (table.grow (ref.null func) (i32.const 4)))
    (local.set $pages (memory.size))
    (i32.store8 (i32.sub (i32.mul (local.get $pages) (i32.const 65536)) (i32.const 1)) (local.get 0))
    (global.set $g (i32.add (global.get $g) (i32.const 1)))
    (i32.add (local.get $pages)
             (i32.load8_u (i32.sub (i32.mul (local.get $pages) (i32.const 65536)) (i32.const 1)))))
  (func (export "via_table") (param i32) (result i32)
    (call_indirect (type $t) (local.get 0) (i32.const 1))))
