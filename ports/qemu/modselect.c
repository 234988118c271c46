// select for the QEMU boards (extmod/ is not in the PyPI core): poll
// objects over the stream protocol's MP_STREAM_POLL ioctl, which the
// console (sys.stdin/stdout), machine.UART and io.IOBase subclasses answer.
// What mpremote's `mount` and asyncio-style loops call: poll(),
// register, unregister, modify, poll(timeout_ms) and ipoll(timeout_ms).
// While nothing is ready the CPU sleeps (wfi) until an interrupt: a UART
// byte or the 1 ms clock.
#include "py/runtime.h"
#include "py/stream.h"
#include "py/mphal.h"
#include "board.h"

#define POLLIN  (MP_STREAM_POLL_RD)
#define POLLOUT (MP_STREAM_POLL_WR)
#define POLLERR (MP_STREAM_POLL_ERR)
#define POLLHUP (MP_STREAM_POLL_HUP)

typedef struct _poll_obj_t {
    mp_obj_base_t base;
    mp_obj_t entries;   // list of [obj, mask] lists, in registration order
} poll_obj_t;

static mp_obj_t find_entry(poll_obj_t *self, mp_obj_t obj) {
    size_t n;
    mp_obj_t *items;
    mp_obj_list_get(self->entries, &n, &items);
    for (size_t i = 0; i < n; i++) {
        size_t two;
        mp_obj_t *e;
        mp_obj_list_get(items[i], &two, &e);
        if (e[0] == obj) {
            return items[i];
        }
    }
    return MP_OBJ_NULL;
}

