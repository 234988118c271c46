/* libc-builtin functions compared between wamr_mpy (this file built
   freestanding, libc imported from "env") and wasi-libc under wasmtime.
   Built with -fno-builtin so clang does not fold the calls away. */
typedef __SIZE_TYPE__ size_t;
int printf(const char *fmt, ...);
void *malloc(size_t n);
void *calloc(size_t n, size_t m);
void *realloc(void *p, size_t n);
void free(void *p);
int memcmp(const void *a, const void *b, size_t n);
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
void *memset(void *d, int c, size_t n);
void *memchr(const void *s, int c, size_t n);
char *strchr(const char *s, int c);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
int strncasecmp(const char *a, const char *b, size_t n);
char *strcpy(char *d, const char *s);
char *strncpy(char *d, const char *s, size_t n);
size_t strlen(const char *s);
char *strdup(const char *s);
char *strstr(const char *h, const char *n);
size_t strspn(const char *s, const char *a);
size_t strcspn(const char *s, const char *r);
int atoi(const char *s);
long strtol(const char *s, char **end, int base);
unsigned long strtoul(const char *s, char **end, int base);
int isalpha(int), isdigit(int), isspace(int), isupper(int), isxdigit(int);
int isalnum(int), isprint(int), isgraph(int), tolower(int), toupper(int);

static int sign(int v) { return v < 0 ? -1 : v > 0; }

static void show_strtol(const char *s, int base) {
    char *end;
    long v = strtol(s, &end, base);
    printf("strtol(\"%s\",%d)=%ld end+%d\n", s, base, v, (int)(end - s));
}

static void show_strtoul(const char *s, int base) {
    char *end;
    unsigned long v = strtoul(s, &end, base);
    printf("strtoul(\"%s\",%d)=%lu end+%d\n", s, base, v, (int)(end - s));
}

static unsigned mask(int (*f)(int)) {
    /* one bit per 4-character group, hashed into 32 bits */
    unsigned h = 0;
    for (int c = 0; c < 128; c++)
        if (f(c))
            h = h * 31 + (unsigned)c;
    return h;
}

int main(void) {
    static char buf[64], b2[64];
    const char *hay = "the quick brown fox jumps";
    int i;
    printf("memcmp %d %d %d\n", sign(memcmp("abc", "abd", 3)), memcmp("abc", "abc", 3),
           sign(memcmp("b", "a", 1)));
    printf("strcmp %d %d %d %d\n", sign(strcmp("a", "b")), strcmp("x", "x"),
           sign(strcmp("ab", "a")), sign(strcmp("\x80", "a")));
    printf("strncmp %d %d %d\n", strncmp("abcX", "abcY", 3), sign(strncmp("abcX", "abcY", 4)),
           sign(strncmp("ab", "abc", 5)));
    printf("strncasecmp %d %d\n", strncasecmp("HeLLo", "hello", 5),
           sign(strncasecmp("abc", "ABD", 3)));
    printf("strlen %d %d\n", (int)strlen(""), (int)strlen(hay));
    printf("strchr %d %d %d\n", (int)(strchr(hay, 'q') - hay), strchr(hay, 'Z') == 0,
           (int)(strchr(hay, 0) - hay));
    printf("strstr %d %d %d\n", (int)(strstr(hay, "fox") - hay), strstr(hay, "cat") == 0,
           (int)(strstr(hay, "") - hay));
    printf("strspn %d %d\n", (int)strspn(hay, "the "), (int)strcspn(hay, "xyz"));
    printf("memchr %d %d\n", (int)((char *)memchr(hay, 'b', 20) - hay),
           memchr(hay, 'j', 5) == 0);
    strcpy(buf, "0123456789");
    memmove(buf + 2, buf, 6);
    printf("memmove %s\n", buf);
    strcpy(buf, "0123456789");
    memmove(buf, buf + 3, 6);
    printf("memmove2 %s\n", buf);
    memset(b2, 'x', 10);
    b2[10] = 0;
    memcpy(b2 + 2, "AB", 2);
    printf("memset/memcpy %s\n", b2);
    memset(b2, 1, sizeof b2);
    strncpy(b2, "hi", 6);
    printf("strncpy %d %d %d %d %d\n", b2[0], b2[2], b2[5], b2[6], b2[7]);
    strncpy(b2, "longer string", 4);
    printf("strncpy2 %.4s %d\n", b2, b2[4]);
    printf("atoi %d %d %d %d %d\n", atoi("42"), atoi("  -17xyz"), atoi("+8"), atoi("abc"),
           atoi("2147483647"));
    show_strtol("123", 10);
    show_strtol("  -0x1A", 16);
    show_strtol("0x1A", 0);
    show_strtol("017", 0);
    show_strtol("z9", 36);
    show_strtol("99999999999", 10);
    show_strtol("-99999999999", 10);
    show_strtol("", 10);
    show_strtol("0x", 16);
    show_strtol("  +7 rest", 10);
    show_strtol("101012", 2);
    show_strtoul("4294967295", 10);
    show_strtoul("4294967296", 10);
    show_strtoul("-1", 10);
    show_strtoul("0777", 0);
    printf("ctype %u %u %u %u %u\n", mask(isalpha), mask(isdigit), mask(isspace),
           mask(isupper), mask(isxdigit));
    printf("ctype2 %u %u %u\n", mask(isalnum), mask(isprint), mask(isgraph));
    printf("case %c %c %c %c %d\n", tolower('Q'), toupper('q'), tolower('5'), toupper('{'),
           toupper(200));
    {
        char *p = strdup("duplicate me");
        char *q = calloc(10, 4);
        int zero = 1;
        for (i = 0; i < 40; i++)
            if (q[i]) zero = 0;
        printf("strdup %s calloc-zero %d\n", p, zero);
        p = realloc(p, 100);
        printf("realloc keeps %s\n", p);
        for (i = 0; i < 99; i++) p[i] = (char)('a' + i % 26);
        p[99] = 0;
        p = realloc(p, 30);
        p[29] = 0;
        printf("realloc shrink %s\n", p);
        free(p);
        free(q);
        free(0);
    }
    {
        /* many blocks, contents checked after frees in between */
        char *blk[40];
        int ok = 1;
        for (i = 0; i < 40; i++) {
            blk[i] = malloc(8 + i * 13);
            memset(blk[i], i, 8 + i * 13);
        }
        for (i = 0; i < 40; i += 3) { free(blk[i]); blk[i] = 0; }
        for (i = 0; i < 40; i += 3) { blk[i] = malloc(5 + i); memset(blk[i], i, 5 + i); }
        for (i = 0; i < 40; i++) {
            int n = (i % 3 == 0) ? 5 + i : 8 + i * 13, j;
            for (j = 0; j < n; j++)
                if (blk[i][j] != (char)i) ok = 0;
        }
        for (i = 0; i < 40; i++) free(blk[i]);
        printf("heap pattern ok=%d\n", ok);
    }
    return 0;
}
