;; AOT (tools/wamrc, wamr_mpy/compiler.py): an `if` on a constant became
;; `if 7:` in the generated viper code; MicroPython drops the dead `else`,
;; and the stack variable first assigned there then fails to compile
;; ("mpy-cross failed: NotImplementedError: casting"), so the whole module
;; was rejected.  Found by tests/test_differential.py (seed 10, tier aot).
;; call f -> 0x10
(module
  (global $g (mut i32) (i32.const 0))
  (func (export "f") (result i64) (local f64)
    i32.const 7
    if (result externref)
      i64.const 16
      br 1
    else
      ref.null extern
    end
    ref.is_null
    global.set $g
    f64.const 1
    local.tee 0
    f64.const 2
    local.tee 0
    f64.gt
    global.set $g
    i64.const 1))
