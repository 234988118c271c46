// Cortex-M boards: QEMU's `microbit` (nRF51, Cortex-M0) with RP2040-sized
// memories and `mps2-an386` (Cortex-M4F).  The UART receives into hal.c's
// ring buffer from its interrupt; SysTick counts milliseconds.
#include "board.h"

#define REG(a) (*(volatile uint32_t *)(a))

#define SYST_CSR   REG(0xE000E010)
#define SYST_RVR   REG(0xE000E014)
#define SYST_CVR   REG(0xE000E018)
#define NVIC_ISER0 REG(0xE000E100)
#define SCB_CPACR  REG(0xE000ED88)

static volatile uint32_t ms_count;

void SysTick_Handler(void) {
    ms_count++;
}

extern void hal_rx_isr(void);

void UART_IRQHandler(void) {
    hal_rx_isr();
}

#if defined(QEMU_BOARD_NRF51)
// nRF51 UART0 and its clock (QEMU's nrf51_soc runs the CPU at 16 MHz)
#define UART 0x40002000
#define U_STARTRX REG(UART + 0x000)
#define U_STARTTX REG(UART + 0x008)
#define U_RXDRDY  REG(UART + 0x108)
#define U_TXDRDY  REG(UART + 0x11C)
#define U_INTENSET REG(UART + 0x304)
#define U_ENABLE  REG(UART + 0x500)
#define U_RXD     REG(UART + 0x518)
#define U_TXD     REG(UART + 0x51C)
#define UART_IRQ  2
#define CPU_HZ    16000000

static void uart_init(void) {
    U_ENABLE = 4;
    U_STARTTX = 1;
    U_STARTRX = 1;
    U_INTENSET = 1 << 2;    // RXDRDY
}

void board_uart_tx(int c) {
    U_TXDRDY = 0;
    U_TXD = c;
    while (!U_TXDRDY) {
    }
}

bool board_uart_rx_ready(void) {
    return U_RXDRDY != 0;
}

int board_uart_rx(void) {
    U_RXDRDY = 0;
    return U_RXD & 0xff;
}

#else
// MPS2 AN386: CMSDK APB UART0, 25 MHz system clock
#define UART 0x40004000
#define U_DATA    REG(UART + 0x00)
#define U_STATE   REG(UART + 0x04)
#define U_CTRL    REG(UART + 0x08)
#define U_INT     REG(UART + 0x0C)
#define U_BAUDDIV REG(UART + 0x10)
#define UART_IRQ  0             // UART0 RX
#define CPU_HZ    25000000

static void uart_init(void) {
    U_BAUDDIV = 16;
    U_CTRL = 1 | 2 | 8;         // TX, RX, RX interrupt
}

void board_uart_tx(int c) {
    while (U_STATE & 1) {
    }
    U_DATA = c;
}

bool board_uart_rx_ready(void) {
    return (U_STATE & 2) != 0;
}

int board_uart_rx(void) {
    int c = U_DATA & 0xff;
    U_INT = 2;                  // clear the RX interrupt
    return c;
}
#endif

void board_init(void) {
    #if defined(__ARM_FP)
    SCB_CPACR |= 0xF << 20;     // CP10, CP11: the FPU
    __asm volatile ("dsb\n isb");
    #endif
    uart_init();
    SYST_RVR = CPU_HZ / 1000 - 1;
    SYST_CVR = 0;
    SYST_CSR = 7;               // processor clock, interrupt, on
    NVIC_ISER0 = 1u << UART_IRQ;
    __asm volatile ("cpsie i");
}

uint64_t board_ticks_us(void) {
    uint32_t ms, cvr;
    do {
        ms = ms_count;
        cvr = SYST_CVR;
    } while (ms != ms_count);
    return (uint64_t)ms * 1000 + (SYST_RVR - cvr) / (CPU_HZ / 1000000);
}

#define NVIC_ICER0 REG(0xE000E180)

void board_rx_irq(bool on) {
    if (on) {
        NVIC_ISER0 = 1u << UART_IRQ;
    } else {
        NVIC_ICER0 = 1u << UART_IRQ;
    }
}

void board_wait(void) {
    __asm volatile ("wfi");
}

void board_irq_off(void) {
    __asm volatile ("cpsid i" ::: "memory");
}

void board_irq_on(void) {
    __asm volatile ("cpsie i" ::: "memory");
}

intptr_t board_semihost(int op, uintptr_t *args) {
    register intptr_t r0 __asm__ ("r0") = op;
    register uintptr_t *r1 __asm__ ("r1") = args;
    __asm volatile ("bkpt 0xab" : "+r" (r0) : "r" (r1) : "memory");
    return r0;
}

void board_exit(int code) {
    // ARM semihosting SYS_EXIT_EXTENDED (QEMU runs with -semihosting)
    uint32_t block[2] = {0x20026, (uint32_t)code};
    register uint32_t r0 __asm__ ("r0") = 0x20;
    register uint32_t *r1 __asm__ ("r1") = block;
    __asm volatile ("bkpt 0xab" : : "r" (r0), "r" (r1) : "memory");
    for (;;) {
    }
}
