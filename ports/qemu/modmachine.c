// machine for the QEMU boards: mem8/mem16/mem32, reset, freq, idle, and
// UART(0): the console UART as a stream (the app manager's host link, once
// the REPL has handed the UART over to it).
#include "py/runtime.h"
#include "py/stream.h"
#include "py/mphal.h"
#include "py/mperrno.h"
#include "board.h"

// --- memN[addr] ---------------------------------------------------------
typedef struct {
    mp_obj_base_t base;
    unsigned width;
} mem_obj_t;

static mp_obj_t mem_subscr(mp_obj_t self_in, mp_obj_t index, mp_obj_t value) {
    mem_obj_t *self = MP_OBJ_TO_PTR(self_in);
    uintptr_t addr = mp_obj_get_int_truncated(index);
    if (addr & (self->width - 1)) {
        mp_raise_ValueError(MP_ERROR_TEXT("address not aligned"));
    }
    if (value == MP_OBJ_NULL) {
        return MP_OBJ_NULL;
    } else if (value == MP_OBJ_SENTINEL) {
        uint32_t v = self->width == 1 ? *(uint8_t *)addr : self->width == 2 ? *(uint16_t *)addr : *(uint32_t *)addr;
        return mp_obj_new_int_from_uint(v);
    }
    uint32_t v = mp_obj_get_int_truncated(value);
    if (self->width == 1) {
        *(uint8_t *)addr = v;
    } else if (self->width == 2) {
        *(uint16_t *)addr = v;
    } else {
        *(uint32_t *)addr = v;
    }
    return mp_const_none;
}

static MP_DEFINE_CONST_OBJ_TYPE(mem_type, MP_QSTR_mem, MP_TYPE_FLAG_NONE, subscr, mem_subscr);
static const mem_obj_t mem8_obj = {{&mem_type}, 1};
static const mem_obj_t mem16_obj = {{&mem_type}, 2};
static const mem_obj_t mem32_obj = {{&mem_type}, 4};

// --- UART(0) --------------------------------------------------------------
typedef struct {
    mp_obj_base_t base;
    mp_int_t timeout;           // ms a read waits for its first byte
} uart_obj_t;

static const mp_obj_type_t uart_type;

static mp_obj_t uart_make_new(const mp_obj_type_t *type, size_t n_args, size_t n_kw, const mp_obj_t *args) {
    mp_arg_check_num(n_args, n_kw, 1, 1, true);
    if (mp_obj_get_int(args[0]) != 0) {
        mp_raise_ValueError(MP_ERROR_TEXT("UART(0) only"));
    }
    uart_obj_t *self = mp_obj_malloc(uart_obj_t, &uart_type);
    self->timeout = 0;
    mp_map_t kw;
    mp_map_init_fixed_table(&kw, n_kw, args + n_args);
    mp_map_elem_t *e = mp_map_lookup(&kw, MP_OBJ_NEW_QSTR(MP_QSTR_timeout), MP_MAP_LOOKUP);
    if (e != NULL) {
        self->timeout = mp_obj_get_int(e->value);
    }
    return MP_OBJ_FROM_PTR(self);
}

static mp_obj_t uart_any(mp_obj_t self_in) {
    return MP_OBJ_NEW_SMALL_INT(mp_hal_rx_any());
}
static MP_DEFINE_CONST_FUN_OBJ_1(uart_any_obj, uart_any);

static mp_uint_t uart_read(mp_obj_t self_in, void *buf, mp_uint_t size, int *errcode) {
    uart_obj_t *self = MP_OBJ_TO_PTR(self_in);
    mp_uint_t t0 = mp_hal_ticks_ms();
    while (!mp_hal_rx_any()) {
        if ((mp_int_t)(mp_hal_ticks_ms() - t0) >= self->timeout) {
            *errcode = MP_EAGAIN;
            return MP_STREAM_ERROR;
        }
        mp_handle_pending(true);
        board_wait();
    }
    byte *b = buf;
    mp_uint_t n = 0;
    while (n < size && mp_hal_rx_any()) {
        b[n++] = mp_hal_stdin_rx_chr();
    }
    return n;
}

static mp_uint_t uart_write(mp_obj_t self_in, const void *buf, mp_uint_t size, int *errcode) {
    return mp_hal_stdout_tx_strn(buf, size);
}

static mp_uint_t uart_ioctl(mp_obj_t self_in, mp_uint_t request, uintptr_t arg, int *errcode) {
    if (request == MP_STREAM_POLL) {
        return mp_hal_stdio_poll(arg);
    } else if (request == MP_STREAM_FLUSH) {
        return 0;
    }
    *errcode = MP_EINVAL;
    return MP_STREAM_ERROR;
}

static const mp_stream_p_t uart_stream_p = {
    .read = uart_read,
    .write = uart_write,
    .ioctl = uart_ioctl,
    .is_text = false,
};

static const mp_rom_map_elem_t uart_locals_dict_table[] = {
    { MP_ROM_QSTR(MP_QSTR_any), MP_ROM_PTR(&uart_any_obj) },
    { MP_ROM_QSTR(MP_QSTR_read), MP_ROM_PTR(&mp_stream_read_obj) },
    { MP_ROM_QSTR(MP_QSTR_readinto), MP_ROM_PTR(&mp_stream_readinto_obj) },
    { MP_ROM_QSTR(MP_QSTR_write), MP_ROM_PTR(&mp_stream_write_obj) },
};
static MP_DEFINE_CONST_DICT(uart_locals_dict, uart_locals_dict_table);

static MP_DEFINE_CONST_OBJ_TYPE(
    uart_type, MP_QSTR_UART, MP_TYPE_FLAG_ITER_IS_STREAM,
    make_new, uart_make_new,
    protocol, &uart_stream_p,
    locals_dict, &uart_locals_dict);

// --- the rest -------------------------------------------------------------
static mp_obj_t machine_reset(void) {
    board_exit(0);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_0(machine_reset_obj, machine_reset);

static mp_obj_t machine_idle(void) {
    board_wait();
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_0(machine_idle_obj, machine_idle);

static const mp_rom_map_elem_t machine_module_globals_table[] = {
    { MP_ROM_QSTR(MP_QSTR___name__), MP_ROM_QSTR(MP_QSTR_machine) },
    { MP_ROM_QSTR(MP_QSTR_mem8), MP_ROM_PTR(&mem8_obj) },
    { MP_ROM_QSTR(MP_QSTR_mem16), MP_ROM_PTR(&mem16_obj) },
    { MP_ROM_QSTR(MP_QSTR_mem32), MP_ROM_PTR(&mem32_obj) },
    { MP_ROM_QSTR(MP_QSTR_UART), MP_ROM_PTR(&uart_type) },
    { MP_ROM_QSTR(MP_QSTR_reset), MP_ROM_PTR(&machine_reset_obj) },
    { MP_ROM_QSTR(MP_QSTR_idle), MP_ROM_PTR(&machine_idle_obj) },
};
static MP_DEFINE_CONST_DICT(machine_module_globals, machine_module_globals_table);

const mp_obj_module_t mp_module_machine = {
    .base = { &mp_type_module },
    .globals = (mp_obj_dict_t *)&machine_module_globals,
};
MP_REGISTER_MODULE(MP_QSTR_machine, mp_module_machine);
