// unix32: a small `socket` module on BSD sockets (the PyPI 1.23 core has no
// ports/unix/, and the 1.29 one's modsocket.c needs extmod/vfs.h), enough
// for asyncio's start_server/open_connection and wamr_mpy.app's TCP and UDP
// connections.  A socket is a stream (read, readinto, write, close, and the
// ioctls select.poll asks: fileno, poll), plus bind/listen/accept/connect,
// getsockname, send/recv/sendto/recvfrom, setsockopt and setblocking.
// Addresses are what a board's socket takes: the raw sockaddr bytes
// getaddrinfo() returns, or a (host, port) tuple of a numeric IPv4 address.
#define _GNU_SOURCE         // accept4
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <netdb.h>

#include "py/runtime.h"
#include "py/stream.h"
#include "py/objtuple.h"

#if MICROPY_PY_SOCKET

typedef struct _sock_obj_t {
    mp_obj_base_t base;
    int fd;
} sock_obj_t;

const mp_obj_type_t sock_type;

static sock_obj_t *sock_wrap(int fd) {
    // finalised: a socket the program drops is closed by the GC
    sock_obj_t *s = mp_obj_malloc_with_finaliser(sock_obj_t, &sock_type);
    s->fd = fd;
    return s;
}

static void check_errno(int r) {
    if (r < 0) {
        mp_raise_OSError(errno);
    }
}

static int sock_fd(mp_obj_t self_in) {
    sock_obj_t *self = MP_OBJ_TO_PTR(self_in);
    if (self->fd < 0) {
        mp_raise_OSError(EBADF);
    }
    return self->fd;
}

// An address argument as a sockaddr: bytes from getaddrinfo/accept, or a
// (dotted IPv4, port) tuple.
static socklen_t sock_addr(mp_obj_t a, struct sockaddr_storage *out) {
    memset(out, 0, sizeof(*out));
    if (mp_obj_is_type(a, &mp_type_tuple)) {
        size_t n;
        mp_obj_t *it;
        mp_obj_tuple_get(a, &n, &it);
        if (n != 2) {
            mp_raise_ValueError(MP_ERROR_TEXT("socket: address must be (host, port)"));
        }
        struct sockaddr_in *sin = (struct sockaddr_in *)out;
        sin->sin_family = AF_INET;
        sin->sin_port = htons(mp_obj_get_int(it[1]));
        const char *host = mp_obj_str_get_str(it[0]);
        if (!*host) {
            host = "0.0.0.0";
        }
        if (inet_pton(AF_INET, host, &sin->sin_addr) != 1) {
            mp_raise_ValueError(MP_ERROR_TEXT("socket: host must be a numeric IPv4 address (use getaddrinfo)"));
        }
        return sizeof(*sin);
    }
    mp_buffer_info_t bi;
    mp_get_buffer_raise(a, &bi, MP_BUFFER_READ);
    if (bi.len > sizeof(*out)) {
        mp_raise_ValueError(MP_ERROR_TEXT("socket: address too long"));
    }
    memcpy(out, bi.buf, bi.len);
    return bi.len;
}

// --- stream protocol ------------------------------------------------------
static mp_uint_t sock_read(mp_obj_t self_in, void *buf, mp_uint_t size, int *errcode) {
    sock_obj_t *self = MP_OBJ_TO_PTR(self_in);
    for (;;) {
        ssize_t r = read(self->fd, buf, size);
        if (r >= 0) {
            return r;
        }
        if (errno != EINTR) {
            *errcode = errno;   // EAGAIN: read() gives None (non-blocking)
            return MP_STREAM_ERROR;
        }
        mp_handle_pending(true);
    }
}

static mp_uint_t sock_write(mp_obj_t self_in, const void *buf, mp_uint_t size, int *errcode) {
    sock_obj_t *self = MP_OBJ_TO_PTR(self_in);
    for (;;) {
        // MSG_NOSIGNAL: a peer gone away is EPIPE, not a process killed
        ssize_t r = send(self->fd, buf, size, MSG_NOSIGNAL);
        if (r >= 0) {
            return r;
        }
        if (errno != EINTR) {
            *errcode = errno;
            return MP_STREAM_ERROR;
        }
        mp_handle_pending(true);
    }
}

