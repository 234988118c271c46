// A small VFS for the QEMU boards (extmod/ is not in the PyPI core): Python
// objects with MicroPython's VFS methods (stat, open, ilistdir, chdir,
// mkdir, remove, rename, rmdir) mounted at paths.  Imports, open() and the
// `os` functions go through it, so the runtime's aot loader (an in-memory
// filesystem of .mpy files) and `mpremote mount` (a filesystem served by
// the host over the UART) work.  There is no filesystem of its own.
#include <string.h>
#include "py/runtime.h"
#include "py/builtin.h"
#include "py/stream.h"
#include "py/reader.h"
#include "py/lexer.h"
#include "py/mperrno.h"
#include "py/objstr.h"

// mounts: a list of (path, vfs object), longest path first; cwd: a str
MP_REGISTER_ROOT_POINTER(mp_obj_t qemu_vfs_mounts);
MP_REGISTER_ROOT_POINTER(mp_obj_t qemu_vfs_cwd);

static mp_obj_t mounts(void) {
    if (MP_STATE_VM(qemu_vfs_mounts) == MP_OBJ_NULL) {
        MP_STATE_VM(qemu_vfs_mounts) = mp_obj_new_list(0, NULL);
    }
    return MP_STATE_VM(qemu_vfs_mounts);
}

static const char *cwd(void) {
    if (MP_STATE_VM(qemu_vfs_cwd) == MP_OBJ_NULL) {
        return "/";
    }
    return mp_obj_str_get_str(MP_STATE_VM(qemu_vfs_cwd));
}

// `path` as an absolute path (".", ".." and empty parts removed)
static mp_obj_t abspath(const char *path) {
    vstr_t v;
    vstr_init(&v, 32);
    if (path[0] != '/') {
        vstr_add_str(&v, cwd());
    }
    vstr_add_char(&v, '/');
    vstr_add_str(&v, path);
    // normalise in place
    char *s = vstr_null_terminated_str(&v);
    size_t out = 0;
    size_t i = 0;
    size_t n = strlen(s);
    while (i < n) {
        while (i < n && s[i] == '/') {
            i++;
        }
        size_t j = i;
        while (j < n && s[j] != '/') {
            j++;
        }
        size_t len = j - i;
        if (len == 0 || (len == 1 && s[i] == '.')) {
            // skip
        } else if (len == 2 && s[i] == '.' && s[i + 1] == '.') {
            while (out > 0 && s[out - 1] != '/') {
                out--;
            }
            if (out > 0) {
                out--;
            }
        } else {
            s[out++] = '/';
            memmove(s + out, s + i, len);
            out += len;
        }
        i = j;
    }
    if (out == 0) {
        s[out++] = '/';
    }
    mp_obj_t r = mp_obj_new_str(s, out);
    vstr_clear(&v);
    return r;
}

// the mounted object for `path`, and the path inside it (NULL: none)
static mp_obj_t resolve(const char *path, mp_obj_t *sub) {
    mp_obj_t abs = abspath(path);
    size_t alen;
    const char *a = mp_obj_str_get_data(abs, &alen);
    size_t n;
    mp_obj_t *items;
    mp_obj_list_get(mounts(), &n, &items);
    for (size_t i = 0; i < n; i++) {
        mp_obj_t *m = ((mp_obj_tuple_t *)MP_OBJ_TO_PTR(items[i]))->items;
        size_t mlen;
        const char *mp = mp_obj_str_get_data(m[0], &mlen);
        if (mlen == 1) {
            // mounted at "/"
            *sub = abs;
            return m[1];
        }
        if (alen >= mlen && memcmp(a, mp, mlen) == 0 && (alen == mlen || a[mlen] == '/')) {
            *sub = alen == mlen ? MP_OBJ_NEW_QSTR(MP_QSTR__slash_) : mp_obj_new_str(a + mlen, alen - mlen);
            return m[1];
        }
    }
    return MP_OBJ_NULL;
}

static mp_obj_t resolve_raise(mp_obj_t path_in, mp_obj_t *sub) {
    mp_obj_t vfs = resolve(mp_obj_str_get_str(path_in), sub);
    if (vfs == MP_OBJ_NULL) {
        mp_raise_OSError(MP_ENOENT);
    }
    return vfs;
}

static mp_obj_t call_method(mp_obj_t obj, qstr name, size_t n_args, const mp_obj_t *args) {
    mp_obj_t call[5];
    mp_load_method(obj, name, call);
    for (size_t i = 0; i < n_args; i++) {
        call[2 + i] = args[i];
    }
    return mp_call_method_n_kw(n_args, 0, call);
}

static mp_obj_t path_method(qstr name, mp_obj_t path) {
    mp_obj_t sub;
    mp_obj_t vfs = resolve_raise(path, &sub);
    return call_method(vfs, name, 1, &sub);
}

