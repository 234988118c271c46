;; A hand-written app for wamr-mpy: recursion, loops, br_table,
;; call_indirect, i64 math and a mutable global, printing through the
;; runtime's libc-builtin natives.  printf's variadic arguments are laid out
;; by hand the way clang does it: a buffer in linear memory whose address is
;; the last parameter, each value at its natural alignment.
(module
  (import "env" "printf" (func $printf (param i32 i32) (result i32)))
  (import "env" "puts" (func $puts (param i32) (result i32)))

  (memory (export "memory") 1)

  ;; format strings and names (NUL-terminated)
  (data (i32.const 1024) "WAT says hello\00")
  (data (i32.const 1040) "%2d! = %d\0a\00")
  (data (i32.const 1056) "op %s(%d, %d) = %d\0a\00")
  (data (i32.const 1080) "add\00sub\00mul\00")
  (data (i32.const 1096) "%d is %s\0a\00")
  (data (i32.const 1112) "zero\00one\00two\00many\00")
  (data (i32.const 1136) "2^%d = %lld\0a\00")
  (data (i32.const 1152) "calls to fact: %d\0a\00")

  ;; varargs buffer
  (global $va i32 (i32.const 512))
  (global $fact_calls (mut i32) (i32.const 0))

  (type $binop (func (param i32 i32) (result i32)))
  (table 3 funcref)
  (elem (i32.const 0) $add $sub $mul)

  (func $add (type $binop) (i32.add (local.get 0) (local.get 1)))
  (func $sub (type $binop) (i32.sub (local.get 0) (local.get 1)))
  (func $mul (type $binop) (i32.mul (local.get 0) (local.get 1)))

  (func $fact (param $n i32) (result i32)
    (global.set $fact_calls (i32.add (global.get $fact_calls) (i32.const 1)))
    (if (result i32) (i32.le_s (local.get $n) (i32.const 1))
      (then (i32.const 1))
      (else (i32.mul (local.get $n)
                     (call $fact (i32.sub (local.get $n) (i32.const 1)))))))

  ;; the name for a small number, chosen with br_table
  (func $name (param $n i32) (result i32)
    (block $many
      (block $two
        (block $one
          (block $zero
            (br_table $zero $one $two $many (local.get $n)))
          (return (i32.const 1112)))
        (return (i32.const 1117)))
      (return (i32.const 1121)))
    (i32.const 1125))

  (func $main (export "main") (param $argc i32) (param $argv i32) (result i32)
    (local $i i32)
    (local $p i64)
    (drop (call $puts (i32.const 1024)))

    ;; factorials 1..10
    (local.set $i (i32.const 1))
    (loop $next
      (i32.store (global.get $va) (local.get $i))
      (i32.store offset=4 (global.get $va) (call $fact (local.get $i)))
      (drop (call $printf (i32.const 1040) (global.get $va)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $next (i32.le_s (local.get $i) (i32.const 10))))

    ;; the three table entries
    (local.set $i (i32.const 0))
    (loop $ops
      (i32.store (global.get $va)
                 (i32.add (i32.const 1080) (i32.shl (local.get $i) (i32.const 2))))
      (i32.store offset=4 (global.get $va) (i32.const 7))
      (i32.store offset=8 (global.get $va) (i32.const 5))
      (i32.store offset=12 (global.get $va)
        (call_indirect (type $binop) (i32.const 7) (i32.const 5) (local.get $i)))
      (drop (call $printf (i32.const 1056) (global.get $va)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $ops (i32.lt_u (local.get $i) (i32.const 3))))

    ;; br_table, including the default arm
    (local.set $i (i32.const 0))
    (loop $names
      (i32.store (global.get $va) (local.get $i))
      (i32.store offset=4 (global.get $va) (call $name (local.get $i)))
      (drop (call $printf (i32.const 1096) (global.get $va)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $names (i32.lt_u (local.get $i) (i32.const 4))))
    (i32.store (global.get $va) (i32.const 7))
    (i32.store offset=4 (global.get $va) (call $name (i32.const 7)))
    (drop (call $printf (i32.const 1096) (global.get $va)))

    ;; i64: 2^40 by repeated doubling; the i64 vararg sits 8-aligned
    (local.set $p (i64.const 1))
    (local.set $i (i32.const 0))
    (loop $dbl
      (local.set $p (i64.shl (local.get $p) (i64.const 1)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $dbl (i32.lt_u (local.get $i) (i32.const 40))))
    (i32.store (global.get $va) (local.get $i))
    (i64.store offset=8 (global.get $va) (local.get $p))
    (drop (call $printf (i32.const 1136) (global.get $va)))

    (i32.store (global.get $va) (global.get $fact_calls))
    (drop (call $printf (i32.const 1152) (global.get $va)))
    (i32.const 0))
)
