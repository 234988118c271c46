// unix32: `select.poll` on poll(2) (extmod/modselect.c is not in the PyPI
// core): register, unregister, modify, poll(timeout_ms) and
// ipoll(timeout_ms, flags), with POLLIN/POLLOUT/POLLERR/POLLHUP, over any
// stream that names its file descriptor (sockets, files, sys.stdin/stdout).
// A stream without one (an io.IOBase subclass) is asked through the
// MP_STREAM_POLL ioctl instead, every millisecond while the call waits.
// A closed stream is reported at once, as POLLERR|POLLHUP, so an asyncio
// task waiting on it wakes up (and gets its error from the next read).
#include <errno.h>
#include <poll.h>

#include "py/runtime.h"
#include "py/stream.h"
#include "py/mphal.h"

#if MICROPY_PY_SELECT

#define EV_IN  (MP_STREAM_POLL_RD)
#define EV_OUT (MP_STREAM_POLL_WR)
#define EV_ERR (MP_STREAM_POLL_ERR)
#define EV_HUP (MP_STREAM_POLL_HUP)

typedef struct _poll_obj_t {
    mp_obj_base_t base;
    mp_map_t map;       // stream -> event mask (small int), in order
} poll_obj_t;

static mp_obj_t poll_register(size_t n_args, const mp_obj_t *args) {
    poll_obj_t *self = MP_OBJ_TO_PTR(args[0]);
    mp_int_t mask = n_args > 2 ? mp_obj_get_int(args[2]) : (EV_IN | EV_OUT);
    // not a stream: the error comes now, not at the next poll
    mp_get_stream_raise(args[1], MP_STREAM_OP_IOCTL);
    mp_map_lookup(&self->map, args[1], MP_MAP_LOOKUP_ADD_IF_NOT_FOUND)->value =
        MP_OBJ_NEW_SMALL_INT(mask);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(poll_register_obj, 2, 3, poll_register);

static mp_obj_t poll_unregister(mp_obj_t self_in, mp_obj_t obj) {
    poll_obj_t *self = MP_OBJ_TO_PTR(self_in);
    mp_map_lookup(&self->map, obj, MP_MAP_LOOKUP_REMOVE_IF_FOUND);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_2(poll_unregister_obj, poll_unregister);

static mp_obj_t poll_modify(mp_obj_t self_in, mp_obj_t obj, mp_obj_t mask) {
    poll_obj_t *self = MP_OBJ_TO_PTR(self_in);
    mp_map_elem_t *e = mp_map_lookup(&self->map, obj, MP_MAP_LOOKUP);
    if (e == NULL) {
        mp_raise_OSError(MP_ENOENT);
    }
    e->value = MP_OBJ_NEW_SMALL_INT(mp_obj_get_int(mask));
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_3(poll_modify_obj, poll_modify);

// fd of a stream; -1 when it is closed, -2 when it has none
static int stream_fd(mp_obj_t obj) {
    const mp_stream_p_t *p = mp_get_stream(obj);
    int err = 0;
    mp_uint_t fd = p->ioctl(obj, MP_STREAM_GET_FILENO, 0, &err);
    if (fd == MP_STREAM_ERROR) {
        // a closed socket or file answers fd -1, which is MP_STREAM_ERROR
        // too: only a real error (no fileno) sets an error code
        return err ? -2 : -1;
    }
    return (int)fd;
}

// One pass: poll(2) over the streams with fds for up to `timeout` ms (0
// when some stream is ready without it: closed, or answered by ioctl; at
// most 1 when a stream without fd must be asked again); appends the ready
// (stream, events) pairs to `out`, returns how many.  poll(2) gives no
// events for the fd -1 those entries have, so theirs are kept apart.
static size_t poll_once(poll_obj_t *self, int timeout, mp_obj_t out, int oneshot) {
    size_t n = self->map.alloc ? self->map.alloc : 1;
    struct pollfd *pfd = m_new(struct pollfd, n);
    int16_t *pre = m_new(int16_t, n);  // events found without poll(2), -1: ask poll(2)
    for (size_t i = 0; i < self->map.alloc; i++) {
        mp_map_elem_t *e = &self->map.table[i];
        pfd[i].fd = -1;
        pfd[i].events = 0;
        pfd[i].revents = 0;
        pre[i] = 0;
        if (!mp_map_slot_is_filled(&self->map, i)) {
            continue;
        }
        mp_int_t want = MP_OBJ_SMALL_INT_VALUE(e->value);
        int fd = stream_fd(e->key);
        if (fd == -1) {
            pre[i] = EV_ERR | EV_HUP;
            timeout = 0;
        } else if (fd == -2) {
            const mp_stream_p_t *p = mp_get_stream(e->key);
            int err = 0;
            mp_uint_t got = p->ioctl(e->key, MP_STREAM_POLL, want, &err);
            got = got == MP_STREAM_ERROR ? EV_ERR : got;
            pre[i] = got & (want | EV_ERR | EV_HUP);
            if (pre[i]) {
                timeout = 0;
            } else if (timeout < 0 || timeout > 1) {
                timeout = 1;
            }
        } else {
            pre[i] = -1;
            pfd[i].fd = fd;
            pfd[i].events = (want & EV_IN ? POLLIN : 0) | (want & EV_OUT ? POLLOUT : 0);
        }
    }
    int r = poll(pfd, self->map.alloc, timeout);
    if (r < 0 && errno != EINTR) {
        int e = errno;
        m_del(int16_t, pre, n);
        m_del(struct pollfd, pfd, n);
        mp_raise_OSError(e);
    }
    size_t count = 0;
    for (size_t i = 0; i < self->map.alloc; i++) {
        mp_uint_t ev = pre[i];
        if (pre[i] < 0) {
            short rv = pfd[i].revents;
            ev = (rv & POLLIN ? EV_IN : 0) | (rv & POLLOUT ? EV_OUT : 0)
                | (rv & POLLERR ? EV_ERR : 0) | (rv & POLLHUP ? EV_HUP : 0)
                | (rv & POLLNVAL ? EV_ERR | EV_HUP : 0);
        }
        if (!ev) {
            continue;
        }
        mp_map_elem_t *e = &self->map.table[i];
        mp_obj_t pair[2] = {e->key, MP_OBJ_NEW_SMALL_INT(ev)};
        mp_obj_list_append(out, mp_obj_new_tuple(2, pair));
        if (oneshot) {
            e->value = MP_OBJ_NEW_SMALL_INT(0);
        }
        count++;
    }
    m_del(int16_t, pre, n);
    m_del(struct pollfd, pfd, n);
    return count;
}

// poll(timeout_ms=-1): a list of the ready (stream, events) pairs, empty
// when the time ran out
static mp_obj_t poll_poll(size_t n_args, const mp_obj_t *args) {
    poll_obj_t *self = MP_OBJ_TO_PTR(args[0]);
    mp_int_t timeout = -1;
    if (n_args > 1 && args[1] != mp_const_none) {
        timeout = mp_obj_get_int(args[1]);
    }
    int oneshot = n_args > 2 && (mp_obj_get_int(args[2]) & 1);
    mp_obj_t out = mp_obj_new_list(0, NULL);
    mp_uint_t start = mp_hal_ticks_ms();
    for (;;) {
        mp_int_t left = timeout;
        if (timeout >= 0) {
            left = timeout - (mp_int_t)(mp_hal_ticks_ms() - start);
            left = left < 0 ? 0 : left;
        }
        if (poll_once(self, left, out, oneshot) || left == 0) {
            return out;
        }
        // woken by a signal or a stream without fd: run pending handlers
        // (KeyboardInterrupt) and wait again for the rest of the time
        mp_handle_pending(true);
    }
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(poll_poll_obj, 1, 3, poll_poll);

// ipoll(timeout_ms=-1, flags=0): the same pairs to iterate over; flags 1
// is one-shot (a reported stream's mask becomes 0 until modify())
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
    mp_map_init(&self->map, 0);
    return MP_OBJ_FROM_PTR(self);
}
static MP_DEFINE_CONST_FUN_OBJ_0(select_poll_obj, select_poll);

static const mp_rom_map_elem_t select_globals_table[] = {
    { MP_ROM_QSTR(MP_QSTR___name__), MP_ROM_QSTR(MP_QSTR_select) },
    { MP_ROM_QSTR(MP_QSTR_poll), MP_ROM_PTR(&select_poll_obj) },
    { MP_ROM_QSTR(MP_QSTR_POLLIN), MP_ROM_INT(EV_IN) },
    { MP_ROM_QSTR(MP_QSTR_POLLOUT), MP_ROM_INT(EV_OUT) },
    { MP_ROM_QSTR(MP_QSTR_POLLERR), MP_ROM_INT(EV_ERR) },
    { MP_ROM_QSTR(MP_QSTR_POLLHUP), MP_ROM_INT(EV_HUP) },
};
static MP_DEFINE_CONST_DICT(select_globals, select_globals_table);

const mp_obj_module_t mp_module_select = {
    .base = { &mp_type_module },
    .globals = (mp_obj_dict_t *)&select_globals,
};

MP_REGISTER_MODULE(MP_QSTR_select, mp_module_select);

#endif // MICROPY_PY_SELECT
