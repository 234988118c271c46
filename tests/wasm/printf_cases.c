/* printf/libc cases compared byte for byte between wamr_mpy's built-in libc
   (this file built freestanding, importing printf & co. from "env") and
   wasi-libc (the same file built for wasm32-wasi, run under wasmtime).
   No #include: the prototypes below serve both builds. */
typedef __SIZE_TYPE__ size_t;
typedef __builtin_va_list va_list;
#define va_start(ap, last) __builtin_va_start(ap, last)
#define va_end(ap) __builtin_va_end(ap)

int printf(const char *fmt, ...);
int sprintf(char *s, const char *fmt, ...);
int snprintf(char *s, size_t n, const char *fmt, ...);
int vsnprintf(char *s, size_t n, const char *fmt, va_list ap);
int puts(const char *s);
int putchar(int c);
size_t strlen(const char *s);

static int vsn(char *buf, size_t n, const char *fmt, ...) {
    va_list ap;
    int r;
    va_start(ap, fmt);
    r = vsnprintf(buf, n, fmt, ap);
    va_end(ap);
    return r;
}

int main(void) {
    char buf[64];
    int r;
    double pi = 3.14159265358979323846;
    /* integers */
    printf("1 [%d] [%i] [%u] [%x] [%X] [%o]\n", 42, -42, 3000000000u, 0xbeef, 0xbeef, 8);
    printf("2 [%5d] [%-5d] [%05d] [%+d] [% d] [%+5d]\n", 42, 42, -42, 7, 7, -7);
    printf("3 [%.3d] [%.0d] [%8.3d] [%-8.3d] [%08.3d]\n", 7, 0, -7, 7, 7);
    printf("4 [%#x] [%#X] [%#o] [%#x] [%#o] [%#08x]\n", 255, 255, 8, 0, 0, 255);
    printf("5 [%hd] [%hhd] [%hu] [%hhu] [%hx]\n", 70000, 300, -1, 257, -1);
    printf("6 [%ld] [%lu] [%lld] [%llu] [%llx]\n", -5L, 5UL, -1234567890123LL,
           18446744073709551615ULL, 0x123456789abcdefULL);
    printf("7 [%zu] [%zd] [%jd] [%td]\n", (size_t)77, (long)-77, (long long)-5, (long)9);
    printf("8 [%*d] [%-*d] [%.*d] [%*.*d]\n", 6, 1, 6, 2, 4, 3, 7, 3, 4);
    printf("9 [%d] [%d] [%u] [%x]\n", 2147483647, (int)-2147483648LL, 0u, 4294967295u);
    /* characters and strings */
    printf("10 [%c] [%3c] [%-3c] [%c%c]\n", 'A', 'b', 'c', '%', 'z');
    printf("11 [%s] [%10s] [%-10s] [%.3s] [%10.2s] [%-*s]\n", "hello", "right", "left",
           "truncate", "ab", 4, "x");
    /* (%p is left out: the built-in libc pads it to 8 digits like WAMR) */
    printf("12 [%%] [%s] [%-3s|]\n", "", "");
    printf("13 [%.0s] [%.*s] [%5.0s|]\n", "gone", 2, "cut", "x");
    /* %f */
    printf("14 [%f] [%f] [%f] [%f]\n", pi, -pi, 0.0, -0.0);
    printf("15 [%.0f] [%.1f] [%.2f] [%.10f] [%.20f]\n", pi, pi, pi, pi, 0.1);
    printf("16 [%10.3f] [%-10.3f] [%010.3f] [%+.3f] [% .3f]\n", pi, pi, -pi, pi, pi);
    printf("17 [%.0f] [%.0f] [%.0f] [%.0f] [%#.0f]\n", 0.5, 1.5, 2.5, 3.5, 2.0);
    printf("18 [%f] [%.3f] [%f]\n", 1e20, 123456789.987654321, 1e-7);
    printf("19 [%.2f] [%.2f] [%.2f] [%.3f]\n", 1.005, 2.675, 1.115, 0.0005);
    printf("20 [%f] [%F] [%f] [%8.2f] [%-8f]\n", 1.0/0.0, -1.0/0.0, 0.0/0.0, 1.0/0.0, -1.0/0.0);
    /* %e */
    printf("21 [%e] [%E] [%e] [%e]\n", pi, pi * 1e10, 0.0, -1e-300);
    printf("22 [%.0e] [%.1e] [%.10e] [%#.0e] [%12.3e] [%-12.3e] [%012.3e]\n",
           12345.0, 9.96, pi, 5.0, pi, -pi, pi);
    printf("23 [%e] [%e] [%e] [%.3e]\n", 1e308, 2.2250738585072014e-308, 4.9e-324, 9.9995);
    /* %g */
    printf("24 [%g] [%g] [%g] [%g] [%g] [%g]\n", pi, 100000.0, 1000000.0, 1e-4, 1e-5, 0.0);
    printf("25 [%.0g] [%.1g] [%.2g] [%.10g] [%.17g] [%G]\n", pi, 0.15, 99.5, pi, 0.1, 1e-10);
    printf("26 [%#g] [%#.3g] [%10.4g] [%-10.4g] [%010.4g] [%+g]\n", 1.0, 2.0, pi, pi, -pi, 1e100);
    printf("27 [%g] [%g] [%g] [%g]\n", 123456.0, 1234567.0, 0.0001234, 123.456e-9);
    /* %a */
    printf("28 [%a] [%a] [%A] [%.2a] [%a]\n", 1.0, 0.1, 255.5, pi, 0.0);
    /* mixed argument kinds in one call (va_list alignment) */
    printf("29 [%d %f %d %e %s %lld %g %c]\n", 1, 2.5, 3, 4.5, "five", 6LL, 7.25, '8');
    /* sprintf/snprintf/vsnprintf results and truncation */
    r = sprintf(buf, "%s-%05.1f-%x", "ab", 2.25, 255);
    printf("30 [%s] r=%d len=%d\n", buf, r, (int)strlen(buf));
    r = snprintf(buf, 8, "%d %s", 123456, "overflowing");
    printf("31 [%s] r=%d\n", buf, r);
    r = snprintf(buf, 1, "abc");
    printf("32 [%s] r=%d\n", buf, r);
    r = vsn(buf, sizeof buf, "%d:%.2f:%s", -3, 1.0 / 3.0, "v");
    printf("33 [%s] r=%d\n", buf, r);
    r = printf("34 count me %d\n", 12345);
    printf("35 r=%d\n", r);
    puts("36 puts line");
    putchar('3'); putchar('7'); putchar('\n');
    printf("38 [%5.1f%%] [%3d%%]\n", 99.44, 100);
    printf("39 [%.3g] [%.3g] [%.3g] [%g]\n", 0.0001, 0.00001234, 999.9, 9.999995e-5);
    printf("40 [%15.10e] [%-15.2g|] [%.15g] [%.16g]\n", 1.0 / 7.0, 1e-5, 0.3, 0.3);
    return 0;
}
