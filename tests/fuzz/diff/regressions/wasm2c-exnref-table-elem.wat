;; wasm2c 1.0.42 initialises an exnref table's active element segment with a call to
;; exnref_table_init(), which it never defines: the C compiler rejects the module ("call to
;; undeclared function 'exnref_table_init'"). Valid with exceptions (exnref) on, as in wasmaot.
;; Found by difffuzz (known-issues.txt); expected to fail to build until wasm2c is fixed (.xfail).
(module
  (table $t (export "t") 2 2 exnref)
  (elem (table $t) (i32.const 0) exnref (ref.null exn))
  (func (export "size") (result i32) table.size $t))
