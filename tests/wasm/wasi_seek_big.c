// WASI lseek/pread to offsets past 2 GiB: on a 32-bit port they are no machine
// word, and the call fails with EOVERFLOW instead of trapping (tests/test_unix32.py).
#include <stdio.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <string.h>
int main(void) {
    int fd = open("f.txt", O_RDWR | O_CREAT, 0644);
    if (fd < 0) { printf("open failed %d\n", errno); return 1; }
    write(fd, "hello", 5);
    errno = 0;
    off_t r = lseek(fd, 3000000000LL, SEEK_SET);
    printf("lseek %lld errno %d\n", (long long)r, r < 0 ? errno : 0);
    char b[4];
    errno = 0;
    ssize_t n = pread(fd, b, 4, 3000000000LL);
    printf("pread %ld errno %d\n", (long)n, n < 0 ? errno : 0);
    printf("tell %lld\n", (long long)lseek(fd, 0, SEEK_CUR));
    close(fd);
    return 0;
}
