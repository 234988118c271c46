// Console and clock for the QEMU boards: the UART's bytes go through a ring
// buffer, filled from the UART interrupt (Cortex-M) or by polling (here and
// every MICROPY_VM_HOOK_COUNT bytecodes), where Ctrl-C is recognised.
#include <string.h>
#include "py/runtime.h"
#include "py/mphal.h"
#include "py/stream.h"
#include "board.h"

#define RX_SIZE 512
static uint8_t rx_buf[RX_SIZE];
static volatile unsigned rx_head, rx_tail;
#include "shared/runtime/interrupt_char.h"

// from the UART interrupt and with interrupts off
static void poll_rx_locked(void) {
    while (board_uart_rx_ready()) {
        // room is checked before the byte is taken from the UART: when the
        // ring is full the byte stays there (its FIFO holds QEMU's input
        // back) and the interrupt is off until the ring drains
        if ((rx_head + 1) % RX_SIZE == rx_tail) {
            board_rx_irq(false);
            return;
        }
        int c = board_uart_rx();
        if (c == mp_interrupt_char) {
            rx_head = rx_tail;
            mp_sched_keyboard_interrupt();
            continue;
        }
        rx_buf[rx_head] = c;
        rx_head = (rx_head + 1) % RX_SIZE;
    }
}

void hal_rx_isr(void) {
    poll_rx_locked();
}

void mp_hal_poll_rx(void) {
    board_irq_off();
    poll_rx_locked();
    board_irq_on();
}

int mp_hal_rx_any(void) {
    mp_hal_poll_rx();
    return (rx_head + RX_SIZE - rx_tail) % RX_SIZE;
}

uintptr_t mp_hal_stdio_poll(uintptr_t poll_flags) {
    uintptr_t ret = 0;
    if ((poll_flags & MP_STREAM_POLL_RD) && mp_hal_rx_any()) {
        ret |= MP_STREAM_POLL_RD;
    }
    if (poll_flags & MP_STREAM_POLL_WR) {
        ret |= MP_STREAM_POLL_WR;
    }
    return ret;
}

int mp_hal_stdin_rx_chr(void) {
    for (;;) {
        board_irq_off();
        poll_rx_locked();
        if (rx_head != rx_tail) {
            int c = rx_buf[rx_tail];
            rx_tail = (rx_tail + 1) % RX_SIZE;
            board_rx_irq(true);
            board_irq_on();
            return c;
        }
        board_irq_on();
        mp_handle_pending(true);
        board_wait();
    }
}

mp_uint_t mp_hal_stdout_tx_strn(const char *str, size_t len) {
    for (size_t i = 0; i < len; i++) {
        board_uart_tx((uint8_t)str[i]);
    }
    return len;
}

mp_uint_t mp_hal_ticks_ms(void) {
    return (mp_uint_t)(board_ticks_us() / 1000);
}

mp_uint_t mp_hal_ticks_us(void) {
    return (mp_uint_t)board_ticks_us();
}

mp_uint_t mp_hal_ticks_cpu(void) {
    return (mp_uint_t)board_ticks_us();
}

uint64_t mp_hal_time_ns(void) {
    return board_ticks_us() * 1000;
}

void mp_hal_delay_us(mp_uint_t us) {
    uint64_t end = board_ticks_us() + us;
    while (board_ticks_us() < end) {
        if (us >= 1000) {
            mp_handle_pending(true);
            board_wait();
        }
    }
}

void mp_hal_delay_ms(mp_uint_t ms) {
    mp_hal_delay_us(ms * 1000);
}
