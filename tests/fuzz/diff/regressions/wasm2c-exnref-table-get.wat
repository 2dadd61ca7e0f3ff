;; wasm2c 1.0.42 translates table.get on an exnref table into a call of exnref_table_get(),
;; which it never defines: the C compiler rejects the module. Valid with exceptions (exnref) on,
;; as in wasmaot. Found by difffuzz (seed 200, index 0; known-issues.txt); expected to fail to
;; build until wasm2c is fixed (.xfail).
(module
  (table $t 1 1 exnref)
  (func (export "f") (result i32)
    i32.const 0
    table.get $t
    ref.is_null))
