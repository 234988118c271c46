// RISC-V board: QEMU's `virt` with a 32-bit CPU.  NS16550A UART; the CPU
// sleeps in wfi until the PLIC raises the UART's interrupt (taken by no
// handler: mstatus.MIE stays 0, wfi only waits for it); the clock is the
// CLINT's 10 MHz mtime.
#include "board.h"

#define REG8(a)  (*(volatile uint8_t *)(a))
#define REG32(a) (*(volatile uint32_t *)(a))

#define UART 0x10000000
#define U_RBR REG8(UART + 0)
#define U_THR REG8(UART + 0)
#define U_IER REG8(UART + 1)
#define U_FCR REG8(UART + 2)
#define U_LSR REG8(UART + 5)
#define UART_IRQ 10

#define PLIC 0x0C000000
#define PLIC_PRIO(n)  REG32(PLIC + 4 * (n))
#define PLIC_ENABLE   REG32(PLIC + 0x2000)
#define PLIC_THRESH   REG32(PLIC + 0x200000)
#define PLIC_CLAIM    REG32(PLIC + 0x200004)

#define MTIME_LO REG32(0x0200BFF8)
#define MTIME_HI REG32(0x0200BFFC)

void board_init(void) {
    U_FCR = 1;
    U_IER = 1;                  // received-data interrupt
    PLIC_PRIO(UART_IRQ) = 1;
    PLIC_ENABLE = 1u << UART_IRQ;
    PLIC_THRESH = 0;
    // MEIE, MTIE: wfi wakes for the UART and for the timer set in board_wait
    // csrs mie, rs (as .insn: Debian's gcc 12 takes no Zicsr in -march
    // with picolibc's rv32im multilib)
    __asm volatile (".insn i 0x73, 2, x0, %0, 0x304" : : "r" ((1u << 11) | (1u << 7)));
}

void board_uart_tx(int c) {
    while (!(U_LSR & 0x20)) {
    }
    U_THR = c;
}

bool board_uart_rx_ready(void) {
    return (U_LSR & 1) != 0;
}

int board_uart_rx(void) {
    return U_RBR;
}

uint64_t board_ticks_us(void) {
    uint32_t hi, lo;
    do {
        hi = MTIME_HI;
        lo = MTIME_LO;
    } while (hi != MTIME_HI);
    return (((uint64_t)hi << 32) | lo) / 10;
}

#define MTIMECMP_LO REG32(0x02004000)
#define MTIMECMP_HI REG32(0x02004004)

void board_wait(void) {
    // wake in 1 ms at the latest, as SysTick does on the Cortex-M boards
    uint64_t t = board_ticks_us() * 10 + 10000;
    MTIMECMP_HI = 0xFFFFFFFF;
    MTIMECMP_LO = (uint32_t)t;
    MTIMECMP_HI = (uint32_t)(t >> 32);
    if (!board_uart_rx_ready()) {
        __asm volatile ("wfi");
    }
    uint32_t id = PLIC_CLAIM;
    if (id) {
        PLIC_CLAIM = id;
    }
}

void board_rx_irq(bool on) {
    (void)on;                   // polled: the interrupt only ends wfi
}

void board_irq_off(void) {
}

void board_irq_on(void) {
}

intptr_t board_semihost(int op, uintptr_t *args) {
    // the RISC-V semihosting sequence: uncompressed, and in one page (the
    // alignment keeps its three words together)
    register intptr_t a0 __asm__ ("a0") = op;
    register uintptr_t *a1 __asm__ ("a1") = args;
    __asm volatile (
        ".option push\n"
        ".option norvc\n"
        ".balign 16\n"
        "slli x0, x0, 0x1f\n"
        "ebreak\n"
        "srai x0, x0, 7\n"
        ".option pop\n"
        : "+r" (a0) : "r" (a1) : "memory");
    return a0;
}

void board_exit(int code) {
    // QEMU virt's test device (sifive_test): 0x5555 passes, code << 16 | 0x3333 fails
    REG32(0x100000) = code ? ((uint32_t)code << 16) | 0x3333 : 0x5555;
    for (;;) {
    }
}
