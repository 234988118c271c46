/* Segmented sieve of Eratosthenes over odd numbers: byte loads/stores in
 * tight loops, in a fixed 32 KiB window so any n fits in one page. */
#include "bench.h"

#define SEG 32768                 /* odd numbers per segment */
#define MAX_BASE 4800             /* primes below 46341 = sqrt(2^31) */
static uint8_t mark[SEG];
static int32_t base[MAX_BASE];

/* n: count the primes below n (n <= 2^31-1); returns a checksum of the
 * prime count and the (wrapping) sum of the primes. */
EXPORT("run") uint32_t run(int32_t n)
{
    int32_t nbase = 0, i, j, p, lo;
    uint32_t count, sum;

    if (n < 3)
        return 0;
    /* base primes: odd primes p with p*p < n, by trial division over the
     * base primes found so far */
    for (p = 3; p <= 46340 && p * p < n; p += 2) {
        for (j = 0; j < nbase && base[j] * base[j] <= p; j++)
            if (p % base[j] == 0)
                break;
        if (j == nbase || base[j] * base[j] > p)
            base[nbase++] = p;
    }
    count = 1; /* the prime 2 */
    sum = 2;
    /* segment k covers the odd numbers lo, lo+2, ..., lo + 2*(SEG-1) */
    for (lo = 3; lo < n; lo += 2 * SEG) {
        int32_t len = SEG;
        if ((n - lo + 1) / 2 < len)
            len = (n - lo + 1) / 2;
        for (i = 0; i < len; i++)
            mark[i] = 0;
        for (j = 0; j < nbase; j++) {
            int32_t q = base[j], start;
            if (q * q >= lo + 2 * len)
                break;
            start = q * q;
            if (start < lo) {
                /* first odd multiple of q at or above lo */
                start = (lo + q - 1) / q * q;
                if (!(start & 1))
                    start += q;
            }
            for (i = (start - lo) / 2; i < len; i += q)
                mark[i] = 1;
        }
        for (i = 0; i < len; i++)
            if (!mark[i]) {
                count++;
                sum += (uint32_t)(lo + 2 * i);
            }
    }
    return mix(count, sum);
}
