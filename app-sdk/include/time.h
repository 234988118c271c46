/* wamr-mpy app SDK: time part of the built-in libc subset. */
#ifndef WAMR_MPY_TIME_H
#define WAMR_MPY_TIME_H

#include "_wamr_cdefs.h"

/* Same layout and units as wasi-libc: clock() counts nanoseconds. */
typedef long long clock_t;
typedef long long time_t;
typedef int clockid_t;

#define CLOCKS_PER_SEC 1000000000LL
#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1

struct timespec {
    time_t tv_sec;  /* i64 at offset 0 */
    long tv_nsec;   /* i32 at offset 8; the struct is 16 bytes */
};

WAMR_BEGIN_DECLS
WAMR_NATIVE clock_t clock(void);
WAMR_NATIVE int clock_gettime(clockid_t clk_id, struct timespec *tp);
WAMR_END_DECLS

#endif