mp_import_stat_t mp_import_stat(const char *path) {
    mp_obj_t sub;
    mp_obj_t vfs = resolve(path, &sub);
    if (vfs == MP_OBJ_NULL) {
        return MP_IMPORT_STAT_NO_EXIST;
    }
    nlr_buf_t nlr;
    if (nlr_push(&nlr) == 0) {
        mp_obj_t st = call_method(vfs, MP_QSTR_stat, 1, &sub);
        nlr_pop();
        mp_obj_t *items;
        mp_obj_get_array_fixed_n(st, 10, &items);
        return (mp_obj_get_int(items[0]) & 0x4000) ? MP_IMPORT_STAT_DIR : MP_IMPORT_STAT_FILE;
    }
    return MP_IMPORT_STAT_NO_EXIST;
}

mp_obj_t mp_builtin_open(size_t n_args, const mp_obj_t *args, mp_map_t *kwargs) {
    mp_obj_t mode = MP_OBJ_NEW_QSTR(MP_QSTR_r);
    if (n_args > 1) {
        mode = args[1];
    }
    mp_map_elem_t *e = mp_map_lookup(kwargs, MP_OBJ_NEW_QSTR(MP_QSTR_mode), MP_MAP_LOOKUP);
    if (e != NULL) {
        mode = e->value;
    }
    mp_obj_t sub;
    mp_obj_t vfs = resolve_raise(args[0], &sub);
    mp_obj_t a[2] = {sub, mode};
    return call_method(vfs, MP_QSTR_open, 2, a);
}
MP_DEFINE_CONST_FUN_OBJ_KW(mp_builtin_open_obj, 1, mp_builtin_open);

// --- reading source and .mpy files for import -----------------------------

typedef struct {
    mp_obj_t file;
    uint16_t len, pos;
    byte buf[124];
} file_reader_t;

static mp_uint_t file_readbyte(void *data) {
    file_reader_t *r = data;
    if (r->pos >= r->len) {
        int err;
        r->len = mp_stream_rw(r->file, r->buf, sizeof(r->buf), &err, MP_STREAM_RW_READ | MP_STREAM_RW_ONCE);
        r->pos = 0;
        if (r->len == 0 || r->len == (uint16_t)MP_STREAM_ERROR) {
            r->len = 0;
            return MP_READER_EOF;
        }
    }
    return r->buf[r->pos++];
}

static void file_close(void *data) {
    file_reader_t *r = data;
    mp_stream_close(r->file);
    m_del_obj(file_reader_t, r);
}

void mp_reader_new_file(mp_reader_t *reader, qstr filename) {
    mp_obj_t args[2] = {MP_OBJ_NEW_QSTR(filename), MP_OBJ_NEW_QSTR(MP_QSTR_rb)};
    mp_obj_t f = mp_builtin_open(2, args, (mp_map_t *)&mp_const_empty_map);
    mp_get_stream_raise(f, MP_STREAM_OP_READ);
    file_reader_t *r = m_new_obj(file_reader_t);
    r->file = f;
    r->len = r->pos = 0;
    reader->data = r;
    reader->readbyte = file_readbyte;
    reader->close = file_close;
}

// --- os / vfs functions ----------------------------------------------------

static mp_obj_t vfs_mount(size_t n_args, const mp_obj_t *args, mp_map_t *kw) {
    mp_obj_t path = abspath(mp_obj_str_get_str(args[1]));
    mp_obj_t a[2] = {mp_const_false, mp_const_false};
    call_method(args[0], MP_QSTR_mount, 2, a);
    mp_obj_t entry[2] = {path, args[0]};
    // keep longer mount paths first
    mp_obj_t l = mounts();
    size_t n;
    mp_obj_t *items;
    mp_obj_list_get(l, &n, &items);
    size_t plen, mlen;
    mp_obj_str_get_data(path, &plen);
    size_t i = 0;
    for (; i < n; i++) {
        mp_obj_t *m = ((mp_obj_tuple_t *)MP_OBJ_TO_PTR(items[i]))->items;
        if (mp_obj_equal(m[0], path)) {
            mp_raise_OSError(MP_EPERM);
        }
        mp_obj_str_get_data(m[0], &mlen);
        if (mlen < plen) {
            break;
        }
    }
    mp_obj_list_append(l, mp_const_none);
    mp_obj_list_get(l, &n, &items);
    memmove(items + i + 1, items + i, (n - 1 - i) * sizeof(mp_obj_t));
    items[i] = mp_obj_new_tuple(2, entry);
    return mp_const_none;
}
MP_DEFINE_CONST_FUN_OBJ_KW(qemu_vfs_mount_obj, 2, vfs_mount);

