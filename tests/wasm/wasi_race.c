/* Host-side swap race (issue 11): run with "box" preopened while another
   process keeps swapping box/d between a real directory (secret = "inside")
   and a link to ../outside (secret = "OUTSIDE", victim).  For argv[1]
   seconds the app reads, truncates and writes d/secret, creates and removes
   d/new and d/nd, and removes d/victim (absent inside).  It prints how many
   of each succeeded and every read that saw the outside file; the test
   checks that outside/ was neither read nor changed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <time.h>
#include <sys/stat.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    double end = now() + (argc > 1 ? atof(argv[1]) : 5);
    long loops = 0, reads = 0, writes = 0, creates = 0, unlinks = 0, dirs = 0, outside = 0;
    char buf[64];
    while (now() < end) {
        loops++;
        int fd = open("box/d/secret", O_RDONLY);
        if (fd >= 0) {
            ssize_t n = read(fd, buf, sizeof buf - 1);
            close(fd);
            if (n > 0) {
                reads++;
                buf[n] = 0;
                if (strncmp(buf, "inside", 6) != 0) {
                    outside++;
                    printf("READ OUTSIDE: %s", buf);
                }
            }
        }
        fd = open("box/d/secret", O_WRONLY | O_TRUNC);
        if (fd >= 0) {
            if (write(fd, "inside\n", 7) == 7) writes++;
            close(fd);
        }
        fd = open("box/d/new", O_WRONLY | O_CREAT | O_EXCL, 0644);
        if (fd >= 0) {
            creates++;
            close(fd);
        }
        if (unlink("box/d/new") == 0) unlinks++;
        if (unlink("box/d/victim") == 0) printf("REMOVED a victim\n");
        if (mkdir("box/d/nd", 0755) == 0) dirs++;
        rmdir("box/d/nd");
    }
    printf("loops %ld reads %ld writes %ld creates %ld unlinks %ld mkdirs %ld outside %ld\n",
           loops, reads, writes, creates, unlinks, dirs, outside);
    return 0;
}
