/*
 * WASI file I/O sample (wasi-libc): read a score table from a preopened
 * directory, write a report next to it (through a temporary file and a
 * rename), then list the directory.
 *
 *   micropython -m wamr_mpy --dir=data --env=GREETING=hello app.wasm \
 *       data/input.txt data/report.txt
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_ROWS 32

struct row {
    char name[24];
    int score;
};

static int by_score(const void *a, const void *b)
{
    const struct row *x = a, *y = b;
    if (x->score != y->score)
        return y->score - x->score;
    return strcmp(x->name, y->name);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int read_rows(const char *path, struct row *rows)
{
    char line[128];
    int n = 0;
    FILE *f = fopen(path, "r");

    if (!f) {
        perror(path);
        return -1;
    }
    while (n < MAX_ROWS && fgets(line, sizeof line, f)) {
        if (line[0] == '#' || line[0] == '\n')
            continue;
        if (sscanf(line, "%23s %d", rows[n].name, &rows[n].score) == 2)
            n++;
    }
    fclose(f);
    return n;
}

static int write_report(const char *path, struct row *rows, int n)
{
    char tmp[256];
    int i, sum = 0;
    FILE *f;

    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    f = fopen(tmp, "w");
    if (!f) {
        perror(tmp);
        return -1;
    }
    fprintf(f, "rank name       score\n");
    for (i = 0; i < n; i++) {
        fprintf(f, "%4d %-10s %5d\n", i + 1, rows[i].name, rows[i].score);
        sum += rows[i].score;
    }
    fprintf(f, "mean %.2f over %d rows\n", (double)sum / n, n);
    if (fclose(f) != 0 || rename(tmp, path) != 0) {
        perror(path);
        return -1;
    }
    return 0;
}

static void list_dir(const char *dir)
{
    char *names[16];
    int n = 0, i;
    struct dirent *e;
    DIR *d = opendir(dir);

    if (!d) {
        perror(dir);
        return;
    }
    while ((e = readdir(d)) != NULL && n < 16)
        if (e->d_name[0] != '.')
            names[n++] = strdup(e->d_name);
    closedir(d);
    qsort(names, n, sizeof names[0], by_name);
    printf("%s/ holds:", dir);
    for (i = 0; i < n; i++) {
        printf(" %s", names[i]);
        free(names[i]);
    }
    printf("\n");
}

int main(int argc, char **argv)
{
    const char *in = argc > 1 ? argv[1] : "data/input.txt";
    const char *out = argc > 2 ? argv[2] : "data/report.txt";
    const char *greeting = getenv("GREETING");
    struct row rows[MAX_ROWS];
    struct stat st;
    char dir[256];
    char *slash;
    int n;

    printf("%s from wasi_files\n", greeting ? greeting : "(no GREETING)");
    if (stat(in, &st) != 0) {
        perror(in);
        return 1;
    }
    printf("%s: %lld bytes\n", in, (long long)st.st_size);

    n = read_rows(in, rows);
    if (n <= 0)
        return 1;
    qsort(rows, n, sizeof rows[0], by_score);
    printf("read %d rows, best: %s (%d)\n", n, rows[0].name, rows[0].score);

    if (write_report(out, rows, n) != 0)
        return 1;
    if (stat(out, &st) != 0) {
        perror(out);
        return 1;
    }
    printf("wrote %s: %lld bytes\n", out, (long long)st.st_size);

    snprintf(dir, sizeof dir, "%s", out);
    slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    else
        strcpy(dir, ".");
    list_dir(dir);
    return 0;
}
