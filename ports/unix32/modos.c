// unix32: the `os` module on POSIX calls (upstream's extmod/modos.c and the
// unix port's VFS-less variant are not in the sdist).  Covers what a board's
// os offers for files (stat, listdir, ilistdir, mkdir, ...) plus the unix
// port's getenv/putenv/unsetenv/system, which our tools use.

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "py/mperrno.h"
#include "py/objstr.h"
#include "py/runtime.h"
#include "py/smallint.h"
#include "genhdr/mpversion.h"

// A Python int from a 64-bit value: small int when it fits (the core's
// mp_obj_new_int_from_ll always makes a big int object).
static mp_obj_t int_from_ll(long long v) {
    if (v >= MP_SMALL_INT_MIN && v <= MP_SMALL_INT_MAX) {
        return MP_OBJ_NEW_SMALL_INT((mp_int_t)v);
    }
    return v >= 0 ? mp_obj_new_int_from_ull(v) : mp_obj_new_int_from_ll(v);
}

static NORETURN void raise_errno(void) {
    mp_raise_OSError(errno);
}

// stat result as on MicroPython: a 10-tuple of ints.
static mp_obj_t stat_tuple(const struct stat *st) {
    mp_obj_t t[10] = {
        mp_obj_new_int_from_uint(st->st_mode),
        int_from_ll(st->st_ino),
        int_from_ll(st->st_dev),
        mp_obj_new_int_from_uint(st->st_nlink),
        mp_obj_new_int_from_uint(st->st_uid),
        mp_obj_new_int_from_uint(st->st_gid),
        int_from_ll(st->st_size),
        int_from_ll(st->st_atime),
        int_from_ll(st->st_mtime),
        int_from_ll(st->st_ctime),
    };
    return mp_obj_new_tuple(10, t);
}

static mp_obj_t os_stat(mp_obj_t path) {
    struct stat st;
    if (stat(mp_obj_str_get_str(path), &st) != 0) {
        raise_errno();
    }
    return stat_tuple(&st);
}
static MP_DEFINE_CONST_FUN_OBJ_1(os_stat_obj, os_stat);

static mp_obj_t os_lstat(mp_obj_t path) {
    struct stat st;
    if (lstat(mp_obj_str_get_str(path), &st) != 0) {
        raise_errno();
    }
    return stat_tuple(&st);
}
static MP_DEFINE_CONST_FUN_OBJ_1(os_lstat_obj, os_lstat);

// Directory entries as a list: entries are (name, type, inode) like
// MicroPython's ilistdir, names are bytes when the path is bytes.
static mp_obj_t read_dir(size_t n_args, const mp_obj_t *args, bool tuples) {
    const char *path = ".";
    bool as_bytes = false;
    if (n_args > 0) {
        path = mp_obj_str_get_str(args[0]);
        as_bytes = mp_obj_is_type(args[0], &mp_type_bytes);
    }
    DIR *d = opendir(path);
    if (d == NULL) {
        raise_errno();
    }
    mp_obj_t list = mp_obj_new_list(0, NULL);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) {
            continue;
        }
        size_t len = strlen(e->d_name);
        mp_obj_t name = as_bytes ? mp_obj_new_bytes((const byte *)e->d_name, len)
                                 : mp_obj_new_str(e->d_name, len);
        if (!tuples) {
            mp_obj_list_append(list, name);
            continue;
        }
        mp_int_t type = 0;
        if (e->d_type == DT_DIR) {
            type = S_IFDIR;
        } else if (e->d_type == DT_REG) {
            type = S_IFREG;
        } else if (e->d_type == DT_LNK) {
            type = S_IFLNK;
        }
        mp_obj_t t[3] = {name, MP_OBJ_NEW_SMALL_INT(type), int_from_ll(e->d_ino)};
        mp_obj_list_append(list, mp_obj_new_tuple(3, t));
    }
    closedir(d);
    return list;
}

