// os for the QEMU boards: the VFS functions of modvfs.c, uname, urandom.
#include <string.h>
#include "py/runtime.h"
#include "py/objtuple.h"
#include "py/objstr.h"
#include "genhdr/mpversion.h"

MP_DECLARE_CONST_FUN_OBJ_KW(qemu_vfs_mount_obj);
MP_DECLARE_CONST_FUN_OBJ_1(qemu_vfs_umount_obj);
MP_DECLARE_CONST_FUN_OBJ_1(qemu_os_chdir_obj);
MP_DECLARE_CONST_FUN_OBJ_0(qemu_os_getcwd_obj);
MP_DECLARE_CONST_FUN_OBJ_VAR_BETWEEN(qemu_os_ilistdir_obj);
MP_DECLARE_CONST_FUN_OBJ_VAR_BETWEEN(qemu_os_listdir_obj);
MP_DECLARE_CONST_FUN_OBJ_1(qemu_os_stat_obj);
MP_DECLARE_CONST_FUN_OBJ_1(qemu_os_mkdir_obj);
MP_DECLARE_CONST_FUN_OBJ_1(qemu_os_rmdir_obj);
MP_DECLARE_CONST_FUN_OBJ_1(qemu_os_remove_obj);
MP_DECLARE_CONST_FUN_OBJ_2(qemu_os_rename_obj);

static const qstr uname_fields[] = {
    MP_QSTR_sysname, MP_QSTR_nodename, MP_QSTR_release, MP_QSTR_version, MP_QSTR_machine
};
static MP_DEFINE_STR_OBJ(uname_sysname_obj, "qemu");
static MP_DEFINE_STR_OBJ(uname_release_obj, MICROPY_VERSION_STRING);
static MP_DEFINE_STR_OBJ(uname_version_obj, MICROPY_GIT_TAG " on " MICROPY_BUILD_DATE);
static MP_DEFINE_STR_OBJ(uname_machine_obj, MICROPY_HW_BOARD_NAME " with " MICROPY_HW_MCU_NAME);
static MP_DEFINE_ATTRTUPLE(uname_info_obj, uname_fields, 5,
    MP_ROM_PTR(&uname_sysname_obj), MP_ROM_PTR(&uname_sysname_obj), MP_ROM_PTR(&uname_release_obj),
    MP_ROM_PTR(&uname_version_obj), MP_ROM_PTR(&uname_machine_obj));

static mp_obj_t os_uname(void) {
    return MP_OBJ_FROM_PTR(&uname_info_obj);
}
static MP_DEFINE_CONST_FUN_OBJ_0(os_uname_obj, os_uname);

// not random: an emulated board has no entropy source (xorshift32)
static uint32_t rng_state = 2463534242u;

static mp_obj_t os_urandom(mp_obj_t n_in) {
    mp_int_t n = mp_obj_get_int(n_in);
    vstr_t v;
    vstr_init_len(&v, n);
    for (mp_int_t i = 0; i < n; i++) {
        rng_state ^= rng_state << 13;
        rng_state ^= rng_state >> 17;
        rng_state ^= rng_state << 5;
        v.buf[i] = rng_state;
    }
    return mp_obj_new_bytes_from_vstr(&v);
}
static MP_DEFINE_CONST_FUN_OBJ_1(os_urandom_obj, os_urandom);

static const mp_rom_map_elem_t os_module_globals_table[] = {
    { MP_ROM_QSTR(MP_QSTR___name__), MP_ROM_QSTR(MP_QSTR_os) },
    { MP_ROM_QSTR(MP_QSTR_uname), MP_ROM_PTR(&os_uname_obj) },
    { MP_ROM_QSTR(MP_QSTR_urandom), MP_ROM_PTR(&os_urandom_obj) },
    { MP_ROM_QSTR(MP_QSTR_sep), MP_ROM_QSTR(MP_QSTR__slash_) },
    { MP_ROM_QSTR(MP_QSTR_mount), MP_ROM_PTR(&qemu_vfs_mount_obj) },
    { MP_ROM_QSTR(MP_QSTR_umount), MP_ROM_PTR(&qemu_vfs_umount_obj) },
    { MP_ROM_QSTR(MP_QSTR_chdir), MP_ROM_PTR(&qemu_os_chdir_obj) },
    { MP_ROM_QSTR(MP_QSTR_getcwd), MP_ROM_PTR(&qemu_os_getcwd_obj) },
    { MP_ROM_QSTR(MP_QSTR_ilistdir), MP_ROM_PTR(&qemu_os_ilistdir_obj) },
    { MP_ROM_QSTR(MP_QSTR_listdir), MP_ROM_PTR(&qemu_os_listdir_obj) },
    { MP_ROM_QSTR(MP_QSTR_stat), MP_ROM_PTR(&qemu_os_stat_obj) },
    { MP_ROM_QSTR(MP_QSTR_mkdir), MP_ROM_PTR(&qemu_os_mkdir_obj) },
    { MP_ROM_QSTR(MP_QSTR_rmdir), MP_ROM_PTR(&qemu_os_rmdir_obj) },
    { MP_ROM_QSTR(MP_QSTR_remove), MP_ROM_PTR(&qemu_os_remove_obj) },
    { MP_ROM_QSTR(MP_QSTR_rename), MP_ROM_PTR(&qemu_os_rename_obj) },
};
static MP_DEFINE_CONST_DICT(os_module_globals, os_module_globals_table);

const mp_obj_module_t mp_module_os = {
    .base = { &mp_type_module },
    .globals = (mp_obj_dict_t *)&os_module_globals,
};
MP_REGISTER_MODULE(MP_QSTR_os, mp_module_os);
