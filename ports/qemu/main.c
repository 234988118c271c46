// Firmware entry of the QEMU boards: a GC heap of the real board's size,
// MicroPython's REPL on the UART (friendly, or raw for tools/qemu and
// mpremote), soft reset on Ctrl-D.
#include <stdio.h>
#include <string.h>
#include "py/compile.h"
#include "py/runtime.h"
#include "py/gc.h"
#include "py/mphal.h"
#include "py/stackctrl.h"
#include "shared/runtime/gchelper.h"
#include "shared/runtime/pyexec.h"
#include "shared/readline/readline.h"
#include "board.h"

static uint32_t heap[MICROPY_HEAP_SIZE / 4];
extern uint32_t _estack, _sstack;

int main(void) {
    board_init();
    for (;;) {
        mp_stack_set_top(&_estack);
        mp_stack_set_limit((char *)&_estack - (char *)&_sstack - 1024);
        gc_init(heap, (char *)heap + sizeof(heap));
        mp_init();
        // the port's root pointers point into the old heap after a soft
        // reset: modvfs.c's mount table starts empty again
        MP_STATE_VM(qemu_vfs_mounts) = MP_OBJ_NULL;
        MP_STATE_VM(qemu_vfs_cwd) = MP_OBJ_NULL;
        readline_init0();
        for (;;) {
            if (pyexec_mode_kind == PYEXEC_MODE_RAW_REPL) {
                if (pyexec_raw_repl() != 0) {
                    break;
                }
            } else {
                if (pyexec_friendly_repl() != 0) {
                    break;
                }
            }
        }
        gc_sweep_all();
        mp_deinit();
        mp_hal_stdout_tx_str("MPY: soft reboot\r\n");
    }
}

void gc_collect(void) {
    gc_collect_start();
    gc_helper_collect_regs_and_stack();
    gc_collect_end();
}

void nlr_jump_fail(void *val) {
    // an exception with no handler: one raised outside any program, as
    // MemoryError while the REPL reads a command into a full heap
    mp_hal_stdout_tx_str("FATAL: uncaught ");
    mp_hal_stdout_tx_str(mp_obj_get_type_str(MP_OBJ_FROM_PTR(val)));
    mp_hal_stdout_tx_str(" outside any program\r\n");
    board_exit(3);
}

void MP_NORETURN __fatal_error(const char *msg) {
    mp_hal_stdout_tx_str("FATAL: ");
    mp_hal_stdout_tx_str(msg);
    mp_hal_stdout_tx_str("\r\n");
    board_exit(3);
}

#ifndef NDEBUG
void MP_WEAK __assert_func(const char *file, int line, const char *func, const char *expr) {
    mp_printf(&mp_plat_print, "Assertion '%s' failed, at file %s:%d\n", expr, file, line);
    __fatal_error("assertion failed");
}
#endif
