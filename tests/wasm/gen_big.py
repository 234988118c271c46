"""Generates big.wat: a deterministic ~20 KB module of many small functions
(loops, memory traffic, i64, calls, br_table, call_indirect) whose export
`run` returns a checksum.  Used by the footprint test (and as a differential
test against wasmtime).  Usage: python3 gen_big.py > big.wat"""
import random

N = 120


def func(i, rnd):
    body = []
    k1, k2, k3 = rnd.randrange(1, 1 << 20), rnd.randrange(1, 31), rnd.randrange(3, 17)
    body.append("(func $f%d (param $x i32) (result i32) (local $i i32) (local $a i32) (local $b i64)" % i)
    body.append("  (local.set $a (i32.xor (local.get $x) (i32.const %d)))" % k1)
    body.append("  (local.set $i (i32.const %d))" % k3)
    body.append("  (block $done (loop $l")
    body.append("    (br_if $done (i32.eqz (local.get $i)))")
    body.append("    (local.set $a (i32.add (i32.mul (local.get $a) (i32.const 1103515245)) (i32.const 12345)))")
    body.append("    (i32.store (i32.and (i32.shl (local.get $i) (i32.const 2)) (i32.const 4092)) (local.get $a))")
    body.append("    (local.set $b (i64.add (local.get $b) (i64.extend_i32_u (i32.load (i32.and (i32.mul (local.get $i) (i32.const %d)) (i32.const 4092))))))" % (k2 * 4))
    body.append("    (local.set $a (i32.rotl (local.get $a) (i32.const %d)))" % k2)
    body.append("    (local.set $i (i32.sub (local.get $i) (i32.const 1)))")
    body.append("    (br $l)))")
    body.append("  (block $b3 (block $b2 (block $b1 (block $b0")
    body.append("    (br_table $b0 $b1 $b2 $b3 (i32.and (local.get $a) (i32.const 3))))")
    body.append("    (local.set $a (i32.add (local.get $a) (i32.const %d))) (br $b3))" % k1)
    body.append("    (local.set $a (i32.sub (local.get $a) (i32.wrap_i64 (local.get $b)))) (br $b3))")
    body.append("    (local.set $a (i32.xor (local.get $a) (i32.const %d))))" % (k1 * 7))
    if i > 0:
        body.append("  (local.set $a (i32.add (local.get $a) (call_indirect (type $t) (local.get $a) (i32.const %d))))" % rnd.randrange(0, i))
    body.append("  (i32.add (local.get $a) (i32.wrap_i64 (i64.shr_u (local.get $b) (i64.const 7)))))")
    return "\n".join(body)


def main():
    rnd = random.Random(20261126)
    out = ["(module", "(type $t (func (param i32) (result i32)))", "(memory 1)",
           "(table %d funcref)" % N,
           "(elem (i32.const 0) %s)" % " ".join("$f%d" % i for i in range(N))]
    for i in range(N):
        out.append(func(i, rnd))
    out.append("(func (export \"run\") (param $n i32) (result i32) (local $s i32) (local $i i32)")
    out.append("  (loop $l")
    out.append("    (local.set $s (i32.add (local.get $s) (call_indirect (type $t) (i32.add (local.get $s) (local.get $i)) (i32.rem_u (local.get $i) (i32.const %d)))))" % N)
    out.append("    (local.set $i (i32.add (local.get $i) (i32.const 1)))")
    out.append("    (br_if $l (i32.lt_u (local.get $i) (local.get $n))))")
    out.append("  (local.get $s))")
    out.append(")")
    print("\n".join(out))


if __name__ == "__main__":
    main()
