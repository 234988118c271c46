// unix32: HAL functions the core and our modules call (console, clocks).

#include <errno.h>
#include <time.h>
#include <string.h>
#include <unistd.h>

#include "py/mphal.h"
#include "py/runtime.h"

mp_uint_t mp_hal_stdout_tx_strn(const char *str, size_t len) {
    size_t done = 0;
    while (done < len) {
        ssize_t r = write(STDOUT_FILENO, str + done, len - done);
        if (r < 0) {
            if (errno == EINTR) {
                continue;
            }
            break;
        }
        done += r;
    }
    return done;
}

void mp_hal_stdout_tx_str(const char *str) {
    mp_hal_stdout_tx_strn(str, strlen(str));
}

void mp_hal_stdout_tx_strn_cooked(const char *str, size_t len) {
    mp_hal_stdout_tx_strn(str, len);
}

int mp_hal_stdin_rx_chr(void) {
    unsigned char c;
    ssize_t r;
    do {
        r = read(STDIN_FILENO, &c, 1);
    } while (r < 0 && errno == EINTR);
    return r == 1 ? c : 4;  // EOF reads as Ctrl-D
}

static uint64_t monotonic_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

mp_uint_t mp_hal_ticks_ms(void) {
    return (mp_uint_t)(monotonic_ns() / 1000000ULL);
}

mp_uint_t mp_hal_ticks_us(void) {
    return (mp_uint_t)(monotonic_ns() / 1000ULL);
}

uint64_t mp_hal_time_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

void mp_hal_delay_ms(mp_uint_t ms) {
    usleep(ms * 1000);
}

void mp_hal_delay_us(mp_uint_t us) {
    usleep(us);
}
