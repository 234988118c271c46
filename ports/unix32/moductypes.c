// unix32: the address functions of `uctypes` (upstream's extmod/moductypes.c
// is not in the sdists; struct descriptors are left out).  rp2/esp32 have
// uctypes, and wamr_mpy/native.py uses addressof() to map memoryviews of
// app memory back to app addresses.

#include "py/runtime.h"

static mp_obj_t uctypes_addressof(mp_obj_t buf) {
    mp_buffer_info_t bufinfo;
    mp_get_buffer_raise(buf, &bufinfo, MP_BUFFER_READ);
    return mp_obj_new_int_from_uint((uintptr_t)bufinfo.buf);
}
static MP_DEFINE_CONST_FUN_OBJ_1(uctypes_addressof_obj, uctypes_addressof);

static mp_obj_t uctypes_bytes_at(mp_obj_t ptr, mp_obj_t size) {
    return mp_obj_new_bytes((void *)(uintptr_t)mp_obj_int_get_truncated(ptr), mp_obj_int_get_truncated(size));
}
static MP_DEFINE_CONST_FUN_OBJ_2(uctypes_bytes_at_obj, uctypes_bytes_at);

static mp_obj_t uctypes_bytearray_at(mp_obj_t ptr, mp_obj_t size) {
    return mp_obj_new_bytearray_by_ref(mp_obj_int_get_truncated(size), (void *)(uintptr_t)mp_obj_int_get_truncated(ptr));
}
static MP_DEFINE_CONST_FUN_OBJ_2(uctypes_bytearray_at_obj, uctypes_bytearray_at);

static const mp_rom_map_elem_t uctypes_module_globals_table[] = {
    { MP_ROM_QSTR(MP_QSTR___name__), MP_ROM_QSTR(MP_QSTR_uctypes) },
    { MP_ROM_QSTR(MP_QSTR_addressof), MP_ROM_PTR(&uctypes_addressof_obj) },
    { MP_ROM_QSTR(MP_QSTR_bytes_at), MP_ROM_PTR(&uctypes_bytes_at_obj) },
    { MP_ROM_QSTR(MP_QSTR_bytearray_at), MP_ROM_PTR(&uctypes_bytearray_at_obj) },
};
static MP_DEFINE_CONST_DICT(uctypes_module_globals, uctypes_module_globals_table);

const mp_obj_module_t mp_module_uctypes = {
    .base = { &mp_type_module },
    .globals = (mp_obj_dict_t *)&uctypes_module_globals,
};

MP_REGISTER_MODULE(MP_QSTR_uctypes, mp_module_uctypes);
