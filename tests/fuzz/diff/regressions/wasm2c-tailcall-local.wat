;; wasm2c 1.0.42 writes a function that makes a tail call twice; in the second ("tailcallee")
;; copy the declaration of its locals comes out as "u32   u32 var_i0;" (any local type: "f64
;; u32 ...", "v128   u32 ..."), which no C compiler accepts. Found by difffuzz; wasmaot's
;; translator/c_rewrite.c now puts the declaration back together, and this must build and
;; agree with wasmtime in every configuration.
(module
  (func $f (export "f") (result i32) i32.const 7)
  (func (export "g") (result i32) (local i32) return_call $f))
