/* WASI functions beyond confinement.  Run with a writable preopen "work"
   (an empty host directory) and some bytes on stdin; every line printed is
   deterministic, so the output can be compared with wasmtime's.  With
   argv[1] == "wamr" it adds the lines marked "wamr-only" (ENOSYS). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <dirent.h>
#include <time.h>
#include <sched.h>
#include <sys/stat.h>
#include <wasi/api.h>

static int cmp(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void list(const char *dir) {
    char *names[16];
    int n = 0;
    DIR *d = opendir(dir);
    struct dirent *e;
    if (!d) { printf("opendir %s failed errno=%d\n", dir, errno); return; }
    while ((e = readdir(d)) && n < 16) {
        names[n] = strdup(e->d_name);
        printf("");
        n++;
    }
    closedir(d);
    qsort(names, n, sizeof names[0], cmp);
    printf("list %s:", dir);
    for (int i = 0; i < n; i++) { printf(" %s", names[i]); free(names[i]); }
    printf("\n");
}

static void show(const char *what, int r) {
    printf("%s: %d errno=%d\n", what, r, r < 0 ? errno : 0);
    errno = 0;
}

int main(int argc, char **argv) {
    char buf[256];
    int fd, n;
    struct stat st;
    printf("args:");
    for (int i = 1; i < argc; i++) printf(" [%s]", argv[i]);
    printf("\nGREETING=%s MISSING=%s\n", getenv("GREETING"), getenv("MISSING") ? "set" : "unset");

    FILE *f = fopen("work/a.txt", "w");
    fputs("0123456789abcdef\n", f);
    fclose(f);
    fd = open("work/a.txt", O_RDWR);
    printf("lseek set %lld\n", (long long)lseek(fd, 5, SEEK_SET));
    printf("write %d\n", (int)write(fd, "XY", 2));
    printf("lseek cur %lld\n", (long long)lseek(fd, 0, SEEK_CUR));
    printf("lseek end %lld\n", (long long)lseek(fd, 0, SEEK_END));
    printf("lseek back %lld\n", (long long)lseek(fd, -5, SEEK_CUR));
    n = read(fd, buf, 3);
    printf("read %d [%.3s]\n", n, buf);
    show("lseek negative", (int)lseek(fd, -100, SEEK_SET));
    fstat(fd, &st);
    printf("fstat reg=%d size=%lld\n", S_ISREG(st.st_mode), (long long)st.st_size);
    close(fd);
    fd = open("work/a.txt", O_WRONLY | O_APPEND);
    write(fd, "tail\n", 5);
    close(fd);
    fd = open("work/a.txt", O_RDONLY);
    n = read(fd, buf, sizeof buf - 1);
    buf[n < 0 ? 0 : n] = 0;
    printf("content [%s]\n", buf);
    show("write to read-only fd", (int)write(fd, "x", 1));
    close(fd);
    show("read closed fd", (int)read(fd, buf, 1));
    show("open excl existing", open("work/a.txt", O_WRONLY | O_CREAT | O_EXCL, 0644));
    show("open missing", open("work/none.txt", O_RDONLY));
    show("open file as dir", open("work/a.txt", O_RDONLY | O_DIRECTORY));
    show("open trunc", fd = open("work/b.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644));
    write(fd, "bbb", 3);
    close(fd);
    show("mkdir", mkdir("work/d", 0755));
    show("mkdir again", mkdir("work/d", 0755));
    show("rename", rename("work/b.txt", "work/d/b2.txt"));
    show("rmdir nonempty", rmdir("work/d"));
    show("unlink dir", unlink("work/d"));
    show("rmdir file", rmdir("work/a.txt"));
    stat("work/d", &st);
    printf("stat dir=%d\n", S_ISDIR(st.st_mode));
    stat("work/d/b2.txt", &st);
    printf("stat b2 size=%lld\n", (long long)st.st_size);
    list("work");
    list("work/d");
    show("unlink b2", unlink("work/d/b2.txt"));
    show("rmdir", rmdir("work/d"));
    show("stat gone", stat("work/d", &st));
    list("work");

    struct timespec t0, t1, res, nap = {0, 20 * 1000 * 1000};
    clock_gettime(CLOCK_MONOTONIC, &t0);
    nanosleep(&nap, 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long long ns = (t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec);
    printf("slept >= 20ms: %d\n", ns >= 20000000LL);
    clock_getres(CLOCK_MONOTONIC, &res);
    printf("res > 0: %d\n", res.tv_sec > 0 || res.tv_nsec > 0);
    clock_gettime(CLOCK_REALTIME, &t0);
    printf("realtime after 2020: %d\n", t0.tv_sec > 1577836800LL);
    unsigned char rnd[32] = {0};
    int nz = 0;
    getentropy(rnd, sizeof rnd);
    for (int i = 0; i < 32; i++) nz += rnd[i] != 0;
    printf("random nonzero bytes > 20: %d\n", nz > 20);
    printf("sched_yield %d\n", sched_yield());

    long total = 0;
    unsigned sum = 0;
    while ((n = read(0, buf, sizeof buf)) > 0) {
        for (int i = 0; i < n; i++) sum = sum * 31 + (unsigned char)buf[i];
        total += n;
    }
    printf("stdin %ld bytes, hash %u\n", total, sum);

    if (argc > 1 && strcmp(argv[1], "wamr") == 0) {
        printf("wamr-only symlink: %d\n", __wasi_path_symlink("a.txt", 3, "lnk"));
        printf("wamr-only fd_allocate: %d\n", __wasi_fd_allocate(3, 0, 1));
        printf("wamr-only sock_shutdown: %d\n", __wasi_sock_shutdown(3, 0));
    }
    fflush(stdout);
    exit(3);
}