static mp_obj_t os_listdir(size_t n_args, const mp_obj_t *args) {
    return read_dir(n_args, args, false);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(os_listdir_obj, 0, 1, os_listdir);

static mp_obj_t os_ilistdir(size_t n_args, const mp_obj_t *args) {
    return mp_getiter(read_dir(n_args, args, true), NULL);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(os_ilistdir_obj, 0, 1, os_ilistdir);

static mp_obj_t os_getcwd(void) {
    char buf[MICROPY_ALLOC_PATH_MAX + 1];
    if (getcwd(buf, sizeof(buf)) == NULL) {
        raise_errno();
    }
    return mp_obj_new_str(buf, strlen(buf));
}
static MP_DEFINE_CONST_FUN_OBJ_0(os_getcwd_obj, os_getcwd);

// One-path calls returning None: chdir, remove, rmdir.
#define PATH_CALL(name, call) \
    static mp_obj_t os_##name(mp_obj_t path) { \
        if (call(mp_obj_str_get_str(path)) != 0) { \
            raise_errno(); \
        } \
        return mp_const_none; \
    } \
    static MP_DEFINE_CONST_FUN_OBJ_1(os_##name##_obj, os_##name);

PATH_CALL(chdir, chdir)
PATH_CALL(remove, unlink)
PATH_CALL(rmdir, rmdir)

static mp_obj_t os_mkdir(size_t n_args, const mp_obj_t *args) {
    mode_t mode = n_args > 1 ? mp_obj_get_int(args[1]) : 0777;
    if (mkdir(mp_obj_str_get_str(args[0]), mode) != 0) {
        raise_errno();
    }
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(os_mkdir_obj, 1, 2, os_mkdir);

static mp_obj_t os_rename(mp_obj_t from, mp_obj_t to) {
    if (rename(mp_obj_str_get_str(from), mp_obj_str_get_str(to)) != 0) {
        raise_errno();
    }
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_2(os_rename_obj, os_rename);

static mp_obj_t os_getenv(size_t n_args, const mp_obj_t *args) {
    const char *v = getenv(mp_obj_str_get_str(args[0]));
    if (v == NULL) {
        return n_args > 1 ? args[1] : mp_const_none;
    }
    return mp_obj_new_str(v, strlen(v));
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(os_getenv_obj, 1, 2, os_getenv);

static mp_obj_t os_putenv(mp_obj_t key, mp_obj_t value) {
    if (setenv(mp_obj_str_get_str(key), mp_obj_str_get_str(value), 1) != 0) {
        raise_errno();
    }
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_2(os_putenv_obj, os_putenv);

static mp_obj_t os_unsetenv(mp_obj_t key) {
    unsetenv(mp_obj_str_get_str(key));
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(os_unsetenv_obj, os_unsetenv);

// os.system(cmd): the raw wait status, as on the unix port.
static mp_obj_t os_system(mp_obj_t cmd) {
    int r = system(mp_obj_str_get_str(cmd));
    if (r == -1) {
        raise_errno();
    }
    return MP_OBJ_NEW_SMALL_INT(r);
}
static MP_DEFINE_CONST_FUN_OBJ_1(os_system_obj, os_system);

static mp_obj_t os_urandom(mp_obj_t num) {
    mp_int_t n = mp_obj_get_int(num);
    vstr_t v;
    vstr_init_len(&v, n);
    for (mp_int_t got = 0; got < n;) {
        ssize_t r = getrandom(v.buf + got, n - got, 0);
        if (r < 0) {
            if (errno == EINTR) {
                continue;
            }
            raise_errno();
        }
        got += r;
    }
    return mp_obj_new_bytes_from_vstr(&v);
}
static MP_DEFINE_CONST_FUN_OBJ_1(os_urandom_obj, os_urandom);

static mp_obj_t os_uname(void) {
    // Like a board's os.uname(); field values describe this port.
    static const qstr fields[5] = {
        MP_QSTR_sysname, MP_QSTR_nodename, MP_QSTR_release, MP_QSTR_version, MP_QSTR_machine
    };
    mp_obj_t items[5] = {
        MP_OBJ_NEW_QSTR(MP_QSTR_unix32), MP_OBJ_NEW_QSTR(MP_QSTR_unix32),
        mp_obj_new_str(MICROPY_VERSION_STRING, strlen(MICROPY_VERSION_STRING)),
        mp_obj_new_str(MICROPY_BANNER_NAME_AND_VERSION, strlen(MICROPY_BANNER_NAME_AND_VERSION)),
        mp_obj_new_str(MICROPY_HW_BOARD_NAME " with " MICROPY_HW_MCU_NAME,
            strlen(MICROPY_HW_BOARD_NAME " with " MICROPY_HW_MCU_NAME)),
    };
    return mp_obj_new_attrtuple(fields, 5, items);
}
static MP_DEFINE_CONST_FUN_OBJ_0(os_uname_obj, os_uname);

static const mp_rom_map_elem_t os_module_globals_table[] = {
    { MP_ROM_QSTR(MP_QSTR___name__), MP_ROM_QSTR(MP_QSTR_os) },
    { MP_ROM_QSTR(MP_QSTR_sep), MP_ROM_QSTR(MP_QSTR__slash_) },
    { MP_ROM_QSTR(MP_QSTR_stat), MP_ROM_PTR(&os_stat_obj) },
    { MP_ROM_QSTR(MP_QSTR_lstat), MP_ROM_PTR(&os_lstat_obj) },
    { MP_ROM_QSTR(MP_QSTR_listdir), MP_ROM_PTR(&os_listdir_obj) },
    { MP_ROM_QSTR(MP_QSTR_ilistdir), MP_ROM_PTR(&os_ilistdir_obj) },
    { MP_ROM_QSTR(MP_QSTR_getcwd), MP_ROM_PTR(&os_getcwd_obj) },
    { MP_ROM_QSTR(MP_QSTR_chdir), MP_ROM_PTR(&os_chdir_obj) },
    { MP_ROM_QSTR(MP_QSTR_remove), MP_ROM_PTR(&os_remove_obj) },
    { MP_ROM_QSTR(MP_QSTR_unlink), MP_ROM_PTR(&os_remove_obj) },
    { MP_ROM_QSTR(MP_QSTR_rmdir), MP_ROM_PTR(&os_rmdir_obj) },
    { MP_ROM_QSTR(MP_QSTR_mkdir), MP_ROM_PTR(&os_mkdir_obj) },
    { MP_ROM_QSTR(MP_QSTR_rename), MP_ROM_PTR(&os_rename_obj) },
    { MP_ROM_QSTR(MP_QSTR_getenv), MP_ROM_PTR(&os_getenv_obj) },
    { MP_ROM_QSTR(MP_QSTR_putenv), MP_ROM_PTR(&os_putenv_obj) },
    { MP_ROM_QSTR(MP_QSTR_unsetenv), MP_ROM_PTR(&os_unsetenv_obj) },
    { MP_ROM_QSTR(MP_QSTR_system), MP_ROM_PTR(&os_system_obj) },
    { MP_ROM_QSTR(MP_QSTR_urandom), MP_ROM_PTR(&os_urandom_obj) },
    { MP_ROM_QSTR(MP_QSTR_uname), MP_ROM_PTR(&os_uname_obj) },
};
static MP_DEFINE_CONST_DICT(os_module_globals, os_module_globals_table);

const mp_obj_module_t mp_module_os = {
    .base = { &mp_type_module },
    .globals = (mp_obj_dict_t *)&os_module_globals,
};

MP_REGISTER_EXTENSIBLE_MODULE(MP_QSTR_os, mp_module_os);