static mp_obj_t poll_register(size_t n_args, const mp_obj_t *args) {
    poll_obj_t *self = MP_OBJ_TO_PTR(args[0]);
    mp_int_t mask = n_args > 2 ? mp_obj_get_int(args[2]) : (POLLIN | POLLOUT);
    // a stream or nothing: the error comes now, not at the first poll
    mp_get_stream_raise(args[1], MP_STREAM_OP_IOCTL);
    mp_obj_t e = find_entry(self, args[1]);
    if (e != MP_OBJ_NULL) {
        mp_obj_list_store(e, MP_OBJ_NEW_SMALL_INT(1), MP_OBJ_NEW_SMALL_INT(mask));
    } else {
        mp_obj_t pair[2] = {args[1], MP_OBJ_NEW_SMALL_INT(mask)};
        mp_obj_list_append(self->entries, mp_obj_new_list(2, pair));
    }
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(poll_register_obj, 2, 3, poll_register);

static mp_obj_t poll_unregister(mp_obj_t self_in, mp_obj_t obj) {
    poll_obj_t *self = MP_OBJ_TO_PTR(self_in);
    mp_obj_t e = find_entry(self, obj);
    if (e != MP_OBJ_NULL) {
        mp_obj_t dest[3];
        mp_load_method(self->entries, MP_QSTR_remove, dest);
        dest[2] = e;
        mp_call_method_n_kw(1, 0, dest);
    }
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_2(poll_unregister_obj, poll_unregister);

static mp_obj_t poll_modify(mp_obj_t self_in, mp_obj_t obj, mp_obj_t mask) {
    poll_obj_t *self = MP_OBJ_TO_PTR(self_in);
    mp_obj_t e = find_entry(self, obj);
    if (e == MP_OBJ_NULL) {
        mp_raise_OSError(MP_ENOENT);
    }
    mp_obj_list_store(e, MP_OBJ_NEW_SMALL_INT(1), mask);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_3(poll_modify_obj, poll_modify);

// the (obj, events) pairs that are ready now, as a list (empty: none)
static mp_obj_t ready_now(poll_obj_t *self) {
    mp_obj_t out = mp_obj_new_list(0, NULL);
    size_t n;
    mp_obj_t *items;
    mp_obj_list_get(self->entries, &n, &items);
    for (size_t i = 0; i < n; i++) {
        size_t two;
        mp_obj_t *e;
        mp_obj_list_get(items[i], &two, &e);
        mp_uint_t want = mp_obj_get_int(e[1]) | POLLERR | POLLHUP;
        const mp_stream_p_t *p = mp_get_stream(e[0]);
        int err = 0;
        mp_uint_t got = p->ioctl(e[0], MP_STREAM_POLL, want, &err);
        if (got == MP_STREAM_ERROR) {
            got = POLLERR;
        }
        got &= want;
        if (got) {
            mp_obj_t pair[2] = {e[0], MP_OBJ_NEW_SMALL_INT(got)};
            mp_obj_list_append(out, mp_obj_new_tuple(2, pair));
        }
        mp_obj_list_get(self->entries, &n, &items);
    }
    return out;
}

// poll(timeout_ms=-1): waits until something is ready or the time is up
static mp_obj_t poll_poll(size_t n_args, const mp_obj_t *args) {
    poll_obj_t *self = MP_OBJ_TO_PTR(args[0]);
    mp_int_t timeout = -1;
    if (n_args > 1 && args[1] != mp_const_none) {
        timeout = mp_obj_get_int(args[1]);
    }
    mp_uint_t start = mp_hal_ticks_ms();
    for (;;) {
        mp_obj_t out = ready_now(self);
        size_t n;
        mp_obj_t *items;
        mp_obj_list_get(out, &n, &items);
        if (n || (timeout >= 0 && (mp_int_t)(mp_hal_ticks_ms() - start) >= timeout)) {
            return out;
        }
        mp_handle_pending(true);
        board_wait();
    }
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(poll_poll_obj, 1, 3, poll_poll);

// ipoll(timeout_ms=-1, flags=0): the same pairs, to iterate over
static mp_obj_t poll_ipoll(size_t n_args, const mp_obj_t *args) {
    return mp_getiter(poll_poll(n_args, args), NULL);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(poll_ipoll_obj, 1, 3, poll_ipoll);

static const mp_rom_map_elem_t poll_locals_table[] = {
    { MP_ROM_QSTR(MP_QSTR_register), MP_ROM_PTR(&poll_register_obj) },
    { MP_ROM_QSTR(MP_QSTR_unregister), MP_ROM_PTR(&poll_unregister_obj) },
    { MP_ROM_QSTR(MP_QSTR_modify), MP_ROM_PTR(&poll_modify_obj) },
    { MP_ROM_QSTR(MP_QSTR_poll), MP_ROM_PTR(&poll_poll_obj) },
    { MP_ROM_QSTR(MP_QSTR_ipoll), MP_ROM_PTR(&poll_ipoll_obj) },
};
static MP_DEFINE_CONST_DICT(poll_locals, poll_locals_table);

static MP_DEFINE_CONST_OBJ_TYPE(
    poll_type, MP_QSTR_poll, MP_TYPE_FLAG_NONE,
    locals_dict, &poll_locals
    );

static mp_obj_t select_poll(void) {
    poll_obj_t *self = mp_obj_malloc(poll_obj_t, &poll_type);
    self->entries = mp_obj_new_list(0, NULL);
    return MP_OBJ_FROM_PTR(self);
}
static MP_DEFINE_CONST_FUN_OBJ_0(select_poll_obj, select_poll);

static const mp_rom_map_elem_t select_globals_table[] = {
    { MP_ROM_QSTR(MP_QSTR___name__), MP_ROM_QSTR(MP_QSTR_select) },
    { MP_ROM_QSTR(MP_QSTR_poll), MP_ROM_PTR(&select_poll_obj) },
    { MP_ROM_QSTR(MP_QSTR_POLLIN), MP_ROM_INT(POLLIN) },
    { MP_ROM_QSTR(MP_QSTR_POLLOUT), MP_ROM_INT(POLLOUT) },
    { MP_ROM_QSTR(MP_QSTR_POLLERR), MP_ROM_INT(POLLERR) },
    { MP_ROM_QSTR(MP_QSTR_POLLHUP), MP_ROM_INT(POLLHUP) },
};
static MP_DEFINE_CONST_DICT(select_globals, select_globals_table);

const mp_obj_module_t qemu_select_module = {
    .base = { &mp_type_module },
    .globals = (mp_obj_dict_t *)&select_globals,
};
MP_REGISTER_MODULE(MP_QSTR_select, qemu_select_module);
