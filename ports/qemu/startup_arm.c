// Cortex-M start-up: vector table and reset handler (copy .data, clear .bss).
#include <stdint.h>
#include <string.h>

extern uint32_t _estack, _sidata, _sdata, _edata, _sbss, _ebss;
extern int main(void);
extern void SysTick_Handler(void);
extern void UART_IRQHandler(void);
extern __attribute__((noreturn)) void board_exit(int code);

void Reset_Handler(void) {
    memcpy(&_sdata, &_sidata, (char *)&_edata - (char *)&_sdata);
    memset(&_sbss, 0, (char *)&_ebss - (char *)&_sbss);
    main();
    board_exit(0);
}

static void Fault_Handler(void) {
    static const char msg[] = "FATAL: CPU fault\r\n";
    extern void board_uart_tx(int c);
    for (const char *p = msg; *p; p++) {
        board_uart_tx(*p);
    }
    board_exit(4);
}

static void Default_Handler(void) {
}

#if defined(QEMU_BOARD_NRF51)
#define UART_IRQ 2
#else
#define UART_IRQ 0
#endif

__attribute__((section(".isr_vector"), used))
const void *const vector_table[16 + 32] = {
    [0] = &_estack,
    [1] = Reset_Handler,
    [2] = Default_Handler,      // NMI
    [3] = Fault_Handler,        // HardFault
    [4] = Fault_Handler,        // MemManage
    [5] = Fault_Handler,        // BusFault
    [6] = Fault_Handler,        // UsageFault
    [11] = Default_Handler,     // SVC
    [14] = Default_Handler,     // PendSV
    [15] = SysTick_Handler,
    [16 + UART_IRQ] = UART_IRQHandler,
};
