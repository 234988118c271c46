// _semihost: files of the host read through QEMU's semihosting, for the
// test harness (tools/qemuboard.py put_file): whole (load), or read on
// demand (open/readinto/seek/close: a module's .mpy costs the heap only
// what the loader keeps of it).  The UART carries a byte per
// emulated interrupt (about 20-50 us of QEMU's CPU each), so a 14 KB module
// took 0.5-0.9 s to send; one semihosting read takes it at memcpy speed.
// Only QEMU has this channel: real boards get their files over mpremote.
#include <string.h>
#include "py/runtime.h"
#include "py/objarray.h"
#include "py/mperrno.h"
#include "board.h"

// ARM/RISC-V semihosting operation numbers (the same on both)
#define SYS_OPEN  0x01
#define SYS_CLOSE 0x02
#define SYS_READ  0x06
#define SYS_SEEK  0x0A
#define SYS_FLEN  0x0C

static intptr_t semi_open(mp_obj_t path_in) {
    size_t len;
    const char *path = mp_obj_str_get_data(path_in, &len);
    uintptr_t open_args[3] = {(uintptr_t)path, 1 /* "rb" */, len};
    intptr_t fd = board_semihost(SYS_OPEN, open_args);
    if (fd < 0) {
        mp_raise_OSError(MP_ENOENT);
    }
    return fd;
}

// _semihost.load(path): the whole host file as a bytearray
static mp_obj_t semihost_load(mp_obj_t path_in) {
    intptr_t fd = semi_open(path_in);
    uintptr_t fd_arg[1] = {(uintptr_t)fd};
    intptr_t n = board_semihost(SYS_FLEN, fd_arg);
    if (n < 0) {
        board_semihost(SYS_CLOSE, fd_arg);
        mp_raise_OSError(MP_EIO);
    }
    // allocated before reading: a MemoryError here leaves the file open
    // otherwise, so close first when the heap has no room
    byte *buf = m_new_maybe(byte, n ? n : 1);
    if (buf == NULL) {
        board_semihost(SYS_CLOSE, fd_arg);
        mp_raise_msg_varg(&mp_type_MemoryError, MP_ERROR_TEXT("_semihost.load: no %d bytes"), (int)n);
    }
    uintptr_t read_args[3] = {(uintptr_t)fd, (uintptr_t)buf, (uintptr_t)n};
    intptr_t left = board_semihost(SYS_READ, read_args);   // bytes NOT read
    board_semihost(SYS_CLOSE, fd_arg);
    if (left != 0) {
        m_del(byte, buf, n ? n : 1);
        mp_raise_OSError(MP_EIO);
    }
    return mp_obj_new_bytearray_by_ref(n, buf);
}
static MP_DEFINE_CONST_FUN_OBJ_1(semihost_load_obj, semihost_load);

// _semihost.open(path): a host file descriptor (an int)
static mp_obj_t semihost_open(mp_obj_t path_in) {
    return mp_obj_new_int(semi_open(path_in));
}
static MP_DEFINE_CONST_FUN_OBJ_1(semihost_open_obj, semihost_open);

// _semihost.size(fd)
static mp_obj_t semihost_size(mp_obj_t fd_in) {
    uintptr_t args[1] = {mp_obj_get_int(fd_in)};
    intptr_t n = board_semihost(SYS_FLEN, args);
    if (n < 0) {
        mp_raise_OSError(MP_EIO);
    }
    return mp_obj_new_int(n);
}
static MP_DEFINE_CONST_FUN_OBJ_1(semihost_size_obj, semihost_size);

// _semihost.readinto(fd, buf): bytes read at the file's position
static mp_obj_t semihost_readinto(mp_obj_t fd_in, mp_obj_t buf_in) {
    mp_buffer_info_t bufinfo;
    mp_get_buffer_raise(buf_in, &bufinfo, MP_BUFFER_WRITE);
    uintptr_t args[3] = {mp_obj_get_int(fd_in), (uintptr_t)bufinfo.buf, bufinfo.len};
    intptr_t left = board_semihost(SYS_READ, args);
    if (left < 0 || (size_t)left > bufinfo.len) {
        mp_raise_OSError(MP_EIO);
    }
    return mp_obj_new_int(bufinfo.len - left);
}
static MP_DEFINE_CONST_FUN_OBJ_2(semihost_readinto_obj, semihost_readinto);

// _semihost.seek(fd, pos): from the start
static mp_obj_t semihost_seek(mp_obj_t fd_in, mp_obj_t pos_in) {
    uintptr_t args[2] = {mp_obj_get_int(fd_in), mp_obj_get_int(pos_in)};
    if (board_semihost(SYS_SEEK, args) != 0) {
        mp_raise_OSError(MP_EIO);
    }
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_2(semihost_seek_obj, semihost_seek);

static mp_obj_t semihost_close(mp_obj_t fd_in) {
    uintptr_t args[1] = {mp_obj_get_int(fd_in)};
    board_semihost(SYS_CLOSE, args);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(semihost_close_obj, semihost_close);

static const mp_rom_map_elem_t semihost_module_globals_table[] = {
    { MP_ROM_QSTR(MP_QSTR___name__), MP_ROM_QSTR(MP_QSTR__semihost) },
    { MP_ROM_QSTR(MP_QSTR_load), MP_ROM_PTR(&semihost_load_obj) },
    { MP_ROM_QSTR(MP_QSTR_open), MP_ROM_PTR(&semihost_open_obj) },
    { MP_ROM_QSTR(MP_QSTR_size), MP_ROM_PTR(&semihost_size_obj) },
    { MP_ROM_QSTR(MP_QSTR_readinto), MP_ROM_PTR(&semihost_readinto_obj) },
    { MP_ROM_QSTR(MP_QSTR_seek), MP_ROM_PTR(&semihost_seek_obj) },
    { MP_ROM_QSTR(MP_QSTR_close), MP_ROM_PTR(&semihost_close_obj) },
};
static MP_DEFINE_CONST_DICT(semihost_module_globals, semihost_module_globals_table);

const mp_obj_module_t mp_module_semihost = {
    .base = { &mp_type_module },
    .globals = (mp_obj_dict_t *)&semihost_module_globals,
};
MP_REGISTER_MODULE(MP_QSTR__semihost, mp_module_semihost);
