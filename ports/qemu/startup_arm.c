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

static void put_str(const char *p) {
    extern void board_uart_tx(int c);
    while (*p) {
        board_uart_tx(*p++);
    }
}

static void put_hex(uint32_t v) {
    char buf[11] = "0x";
    for (int i = 0; i < 8; i++) {
        buf[2 + i] = "0123456789abcdef"[(v >> (28 - 4 * i)) & 15];
    }
    buf[10] = 0;
    put_str(buf);
}

// the exception frame's pc and lr, so that a fault in native code can be
// found (arm-none-eabi-nm on firmware.elf: frozen viper code is in flash)
__attribute__((used)) static void Fault_Report(uint32_t *frame) {
    put_str("FATAL: CPU fault at pc ");
    put_hex(frame[6]);
    put_str(" lr ");
    put_hex(frame[5]);
    put_str("\r\n");
    board_exit(4);
}

// the firmware runs on the main stack only: its frame is at msp
__attribute__((naked)) static void Fault_Handler(void) {
    __asm volatile ("mrs r0, msp\n b Fault_Report\n");
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
