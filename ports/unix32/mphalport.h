// HAL for the unix32 port: time and console on top of POSIX (mphal.c).
#include <unistd.h>

#define mp_hal_ticks_cpu() mp_hal_ticks_us()

static inline void mp_hal_set_interrupt_char(int c) {
    (void)c;   // Ctrl-C is not trapped (no REPL; tests kill on timeout)
}

// No machine.Pin here; defining the pin type keeps py/mphal.h from pulling
// in extmod/virtpin.h (not in the sdist).
#define mp_hal_pin_obj_t void *
