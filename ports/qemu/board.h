// What each emulated board provides to hal.c: its UART, its clock and a
// way to sleep until the UART has a byte.
#include <stdint.h>
#include <stdbool.h>

void board_init(void);
void board_uart_tx(int c);
bool board_uart_rx_ready(void);
int board_uart_rx(void);
uint64_t board_ticks_us(void);
void board_wait(void);          // until an interrupt (UART byte, clock tick)
void board_irq_off(void);
void board_rx_irq(bool on);     // the UART's receive interrupt on or off
void board_irq_on(void);
intptr_t board_semihost(int op, uintptr_t *args);  // QEMU semihosting call (-semihosting)
__attribute__((noreturn)) void board_exit(int code);  // ends QEMU (semihosting, test device)
