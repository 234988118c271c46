/* Recursive Fibonacci: call-heavy, no memory traffic. */
#include "bench.h"

static int32_t fib(int32_t n)
{
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

/* n: which Fibonacci number (25 -> 75025).  clang -O2 turns one of the two
 * recursive calls into a loop, so fib(25) makes 121393 calls to fib. */
EXPORT("run") uint32_t run(int32_t n)
{
    return (uint32_t)fib(n);
}
