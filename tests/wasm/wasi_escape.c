/* The stale directory fd escape (issue 11): run with the host directory "box"
   preopened as fd 3.  The test makes box/d/ (secret = "inside"), box/lnk ->
   ../outside (secret = "OUTSIDE", victim).  The app opens d as a directory
   fd, renames d away and the link into its place, then uses the old fd: each
   line says what was tried, the WASI errno and what was read.  A real
   directory fd (wasmtime) keeps naming the renamed directory. */
#include <stdio.h>
#include <string.h>
#include <wasi/api.h>

#define ALL 0x1FFFFFFFull
#define DIR (ALL & ~__WASI_RIGHTS_FD_WRITE)

static void show(const char *what, __wasi_errno_t e) { printf("%s: %d\n", what, e); }

static void read_file(__wasi_fd_t dir, const char *name) {
    __wasi_fd_t fd;
    __wasi_errno_t e = __wasi_path_open(dir, 0, name, 0, ALL, ALL, 0, &fd);
    char buf[32] = {0};
    size_t n = 0;
    if (!e) {
        __wasi_iovec_t iov = {(uint8_t *)buf, sizeof buf - 1};
        e = __wasi_fd_read(fd, &iov, 1, &n);
        (void)__wasi_fd_close(fd);
        buf[n] = 0;
        if (n && buf[n - 1] == '\n') buf[n - 1] = 0;
    }
    printf("read %s: %d [%s]\n", name, e, buf);
}

static void write_file(__wasi_fd_t dir, const char *name, __wasi_oflags_t of,
                       __wasi_fdflags_t ff) {
    __wasi_fd_t fd;
    __wasi_errno_t e = __wasi_path_open(dir, 0, name, of, ALL, ALL, ff, &fd);
    size_t n = 0;
    if (!e) {
        __wasi_ciovec_t iov = {(const uint8_t *)"written\n", 8};
        e = __wasi_fd_write(fd, &iov, 1, &n);
        (void)__wasi_fd_close(fd);
    }
    printf("write %s oflags=%d fdflags=%d: %d\n", name, of, ff, e);
}

static void list(__wasi_fd_t dir) {
    char buf[512];
    size_t used = 0;
    __wasi_errno_t e = __wasi_fd_readdir(dir, (uint8_t *)buf, sizeof buf, 0, &used);
    printf("readdir: %d", e);
    /* names, sorted by the test */
    for (size_t p = 0; !e && p + sizeof(__wasi_dirent_t) <= used;) {
        __wasi_dirent_t d;
        memcpy(&d, buf + p, sizeof d);
        p += sizeof d;
        if (p + d.d_namlen > used) break;
        printf(" %.*s", (int)d.d_namlen, buf + p);
        p += d.d_namlen;
    }
    printf("\n");
}

int main(void) {
    __wasi_fd_t d;
    show("open d", __wasi_path_open(3, 0, "d", __WASI_OFLAGS_DIRECTORY, DIR, ALL, 0, &d));
    read_file(d, "secret");
    show("rename d d_old", __wasi_path_rename(3, "d", 3, "d_old"));
    show("rename lnk d", __wasi_path_rename(3, "lnk", 3, "d"));
    read_file(d, "secret");
    read_file(3, "d/secret");
    write_file(d, "secret", __WASI_OFLAGS_TRUNC, 0);
    write_file(d, "secret", 0, __WASI_FDFLAGS_APPEND);
    write_file(d, "made", __WASI_OFLAGS_CREAT, 0);
    show("unlink victim", __wasi_path_unlink_file(d, "victim"));
    show("mkdir newdir", __wasi_path_create_directory(d, "newdir"));
    show("rmdir newdir", __wasi_path_remove_directory(d, "newdir"));
    show("rename made moved", __wasi_path_rename(d, "made", d, "moved"));
    show("rename moved to 3", __wasi_path_rename(d, "moved", 3, "moved"));
    __wasi_filestat_t st;
    __wasi_errno_t e = __wasi_path_filestat_get(d, 0, "secret", &st);
    printf("stat secret: %d size %d\n", e, e ? -1 : (int)st.size);
    e = __wasi_fd_filestat_get(d, &st);
    printf("fstat d: %d type %d\n", e, e ? -1 : st.filetype);
    list(d);
    __wasi_fd_t sub;
    e = __wasi_path_open(d, 0, ".", __WASI_OFLAGS_DIRECTORY, DIR, ALL, 0, &sub);
    show("open .", e);
    if (!e) read_file(sub, "secret");
    show("open ..", __wasi_path_open(d, 0, "..", __WASI_OFLAGS_DIRECTORY, DIR, ALL, 0, &sub));
    return 0;
}
