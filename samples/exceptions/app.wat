;; Wasm exceptions (WebAssembly 3.0: tag, throw, throw_ref, try_table,
;; exnref), hand-written.  check(n) throws the tag $error for a negative n;
;; try_check catches it by tag and prints its value; with_cleanup catches
;; everything with its exnref, prints, and throws the same exception again
;; (throw_ref), which outer catches by tag.  `fail` lets it escape: the
;; embedder (embed.py) gets it as wamr_mpy.WasmException.  Printing goes
;; through the runtime's libc-builtin printf (varargs in a buffer at $va).
(module
  (import "env" "printf" (func $printf (param i32 i32) (result i32)))

  (memory (export "memory") 1)

  (data (i32.const 1024) "check(%d) = %d\0a\00")
  (data (i32.const 1048) "caught error %d from check(%d)\0a\00")
  (data (i32.const 1088) "cleanup for check(%d), then throw it again\0a\00")
  (data (i32.const 1136) "caught error %d after the rethrow\0a\00")

  (global $va i32 (i32.const 512))

  ;; the app's error: one i32 (an error code), exported so that the host can
  ;; tell it from other tags
  (tag $error (export "error") (param i32))

  (func $print2 (param $fmt i32) (param $a i32) (param $b i32)
    (i32.store (global.get $va) (local.get $a))
    (i32.store offset=4 (global.get $va) (local.get $b))
    (drop (call $printf (local.get $fmt) (global.get $va))))

  ;; n * 2, or throws $error with code 100 - n when n is negative
  (func $check (param $n i32) (result i32)
    (if (i32.lt_s (local.get $n) (i32.const 0))
      (then (throw $error (i32.sub (i32.const 100) (local.get $n)))))
    (i32.mul (local.get $n) (i32.const 2)))

  ;; catch by tag: the handler block receives the tag's value
  (func $try_check (param $n i32)
    (call $print2 (i32.const 1048)
      (block $handler (result i32)
        (try_table (catch $error $handler)
          (call $print2 (i32.const 1024) (local.get $n) (call $check (local.get $n))))
        (return))
      (local.get $n)))

  ;; catch anything with its exnref, clean up, rethrow the same exception
  (func $with_cleanup (param $n i32) (result i32)
    (local $e exnref)
    (local.set $e
      (block $handler (result exnref)
        (try_table (result i32) (catch_all_ref $handler)
          (call $check (local.get $n)))
        (return)))
    (call $print2 (i32.const 1088) (local.get $n) (i32.const 0))
    (throw_ref (local.get $e)))

  (func $outer (param $n i32)
    (call $print2 (i32.const 1136)
      (block $handler (result i32)
        (try_table (catch $error $handler)
          (drop (call $with_cleanup (local.get $n))))
        (return))
      (i32.const 0)))

  (func (export "main") (result i32)
    (call $try_check (i32.const 21))
    (call $try_check (i32.const -7))
    (call $outer (i32.const -1))
    (i32.const 0))

  ;; an exception no try_table catches: it leaves the call to the host
  (func (export "fail") (param $n i32) (result i32)
    (call $with_cleanup (local.get $n)))
)
