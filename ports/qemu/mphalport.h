// HAL of the QEMU boards: a polled UART (uart.c) and a millisecond clock
// (SysTick on Cortex-M, the CLINT's mtime on RISC-V).
#include "py/mpconfig.h"

void mp_hal_set_interrupt_char(int c);
void mp_hal_poll_rx(void);
int mp_hal_rx_any(void);

// No machine.Pin here; defining the pin type keeps py/mphal.h from pulling
// in extmod/virtpin.h (not in the sdist).
#define mp_hal_pin_obj_t void *
