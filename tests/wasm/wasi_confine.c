/* WASI confinement: run with the host directory "box" preopened as "box"
   (wamr_mpy --dir=box).  The test creates box/ok.txt, box/sub/, and the
   links box/out_link -> /etc/passwd, box/up_link -> .., box/in_link -> ok.txt.
   Each line: what was tried, the result and errno (or the raw WASI errno). */
#include <stdio.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <wasi/api.h>

static void try_open(const char *path) {
    errno = 0;
    int fd = open(path, O_RDONLY);
    printf("open %s: %s errno=%d\n", path, fd >= 0 ? "OPENED" : "failed", errno);
    if (fd >= 0) close(fd);
}

static void raw_open(const char *path, int dirflags) {
    __wasi_fd_t fd = 0;
    __wasi_errno_t e = __wasi_path_open(3, dirflags, path, 0,
                                        __WASI_RIGHTS_FD_READ, 0, 0, &fd);
    printf("raw open %s: wasi errno=%d\n", path, e);
    if (!e) (void)__wasi_fd_close(fd);
}

int main(void) {
    char name[32] = {0};
    __wasi_prestat_t ps;
    if (__wasi_fd_prestat_get(3, &ps) == 0 &&
        __wasi_fd_prestat_dir_name(3, (uint8_t *)name, ps.u.dir.pr_name_len) == 0)
        printf("preopen 3: %s\n", name);
    printf("prestat 4: wasi errno=%d\n", __wasi_fd_prestat_get(4, &ps));
    try_open("box/ok.txt");
    try_open("box/sub/../ok.txt");
    try_open("../etc/passwd");
    try_open("/etc/passwd");
    try_open("box/../../etc/passwd");
    try_open("box/out_link");
    try_open("box/up_link/box/ok.txt");
    try_open("box/in_link");
    raw_open("ok.txt", 0);
    raw_open("../x", 0);
    raw_open("sub/../../x", 0);
    raw_open("/etc/passwd", 0);
    raw_open("out_link", __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW);
    raw_open("out_link", 0);
    raw_open("up_link/ok.txt", __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW);
    printf("raw mkdir ../escape: wasi errno=%d\n", __wasi_path_create_directory(3, "../escape"));
    printf("raw rename -> ../moved: wasi errno=%d\n",
           __wasi_path_rename(3, "ok.txt", 3, "../moved"));
    printf("raw unlink ../victim: wasi errno=%d\n", __wasi_path_unlink_file(3, "../victim"));
    struct stat st;
    errno = 0;
    printf("stat box/..: %d errno=%d\n", stat("box/..", &st), errno);
    errno = 0;
    printf("opendir box/sub/../..: %s errno=%d\n", opendir("box/sub/../..") ? "OPENED" : "failed",
           errno);
    errno = 0;
    printf("unlink box/out_link: %d errno=%d\n", unlink("box/out_link"), errno);
    return 0;
}
