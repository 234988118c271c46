/* An emcc-style side module (dylink.0): built with
     clang-14 --target=wasm32-unknown-emscripten -fPIC -c
     wasm-ld-14 --experimental-pic -shared --export-all
   It imports env.memory, env.__indirect_function_table, env.__stack_pointer,
   env.__memory_base, env.__table_base, GOT.func/GOT.mem entries, and libc
   names (iprintf is clang's float-free printf). */
typedef __SIZE_TYPE__ size_t;
int printf(const char *fmt, ...);
int puts(const char *s);
void *malloc(size_t n);
void free(void *p);
char *strcpy(char *d, const char *s);
size_t strlen(const char *s);

int counter = 5;                 /* default visibility: reached through GOT.mem */
static int table[4] = {10, 20, 30, 40};
static int *ptr = &table[2];     /* a data relocation */

int square(int x) { return x * x; }          /* address taken: GOT.func */
static int twice(int x) { return 2 * x; }    /* table slot from __table_base */

typedef int (*fn)(int);
static fn ops[2] = {twice, square};

int apply(fn f, int v) { return f(v); }

/* the address of an imported libc function: a GOT.func import */
int (*say)(const char *) = puts;

int main(int argc, char **argv) {
    char *buf = malloc(32);
    fn g = square;
    counter += argc;
    strcpy(buf, "heap ok");
    printf("side_demo: argc=%d arg1=%s counter=%d *ptr=%d\n", argc,
           argc > 1 ? argv[1] : "-", counter, *ptr);
    printf("side_demo: ops %d %d g(9)=%d apply=%d len=%d %s\n", ops[0](21), ops[1](5), g(9),
           apply(twice, 8), (int)strlen(buf), buf);
    printf("side_demo: float %.3f\n", 2.0 / 3.0);
    say("side_demo: done");
    free(buf);
    return 0;
}