static mp_uint_t sock_ioctl(mp_obj_t self_in, mp_uint_t req, uintptr_t arg, int *errcode) {
    sock_obj_t *self = MP_OBJ_TO_PTR(self_in);
    switch (req) {
        case MP_STREAM_CLOSE:
            if (self->fd >= 0) {
                close(self->fd);
                self->fd = -1;
            }
            return 0;
        case MP_STREAM_GET_FILENO:
            return self->fd;
        case MP_STREAM_POLL: {
            // select.poll uses the fd itself; this answers a lone ioctl
            struct pollfd p = {.fd = self->fd, .events = 0};
            if (arg & MP_STREAM_POLL_RD) {
                p.events |= POLLIN;
            }
            if (arg & MP_STREAM_POLL_WR) {
                p.events |= POLLOUT;
            }
            mp_uint_t r = 0;
            if (self->fd < 0) {
                return MP_STREAM_POLL_NVAL;
            }
            if (poll(&p, 1, 0) > 0) {
                r |= (p.revents & POLLIN ? MP_STREAM_POLL_RD : 0)
                    | (p.revents & POLLOUT ? MP_STREAM_POLL_WR : 0)
                    | (p.revents & POLLERR ? MP_STREAM_POLL_ERR : 0)
                    | (p.revents & POLLHUP ? MP_STREAM_POLL_HUP : 0);
            }
            return r;
        }
        default:
            *errcode = MP_EINVAL;
            return MP_STREAM_ERROR;
    }
}

// --- methods ----------------------------------------------------------------
static mp_obj_t sock_fileno(mp_obj_t self_in) {
    return MP_OBJ_NEW_SMALL_INT(((sock_obj_t *)MP_OBJ_TO_PTR(self_in))->fd);
}
static MP_DEFINE_CONST_FUN_OBJ_1(sock_fileno_obj, sock_fileno);

