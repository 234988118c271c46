// unix32: file objects on POSIX file descriptors, open(), and the
// sys.stdin/stdout/stderr objects (with .buffer).
//
// Two types share one implementation: io.FileIO (binary, open(..., "rb"))
// and io.TextIOWrapper (text: str in, str out; decoding is done by
// py/stream.c when is_text is set).  Reads and writes go straight to the fd,
// unbuffered, as on the MicroPython unix port.

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "py/builtin.h"
#include "py/mperrno.h"
#include "py/runtime.h"
#include "py/stream.h"

typedef struct _file_obj_t {
    mp_obj_base_t base;
    int fd;             // -1 once closed
} file_obj_t;

extern const mp_obj_type_t file_fileio_type;
extern const mp_obj_type_t file_textio_type;

static void check_open(file_obj_t *self) {
    if (self->fd < 0) {
        mp_raise_ValueError(MP_ERROR_TEXT("I/O operation on closed file"));
    }
}

static void file_print(const mp_print_t *print, mp_obj_t self_in, mp_print_kind_t kind) {
    (void)kind;
    file_obj_t *self = MP_OBJ_TO_PTR(self_in);
    mp_printf(print, "<io.%q %d>", (qstr)self->base.type->name, self->fd);
}

static mp_uint_t file_read(mp_obj_t self_in, void *buf, mp_uint_t size, int *errcode) {
    file_obj_t *self = MP_OBJ_TO_PTR(self_in);
    check_open(self);
    ssize_t r;
    do {
        r = read(self->fd, buf, size);
    } while (r < 0 && errno == EINTR);
    if (r < 0) {
        *errcode = errno;
        return MP_STREAM_ERROR;
    }
    return r;
}

static mp_uint_t file_write(mp_obj_t self_in, const void *buf, mp_uint_t size, int *errcode) {
    file_obj_t *self = MP_OBJ_TO_PTR(self_in);
    check_open(self);
    ssize_t r;
    do {
        r = write(self->fd, buf, size);
    } while (r < 0 && errno == EINTR);
    if (r < 0) {
        *errcode = errno;
        return MP_STREAM_ERROR;
    }
    return r;
}

static mp_uint_t file_ioctl(mp_obj_t self_in, mp_uint_t request, uintptr_t arg, int *errcode) {
    file_obj_t *self = MP_OBJ_TO_PTR(self_in);
    if (request != MP_STREAM_CLOSE) {
        check_open(self);
    }
    switch (request) {
        case MP_STREAM_FLUSH:
            // Unbuffered: nothing to flush.  fsync() only for regular files
            // (it fails on pipes/ttys, which flush() must accept).
            return 0;
        case MP_STREAM_SEEK: {
            struct mp_stream_seek_t *s = (struct mp_stream_seek_t *)arg;
            off_t off = lseek(self->fd, s->offset, s->whence);
            if (off == (off_t)-1) {
                *errcode = errno;
                return MP_STREAM_ERROR;
            }
            s->offset = off;
            return 0;
        }
        case MP_STREAM_CLOSE:
            if (self->fd >= 0) {
                close(self->fd);
                self->fd = -1;
            }
            return 0;
        case MP_STREAM_GET_FILENO:
            return self->fd;
        default:
            *errcode = MP_EINVAL;
            return MP_STREAM_ERROR;
    }
}

static mp_obj_t file_fileno(mp_obj_t self_in) {
    file_obj_t *self = MP_OBJ_TO_PTR(self_in);
    check_open(self);
    return MP_OBJ_NEW_SMALL_INT(self->fd);
}
static MP_DEFINE_CONST_FUN_OBJ_1(file_fileno_obj, file_fileno);

static const mp_rom_map_elem_t file_locals_dict_table[] = {
    { MP_ROM_QSTR(MP_QSTR_fileno), MP_ROM_PTR(&file_fileno_obj) },
    { MP_ROM_QSTR(MP_QSTR_read), MP_ROM_PTR(&mp_stream_read_obj) },
    { MP_ROM_QSTR(MP_QSTR_readinto), MP_ROM_PTR(&mp_stream_readinto_obj) },
    { MP_ROM_QSTR(MP_QSTR_readline), MP_ROM_PTR(&mp_stream_unbuffered_readline_obj) },
    { MP_ROM_QSTR(MP_QSTR_readlines), MP_ROM_PTR(&mp_stream_unbuffered_readlines_obj) },
    { MP_ROM_QSTR(MP_QSTR_write), MP_ROM_PTR(&mp_stream_write_obj) },
    { MP_ROM_QSTR(MP_QSTR_seek), MP_ROM_PTR(&mp_stream_seek_obj) },
    { MP_ROM_QSTR(MP_QSTR_tell), MP_ROM_PTR(&mp_stream_tell_obj) },
    { MP_ROM_QSTR(MP_QSTR_flush), MP_ROM_PTR(&mp_stream_flush_obj) },
    { MP_ROM_QSTR(MP_QSTR_close), MP_ROM_PTR(&mp_stream_close_obj) },
    { MP_ROM_QSTR(MP_QSTR___enter__), MP_ROM_PTR(&mp_identity_obj) },
    { MP_ROM_QSTR(MP_QSTR___exit__), MP_ROM_PTR(&mp_stream___exit___obj) },
    { MP_ROM_QSTR(MP_QSTR___del__), MP_ROM_PTR(&mp_stream_close_obj) },
};
static MP_DEFINE_CONST_DICT(file_locals_dict, file_locals_dict_table);

