;; AOT (wamr_mpy/compiler.py): a `select` on a constant condition read the
;; condition through one shared variable, assigned where the condition was
;; seen but read where the deferred select expression was finally emitted,
;; so a second constant condition in between changed the result (12 here).
;; Found by tests/test_differential.py (seed 1000005, tier aot).
;; call a -> 0xfedcba9876543211
;; call b -> 0x7
(module
  (global $hash (mut i64) (i64.const 0))
  (func (export "a") (result i64)
    i64.const 12
    i64.const -81985529216486895
    i32.const 0
    select
    i32.const 8
    i64.extend_i32_u
    i32.const -8
    i32.const -1066207337
    i32.const 16
    select (result i32)
    select
    global.set $hash
    global.get $hash)
  (func (export "b") (result i32)
    i32.const 5
    i32.const 7
    i32.const 0
    if (result i32)
      i32.const 1
    else
      i32.const 0
    end
    select))
