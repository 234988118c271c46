/* An emscripten-style side module ("side_module=1" in WAMR's README): built
   position-independent with a dylink.0 section, it imports its memory,
   table, stack pointer and base addresses from `env`, and reaches libc
   through the runtime's built-in natives (found with or without a leading
   underscore).  The runtime creates those imports from the dylink sizes. */
typedef __SIZE_TYPE__ size_t;
int printf(const char *fmt, ...);
int puts(const char *s);
void *malloc(size_t n);
void free(void *p);
int snprintf(char *buf, size_t n, const char *fmt, ...);

static const char *names[3] = {"red", "green", "blue"};   /* data relocations */
int hits = 0;                                             /* GOT.mem */

static int add(int a, int b) { return a + b; }
static int mul(int a, int b) { return a * b; }
static int (*ops[2])(int, int) = {add, mul};              /* table slots */

int main(void) {
    char *buf = malloc(64);
    for (int i = 0; i < 3; i++) {
        hits += ops[i & 1](i, 3);
        snprintf(buf, 64, "%s=%d", names[i], hits);
        puts(buf);
    }
    printf("side module: %d hits, %.2f average\n", hits, hits / 3.0);
    free(buf);
    return 0;
}