static mp_obj_t vfs_umount(mp_obj_t target) {
    mp_obj_t l = mounts();
    size_t n;
    mp_obj_t *items;
    mp_obj_list_get(l, &n, &items);
    mp_obj_t path = mp_obj_is_str(target) ? abspath(mp_obj_str_get_str(target)) : MP_OBJ_NULL;
    for (size_t i = 0; i < n; i++) {
        mp_obj_t *m = ((mp_obj_tuple_t *)MP_OBJ_TO_PTR(items[i]))->items;
        if (path != MP_OBJ_NULL ? mp_obj_equal(m[0], path) : m[1] == target) {
            mp_obj_t vfs = m[1];
            mp_obj_list_remove(l, items[i]);
            call_method(vfs, MP_QSTR_umount, 0, NULL);
            return mp_const_none;
        }
    }
    mp_raise_OSError(MP_EINVAL);
}
MP_DEFINE_CONST_FUN_OBJ_1(qemu_vfs_umount_obj, vfs_umount);

static mp_obj_t os_chdir(mp_obj_t path_in) {
    mp_obj_t abs = abspath(mp_obj_str_get_str(path_in));
    mp_obj_t sub;
    mp_obj_t vfs = resolve(mp_obj_str_get_str(abs), &sub);
    if (vfs != MP_OBJ_NULL) {
        call_method(vfs, MP_QSTR_chdir, 1, &sub);
    } else if (strcmp(mp_obj_str_get_str(abs), "/") != 0) {
        mp_raise_OSError(MP_ENOENT);
    }
    MP_STATE_VM(qemu_vfs_cwd) = abs;
    return mp_const_none;
}
MP_DEFINE_CONST_FUN_OBJ_1(qemu_os_chdir_obj, os_chdir);

static mp_obj_t os_getcwd(void) {
    return mp_obj_new_str(cwd(), strlen(cwd()));
}
MP_DEFINE_CONST_FUN_OBJ_0(qemu_os_getcwd_obj, os_getcwd);

static mp_obj_t os_ilistdir(size_t n_args, const mp_obj_t *args) {
    // not MP_QSTR__dot_: a C file's escaped qstr name gets its name as its value
    // ("_dot_"), and the frozen code's "." would share it
    mp_obj_t path = n_args ? args[0] : mp_obj_new_str(".", 1);
    return path_method(MP_QSTR_ilistdir, path);
}
MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(qemu_os_ilistdir_obj, 0, 1, os_ilistdir);

static mp_obj_t os_listdir(size_t n_args, const mp_obj_t *args) {
    mp_obj_t it = mp_getiter(os_ilistdir(n_args, args), NULL);
    mp_obj_t l = mp_obj_new_list(0, NULL);
    mp_obj_t e;
    while ((e = mp_iternext(it)) != MP_OBJ_STOP_ITERATION) {
        mp_obj_t *items;
        size_t n;
        mp_obj_get_array(e, &n, &items);
        mp_obj_list_append(l, items[0]);
    }
    return l;
}
MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(qemu_os_listdir_obj, 0, 1, os_listdir);

#define PATH_FUN(name) \
    static mp_obj_t os_##name(mp_obj_t path) { \
        return path_method(MP_QSTR_##name, path); \
    } \
    MP_DEFINE_CONST_FUN_OBJ_1(qemu_os_##name##_obj, os_##name);

PATH_FUN(stat)
PATH_FUN(mkdir)
PATH_FUN(rmdir)
PATH_FUN(remove)

static mp_obj_t os_rename(mp_obj_t old, mp_obj_t new) {
    mp_obj_t s1, s2;
    mp_obj_t v1 = resolve_raise(old, &s1);
    mp_obj_t v2 = resolve_raise(new, &s2);
    if (v1 != v2) {
        mp_raise_OSError(MP_EXDEV);
    }
    mp_obj_t a[2] = {s1, s2};
    return call_method(v1, MP_QSTR_rename, 2, a);
}
MP_DEFINE_CONST_FUN_OBJ_2(qemu_os_rename_obj, os_rename);

static const mp_rom_map_elem_t vfs_module_globals_table[] = {
    { MP_ROM_QSTR(MP_QSTR___name__), MP_ROM_QSTR(MP_QSTR_vfs) },
    { MP_ROM_QSTR(MP_QSTR_mount), MP_ROM_PTR(&qemu_vfs_mount_obj) },
    { MP_ROM_QSTR(MP_QSTR_umount), MP_ROM_PTR(&qemu_vfs_umount_obj) },
};
static MP_DEFINE_CONST_DICT(vfs_module_globals, vfs_module_globals_table);

const mp_obj_module_t mp_module_vfs = {
    .base = { &mp_type_module },
    .globals = (mp_obj_dict_t *)&vfs_module_globals,
};
MP_REGISTER_MODULE(MP_QSTR_vfs, mp_module_vfs);
