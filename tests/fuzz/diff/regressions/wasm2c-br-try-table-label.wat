;; wasm2c 1.0.42 miscompiles a branch to a try_table's own label (here `br 0` in the
;; try_table): it places that label inside the try_table's catch dispatch, before the code of
;; its catch clauses, so the branch runs them as if an exception had been caught. Here the
;; catch_all clause targets the loop, so "f" loops until the counter traps (unreachable) under
;; wasmaot in every configuration, where wasmtime and the spec return 1. Found by difffuzz
;; (seed 3, index 1). translator/c_rewrite.c moves the label where it belongs; this must now
;; agree with wasmtime in every configuration.
(module
  (global $g (export "g") (mut i32) (i32.const 0))
  (func (export "f") (result i32)
    loop $l
      global.get $g
      i32.const 1
      i32.add
      global.set $g
      global.get $g
      i32.const 100
      i32.gt_u
      if
        unreachable
      end
      try_table (catch_all $l)
        br 0
      end
    end
    global.get $g))