static mp_obj_t sock_bind(mp_obj_t self_in, mp_obj_t addr) {
    struct sockaddr_storage sa;
    socklen_t len = sock_addr(addr, &sa);
    check_errno(bind(sock_fd(self_in), (struct sockaddr *)&sa, len));
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_2(sock_bind_obj, sock_bind);

static mp_obj_t sock_connect(mp_obj_t self_in, mp_obj_t addr) {
    struct sockaddr_storage sa;
    socklen_t len = sock_addr(addr, &sa);
    int r;
    while ((r = connect(sock_fd(self_in), (struct sockaddr *)&sa, len)) < 0 && errno == EINTR) {
        mp_handle_pending(true);
    }
    check_errno(r);     // EINPROGRESS on a non-blocking socket, as on boards
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_2(sock_connect_obj, sock_connect);

static mp_obj_t sock_listen(size_t n_args, const mp_obj_t *args) {
    int backlog = n_args > 1 ? mp_obj_get_int(args[1]) : 2;
    check_errno(listen(sock_fd(args[0]), backlog < 0 ? 0 : backlog));
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(sock_listen_obj, 1, 2, sock_listen);

static mp_obj_t sock_accept(mp_obj_t self_in) {
    struct sockaddr_storage sa;
    socklen_t len = sizeof(sa);
    int fd;
    while ((fd = accept4(sock_fd(self_in), (struct sockaddr *)&sa, &len, SOCK_CLOEXEC)) < 0 && errno == EINTR) {
        mp_handle_pending(true);
    }
    check_errno(fd);
    // a heap too full for the result must not leak the fd
    sock_obj_t *volatile s = NULL;
    nlr_buf_t nlr;
    if (nlr_push(&nlr) == 0) {
        s = sock_wrap(fd);
        mp_obj_t t[2] = {MP_OBJ_FROM_PTR(s), mp_obj_new_bytes((const byte *)&sa, len)};
        mp_obj_t r = mp_obj_new_tuple(2, t);
        nlr_pop();
        return r;
    }
    if (s != NULL) {
        s->fd = -1;
    }
    close(fd);
    nlr_jump(nlr.ret_val);
}
static MP_DEFINE_CONST_FUN_OBJ_1(sock_accept_obj, sock_accept);

// getsockname() -> sockaddr bytes (socket.sockaddr() splits them): the
// port the OS chose for bind(("127.0.0.1", 0))
static mp_obj_t sock_getsockname(mp_obj_t self_in) {
    struct sockaddr_storage sa;
    socklen_t len = sizeof(sa);
    check_errno(getsockname(sock_fd(self_in), (struct sockaddr *)&sa, &len));
    return mp_obj_new_bytes((const byte *)&sa, len);
}
static MP_DEFINE_CONST_FUN_OBJ_1(sock_getsockname_obj, sock_getsockname);

static mp_obj_t sock_recv_common(size_t n_args, const mp_obj_t *args, bool from) {
    int fd = sock_fd(args[0]);
    mp_int_t n = mp_obj_get_int(args[1]);
    int flags = n_args > 2 ? mp_obj_get_int(args[2]) : 0;
    if (n < 0) {
        mp_raise_ValueError(MP_ERROR_TEXT("socket.recv: negative size"));
    }
    vstr_t v;
    vstr_init_len(&v, n);
    struct sockaddr_storage sa;
    socklen_t len = sizeof(sa);
    ssize_t r;
    while ((r = recvfrom(fd, v.buf, n, flags, (struct sockaddr *)&sa, &len)) < 0 && errno == EINTR) {
        mp_handle_pending(true);
    }
    if (r < 0) {
        vstr_clear(&v);
        mp_raise_OSError(errno);
    }
    v.len = r;
    mp_obj_t data = mp_obj_new_bytes_from_vstr(&v);
    if (!from) {
        return data;
    }
    mp_obj_t t[2] = {data, mp_obj_new_bytes((const byte *)&sa, len)};
    return mp_obj_new_tuple(2, t);
}

static mp_obj_t sock_recv(size_t n_args, const mp_obj_t *args) {
    return sock_recv_common(n_args, args, false);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(sock_recv_obj, 2, 3, sock_recv);

static mp_obj_t sock_recvfrom(size_t n_args, const mp_obj_t *args) {
    return sock_recv_common(n_args, args, true);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(sock_recvfrom_obj, 2, 3, sock_recvfrom);

static mp_obj_t sock_send(mp_obj_t self_in, mp_obj_t data) {
    int fd = sock_fd(self_in);
    mp_buffer_info_t bi;
    mp_get_buffer_raise(data, &bi, MP_BUFFER_READ);
    ssize_t r;
    while ((r = send(fd, bi.buf, bi.len, MSG_NOSIGNAL)) < 0 && errno == EINTR) {
        mp_handle_pending(true);
    }
    check_errno(r);
    return MP_OBJ_NEW_SMALL_INT(r);
}
static MP_DEFINE_CONST_FUN_OBJ_2(sock_send_obj, sock_send);

static mp_obj_t sock_sendto(mp_obj_t self_in, mp_obj_t data, mp_obj_t addr) {
    int fd = sock_fd(self_in);
    mp_buffer_info_t bi;
    mp_get_buffer_raise(data, &bi, MP_BUFFER_READ);
    struct sockaddr_storage sa;
    socklen_t len = sock_addr(addr, &sa);
    ssize_t r;
    while ((r = sendto(fd, bi.buf, bi.len, MSG_NOSIGNAL, (struct sockaddr *)&sa, len)) < 0
           && errno == EINTR) {
        mp_handle_pending(true);
    }
    check_errno(r);
    return MP_OBJ_NEW_SMALL_INT(r);
}
static MP_DEFINE_CONST_FUN_OBJ_3(sock_sendto_obj, sock_sendto);

static mp_obj_t sock_setsockopt(size_t n_args, const mp_obj_t *args) {
    int fd = sock_fd(args[0]);
    int level = mp_obj_get_int(args[1]);
    int opt = mp_obj_get_int(args[2]);
    int ival;
    const void *val = &ival;
    socklen_t len = sizeof(ival);
    if (mp_obj_is_int(args[3])) {
        ival = mp_obj_get_int(args[3]);
    } else {
        mp_buffer_info_t bi;
        mp_get_buffer_raise(args[3], &bi, MP_BUFFER_READ);
        val = bi.buf;
        len = bi.len;
    }
    check_errno(setsockopt(fd, level, opt, val, len));
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(sock_setsockopt_obj, 4, 4, sock_setsockopt);

static mp_obj_t sock_setblocking(mp_obj_t self_in, mp_obj_t flag) {
    int fd = sock_fd(self_in);
    int fl = fcntl(fd, F_GETFL);
    check_errno(fl);
    fl = mp_obj_is_true(flag) ? (fl & ~O_NONBLOCK) : (fl | O_NONBLOCK);
    check_errno(fcntl(fd, F_SETFL, fl));
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_2(sock_setblocking_obj, sock_setblocking);

static mp_obj_t sock_make_new(const mp_obj_type_t *type, size_t n_args, size_t n_kw, const mp_obj_t *args) {
    mp_arg_check_num(n_args, n_kw, 0, 3, false);
    int family = n_args > 0 ? mp_obj_get_int(args[0]) : AF_INET;
    int kind = n_args > 1 ? mp_obj_get_int(args[1]) : SOCK_STREAM;
    int proto = n_args > 2 ? mp_obj_get_int(args[2]) : 0;
    sock_obj_t *s = sock_wrap(-1);      // allocated before the fd exists
    s->fd = socket(family, kind | SOCK_CLOEXEC, proto);
    check_errno(s->fd);
    return MP_OBJ_FROM_PTR(s);
}

static void sock_print(const mp_print_t *print, mp_obj_t self_in, mp_print_kind_t kind) {
    mp_printf(print, "<socket fd=%d>", ((sock_obj_t *)MP_OBJ_TO_PTR(self_in))->fd);
}

static const mp_rom_map_elem_t sock_locals_table[] = {
    { MP_ROM_QSTR(MP_QSTR_fileno), MP_ROM_PTR(&sock_fileno_obj) },
    { MP_ROM_QSTR(MP_QSTR_read), MP_ROM_PTR(&mp_stream_read_obj) },
    { MP_ROM_QSTR(MP_QSTR_readinto), MP_ROM_PTR(&mp_stream_readinto_obj) },
    { MP_ROM_QSTR(MP_QSTR_readline), MP_ROM_PTR(&mp_stream_unbuffered_readline_obj) },
    { MP_ROM_QSTR(MP_QSTR_write), MP_ROM_PTR(&mp_stream_write_obj) },
    { MP_ROM_QSTR(MP_QSTR_close), MP_ROM_PTR(&mp_stream_close_obj) },
    { MP_ROM_QSTR(MP_QSTR___del__), MP_ROM_PTR(&mp_stream_close_obj) },
    { MP_ROM_QSTR(MP_QSTR___enter__), MP_ROM_PTR(&mp_identity_obj) },
    { MP_ROM_QSTR(MP_QSTR___exit__), MP_ROM_PTR(&mp_stream___exit___obj) },
    { MP_ROM_QSTR(MP_QSTR_bind), MP_ROM_PTR(&sock_bind_obj) },
    { MP_ROM_QSTR(MP_QSTR_listen), MP_ROM_PTR(&sock_listen_obj) },
    { MP_ROM_QSTR(MP_QSTR_accept), MP_ROM_PTR(&sock_accept_obj) },
    { MP_ROM_QSTR(MP_QSTR_connect), MP_ROM_PTR(&sock_connect_obj) },
    { MP_ROM_QSTR(MP_QSTR_getsockname), MP_ROM_PTR(&sock_getsockname_obj) },
    { MP_ROM_QSTR(MP_QSTR_send), MP_ROM_PTR(&sock_send_obj) },
    { MP_ROM_QSTR(MP_QSTR_sendto), MP_ROM_PTR(&sock_sendto_obj) },
    { MP_ROM_QSTR(MP_QSTR_recv), MP_ROM_PTR(&sock_recv_obj) },
    { MP_ROM_QSTR(MP_QSTR_recvfrom), MP_ROM_PTR(&sock_recvfrom_obj) },
    { MP_ROM_QSTR(MP_QSTR_setsockopt), MP_ROM_PTR(&sock_setsockopt_obj) },
    { MP_ROM_QSTR(MP_QSTR_setblocking), MP_ROM_PTR(&sock_setblocking_obj) },
};
static MP_DEFINE_CONST_DICT(sock_locals, sock_locals_table);

static const mp_stream_p_t sock_stream_p = {
    .read = sock_read,
    .write = sock_write,
    .ioctl = sock_ioctl,
};

MP_DEFINE_CONST_OBJ_TYPE(
    sock_type,
    MP_QSTR_socket,
    MP_TYPE_FLAG_NONE,
    make_new, sock_make_new,
    print, sock_print,
    protocol, &sock_stream_p,
    locals_dict, &sock_locals
    );

// getaddrinfo(host, port, family=0, type=0, proto=0, flags=0) -> list of
// (family, type, proto, canonname, sockaddr bytes)
static mp_obj_t mod_getaddrinfo(size_t n_args, const mp_obj_t *args) {
    const char *host = mp_obj_str_get_str(args[0]);
    char port[12];
    const char *serv;
    if (mp_obj_is_int(args[1])) {
        snprintf(port, sizeof(port), "%u", (unsigned)mp_obj_get_int(args[1]) & 0xffffu);
        serv = port;
    } else {
        serv = mp_obj_str_get_str(args[1]);
    }
    struct addrinfo hints = {0};
    hints.ai_family = n_args > 2 ? mp_obj_get_int(args[2]) : AF_UNSPEC;
    hints.ai_socktype = n_args > 3 ? mp_obj_get_int(args[3]) : 0;
    hints.ai_protocol = n_args > 4 ? mp_obj_get_int(args[4]) : 0;
    hints.ai_flags = n_args > 5 ? mp_obj_get_int(args[5]) : 0;
    if (hints.ai_socktype == 0) {
        hints.ai_socktype = SOCK_STREAM;    // one entry per address, not three
    }
    struct addrinfo *res;
    int e = getaddrinfo(*host ? host : NULL, serv, &hints, &res);
    if (e != 0) {
        mp_raise_msg_varg(&mp_type_OSError, MP_ERROR_TEXT("socket.getaddrinfo(%s): %s"),
            host, gai_strerror(e));
    }
    mp_obj_t list = mp_obj_new_list(0, NULL);
    for (struct addrinfo *a = res; a; a = a->ai_next) {
        mp_obj_t t[5] = {
            MP_OBJ_NEW_SMALL_INT(a->ai_family), MP_OBJ_NEW_SMALL_INT(a->ai_socktype),
            MP_OBJ_NEW_SMALL_INT(a->ai_protocol), MP_OBJ_NEW_QSTR(MP_QSTR_),
            mp_obj_new_bytes((const byte *)a->ai_addr, a->ai_addrlen),
        };
        mp_obj_list_append(list, mp_obj_new_tuple(5, t));
    }
    freeaddrinfo(res);
    return list;
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(mod_getaddrinfo_obj, 2, 6, mod_getaddrinfo);

// sockaddr(bytes) -> (family, address bytes, port): what accept() gave
static mp_obj_t mod_sockaddr(mp_obj_t a) {
    mp_buffer_info_t bi;
    mp_get_buffer_raise(a, &bi, MP_BUFFER_READ);
    const struct sockaddr_in *sin = bi.buf;
    if (bi.len < sizeof(*sin) || sin->sin_family != AF_INET) {
        mp_raise_ValueError(MP_ERROR_TEXT("socket.sockaddr: not an IPv4 address"));
    }
    mp_obj_t t[3] = {MP_OBJ_NEW_SMALL_INT(AF_INET),
                     mp_obj_new_bytes((const byte *)&sin->sin_addr, 4),
                     MP_OBJ_NEW_SMALL_INT(ntohs(sin->sin_port))};
    return mp_obj_new_tuple(3, t);
}
static MP_DEFINE_CONST_FUN_OBJ_1(mod_sockaddr_obj, mod_sockaddr);

static const mp_rom_map_elem_t socket_globals_table[] = {
    { MP_ROM_QSTR(MP_QSTR___name__), MP_ROM_QSTR(MP_QSTR_socket) },
    { MP_ROM_QSTR(MP_QSTR_socket), MP_ROM_PTR(&sock_type) },
    { MP_ROM_QSTR(MP_QSTR_getaddrinfo), MP_ROM_PTR(&mod_getaddrinfo_obj) },
    { MP_ROM_QSTR(MP_QSTR_sockaddr), MP_ROM_PTR(&mod_sockaddr_obj) },
    { MP_ROM_QSTR(MP_QSTR_AF_INET), MP_ROM_INT(AF_INET) },
    { MP_ROM_QSTR(MP_QSTR_AF_INET6), MP_ROM_INT(AF_INET6) },
    { MP_ROM_QSTR(MP_QSTR_SOCK_STREAM), MP_ROM_INT(SOCK_STREAM) },
    { MP_ROM_QSTR(MP_QSTR_SOCK_DGRAM), MP_ROM_INT(SOCK_DGRAM) },
    { MP_ROM_QSTR(MP_QSTR_SOL_SOCKET), MP_ROM_INT(SOL_SOCKET) },
    { MP_ROM_QSTR(MP_QSTR_SO_REUSEADDR), MP_ROM_INT(SO_REUSEADDR) },
    { MP_ROM_QSTR(MP_QSTR_SO_BROADCAST), MP_ROM_INT(SO_BROADCAST) },
    { MP_ROM_QSTR(MP_QSTR_IPPROTO_TCP), MP_ROM_INT(IPPROTO_TCP) },
    { MP_ROM_QSTR(MP_QSTR_TCP_NODELAY), MP_ROM_INT(TCP_NODELAY) },
};
static MP_DEFINE_CONST_DICT(socket_globals, socket_globals_table);

const mp_obj_module_t mp_module_socket = {
    .base = { &mp_type_module },
    .globals = (mp_obj_dict_t *)&socket_globals,
};

MP_REGISTER_MODULE(MP_QSTR_socket, mp_module_socket);

#endif // MICROPY_PY_SOCKET
