// MicroPython configuration of the QEMU boards (ports/qemu): bare-metal
// firmware for an emulated Cortex-M0 (QEMU_RPI_PICO), Cortex-M4F
// (QEMU_RPI_PICO2) and RV32IMC (QEMU_ESP32_C3) with the feature level of
// rp2/esp32 firmware, single-precision float, the native emitter of the
// CPU, and the wamr_mpy runtime frozen in.  The Makefile sets QEMU_BOARD_*,
// MICROPY_HEAP_SIZE (the real board's heap) and MICROPY_HW_BOARD_NAME.

#include <stdint.h>

#define MICROPY_CONFIG_ROM_LEVEL        (MICROPY_CONFIG_ROM_LEVEL_EXTRA_FEATURES)

#define MICROPY_OBJ_REPR                (MICROPY_OBJ_REPR_A)
#define MICROPY_LONGINT_IMPL            (MICROPY_LONGINT_IMPL_MPZ)
#define MICROPY_FLOAT_IMPL              (MICROPY_FLOAT_IMPL_FLOAT)

#if defined(__riscv)
#define MICROPY_EMIT_RV32               (1)
#define MICROPY_HW_MCU_NAME             "rv32imc"
#elif defined(__thumb2__)
#define MICROPY_EMIT_THUMB              (1)
#define MICROPY_EMIT_THUMB_ARMV7M       (1)
#define MICROPY_HW_MCU_NAME             "cortex-m4f"
#define MICROPY_MAKE_POINTER_CALLABLE(p) ((void *)((uintptr_t)(p) | 1))
#else
#define MICROPY_EMIT_THUMB              (1)
#define MICROPY_EMIT_THUMB_ARMV7M       (0)
#define MICROPY_HW_MCU_NAME             "cortex-m0"
#define MICROPY_MAKE_POINTER_CALLABLE(p) ((void *)((uintptr_t)(p) | 1))
#endif
#define MICROPY_PERSISTENT_CODE_LOAD    (1)

#define MICROPY_ENABLE_GC               (1)
#define MICROPY_STACK_CHECK             (1)
#define MICROPY_ENABLE_EMERGENCY_EXCEPTION_BUF (1)
#define MICROPY_EMERGENCY_EXCEPTION_BUF_SIZE (256)
#define MICROPY_ERROR_REPORTING         (MICROPY_ERROR_REPORTING_NORMAL)
#define MICROPY_ENABLE_SOURCE_LINE      (1)
#define MICROPY_ENABLE_FINALISER        (1)
#define MICROPY_FLOAT_HIGH_QUALITY_HASH (0)
#define MICROPY_USE_INTERNAL_PRINTF     (1)
#define MICROPY_USE_INTERNAL_ERRNO      (1)
#define MICROPY_SCHEDULER_DEPTH         (8)
#define MICROPY_KBD_EXCEPTION           (1)
#define MICROPY_HELPER_REPL             (1)
#define MICROPY_REPL_AUTO_INDENT        (1)

// Imports and open() go through this port's small VFS (modvfs.c): objects
// with stat/open methods mounted at a path, as the runtime's aot loader and
// mpremote's `mount` expect; no filesystem of its own.
#define MICROPY_ENABLE_EXTERNAL_IMPORT  (1)
#define MICROPY_READER_VFS              (1)    // mp_reader_new_file: modvfs.c
#define MICROPY_PY___FILE__             (1)
#define MICROPY_ALLOC_PATH_MAX          (256)

#define MICROPY_PY_BUILTINS_HELP        (0)
#define MICROPY_PY_BUILTINS_INPUT       (1)
#define MICROPY_PY_SYS_STDFILES         (1)
#define MICROPY_PY_SYS_STDIO_BUFFER     (1)
#define MICROPY_PY_SYS_PLATFORM         "qemu"
#define MICROPY_PY_SYS_MAXSIZE          (1)
#define MICROPY_PY_SYS_EXIT             (1)
#define MICROPY_PY_IO                   (1)
#define MICROPY_PY_IO_IOBASE            (1)
#define MICROPY_PY_IO_BYTESIO           (1)
#define MICROPY_PY_ARRAY                (1)
#define MICROPY_PY_STRUCT               (1)
#define MICROPY_PY_MATH                 (1)
#define MICROPY_PY_CMATH                (0)
#define MICROPY_PY_GC                   (1)
#define MICROPY_PY_ERRNO                (1)
#define MICROPY_PY_MICROPYTHON_MEM_INFO (1)
#define MICROPY_PY_COLLECTIONS_DEQUE    (1)
#define MICROPY_PY_COLLECTIONS_ORDEREDDICT (1)
#define MICROPY_PY_THREAD               (0)

// extmod/ is not in the sdist: os, time, vfs, select and machine are this
// port's own (modos.c, modtime.c, modvfs.c, modselect.c, modmachine.c)
#define MICROPY_PY_OS                   (0)
#define MICROPY_PY_TIME                 (0)
#define MICROPY_PY_RANDOM               (0)
#define MICROPY_PY_JSON                 (0)
#define MICROPY_PY_RE                   (0)
#define MICROPY_PY_HEAPQ                (0)
#define MICROPY_PY_HASHLIB              (0)
#define MICROPY_PY_BINASCII             (0)
#define MICROPY_PY_UCTYPES              (0)
#define MICROPY_PY_DEFLATE              (0)
#define MICROPY_PY_MACHINE              (0)
#define MICROPY_PY_ASYNCIO              (0)
#define MICROPY_PY_FRAMEBUF             (0)
#define MICROPY_PY_PLATFORM             (0)
#define MICROPY_PY_SELECT               (0)
#define MICROPY_PY_WEBSOCKET            (0)
#define MICROPY_PY_SSL                  (0)
#define MICROPY_PY_BTREE                (0)
#define MICROPY_VFS                     (0)

// The UART is polled: the VM polls it every so often, so Ctrl-C stops a
// running program (mp_hal_poll_rx in uart.c)
#define MICROPY_VM_HOOK_COUNT           (64)
#define MICROPY_VM_HOOK_INIT            static unsigned int vm_hook_divisor = MICROPY_VM_HOOK_COUNT;
#define MICROPY_VM_HOOK_POLL            if (--vm_hook_divisor == 0) { \
        vm_hook_divisor = MICROPY_VM_HOOK_COUNT; \
        extern void mp_hal_poll_rx(void); \
        mp_hal_poll_rx(); \
}
#define MICROPY_VM_HOOK_LOOP            MICROPY_VM_HOOK_POLL
#define MICROPY_VM_HOOK_RETURN          MICROPY_VM_HOOK_POLL

typedef intptr_t mp_int_t;
typedef uintptr_t mp_uint_t;
typedef long mp_off_t;
#define MP_SSIZE_MAX (0x7fffffff)

#define MP_PLAT_PRINT_STRN(str, len) mp_hal_stdout_tx_strn_cooked(str, len)
#define MP_STATE_PORT MP_STATE_VM

#include <alloca.h>