static const mp_stream_p_t fileio_stream_p = {
    .read = file_read,
    .write = file_write,
    .ioctl = file_ioctl,
};

static const mp_stream_p_t textio_stream_p = {
    .read = file_read,
    .write = file_write,
    .ioctl = file_ioctl,
    .is_text = true,
};

MP_DEFINE_CONST_OBJ_TYPE(
    file_fileio_type,
    MP_QSTR_FileIO,
    MP_TYPE_FLAG_ITER_IS_STREAM,
    print, file_print,
    protocol, &fileio_stream_p,
    locals_dict, &file_locals_dict
    );

// sys.stdout.buffer etc.: text stdio objects have a binary twin.
static const file_obj_t stdio_buffer_objs[3] = {
    {{&file_fileio_type}, 0}, {{&file_fileio_type}, 1}, {{&file_fileio_type}, 2},
};

static void textio_attr(mp_obj_t self_in, qstr attr, mp_obj_t *dest) {
    file_obj_t *self = MP_OBJ_TO_PTR(self_in);
    if (dest[0] == MP_OBJ_NULL && attr == MP_QSTR_buffer && self->fd >= 0 && self->fd <= 2) {
        dest[0] = MP_OBJ_FROM_PTR(&stdio_buffer_objs[self->fd]);
        return;
    }
    dest[1] = MP_OBJ_SENTINEL;  // everything else: look in locals_dict
}

MP_DEFINE_CONST_OBJ_TYPE(
    file_textio_type,
    MP_QSTR_TextIOWrapper,
    MP_TYPE_FLAG_ITER_IS_STREAM,
    print, file_print,
    attr, textio_attr,
    protocol, &textio_stream_p,
    locals_dict, &file_locals_dict
    );

// The objects named by py/modsys.c.
const file_obj_t mp_sys_stdin_obj = {{&file_textio_type}, STDIN_FILENO};
const file_obj_t mp_sys_stdout_obj = {{&file_textio_type}, STDOUT_FILENO};
const file_obj_t mp_sys_stderr_obj = {{&file_textio_type}, STDERR_FILENO};

// open(file, mode="r", buffering=-1, encoding=None): modes r w a x, +, b/t.
static mp_obj_t file_open(size_t n_args, const mp_obj_t *pos_args, mp_map_t *kw_args) {
    enum { ARG_file, ARG_mode, ARG_buffering, ARG_encoding };
    static const mp_arg_t allowed_args[] = {
        { MP_QSTR_file, MP_ARG_OBJ | MP_ARG_REQUIRED, {.u_rom_obj = MP_ROM_NONE} },
        { MP_QSTR_mode, MP_ARG_OBJ, {.u_rom_obj = MP_ROM_QSTR(MP_QSTR_r)} },
        { MP_QSTR_buffering, MP_ARG_INT, {.u_int = -1} },
        { MP_QSTR_encoding, MP_ARG_OBJ, {.u_rom_obj = MP_ROM_NONE} },
    };
    mp_arg_val_t args[MP_ARRAY_SIZE(allowed_args)];
    mp_arg_parse_all(n_args, pos_args, kw_args, MP_ARRAY_SIZE(allowed_args), allowed_args, args);

    const char *mode = mp_obj_str_get_str(args[ARG_mode].u_obj);
    int flags = 0, rw = O_RDONLY;
    const mp_obj_type_t *type = &file_textio_type;
    for (const char *m = mode; *m; m++) {
        switch (*m) {
            case 'r':
                rw = O_RDONLY;
                break;
            case 'w':
                rw = O_WRONLY;
                flags |= O_CREAT | O_TRUNC;
                break;
            case 'a':
                rw = O_WRONLY;
                flags |= O_CREAT | O_APPEND;
                break;
            case 'x':
                rw = O_WRONLY;
                flags |= O_CREAT | O_EXCL;
                break;
            case '+':
                rw = O_RDWR;
                break;
            case 'b':
                type = &file_fileio_type;
                break;
            case 't':
                type = &file_textio_type;
                break;
            default:
                mp_raise_ValueError(MP_ERROR_TEXT("invalid mode"));
        }
    }

    mp_obj_t fid = args[ARG_file].u_obj;
    int fd;
    if (mp_obj_is_small_int(fid)) {
        fd = MP_OBJ_SMALL_INT_VALUE(fid);   // open(fd): wrap an existing fd
    } else {
        const char *path = mp_obj_str_get_str(fid);
        do {
            fd = open(path, rw | flags | O_CLOEXEC, 0644);
        } while (fd < 0 && errno == EINTR);
        if (fd < 0) {
            mp_raise_OSError_with_filename(errno, path);
        }
    }
    file_obj_t *o = mp_obj_malloc_with_finaliser(file_obj_t, type);
    o->fd = fd;
    return MP_OBJ_FROM_PTR(o);
}
MP_DEFINE_CONST_FUN_OBJ_KW(mp_builtin_open_obj, 1, file_open);
