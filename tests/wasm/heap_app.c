/* Freestanding app using the built-in libc heap; exports __heap_base so
   the runtime can place the heap after the app's data and stack. */
typedef __SIZE_TYPE__ size_t;
void *malloc(size_t n);
void *realloc(void *p, size_t n);
void free(void *p);

__attribute__((export_name("alloc"))) void *alloc(int n) { return malloc(n); }
__attribute__((export_name("release"))) void release(void *p) { free(p); }

static unsigned seed = 12345;
static unsigned next(void) { seed = seed * 1103515245u + 12345u; return seed >> 8; }

/* random malloc/realloc/free keeping a fill pattern; 1 when every block
   kept its contents */
__attribute__((export_name("stress"))) int stress(int rounds) {
    static unsigned char *blk[64];
    static int len[64];
    int ok = 1;
    for (int r = 0; r < rounds; r++) {
        int i = next() % 64;
        if (blk[i]) {
            for (int j = 0; j < len[i]; j++)
                if (blk[i][j] != (unsigned char)(i + j)) ok = 0;
            if (next() % 3 == 0) {
                int n = 1 + next() % 300;
                unsigned char *p = realloc(blk[i], n);
                if (p) {
                    int keep = n < len[i] ? n : len[i];
                    for (int j = 0; j < keep; j++)
                        if (p[j] != (unsigned char)(i + j)) ok = 0;
                    for (int j = 0; j < n; j++) p[j] = (unsigned char)(i + j);
                    blk[i] = p;
                    len[i] = n;
                }
            } else {
                free(blk[i]);
                blk[i] = 0;
            }
        } else {
            int n = 1 + next() % 200;
            blk[i] = malloc(n);
            if (blk[i]) {
                len[i] = n;
                for (int j = 0; j < n; j++) blk[i][j] = (unsigned char)(i + j);
            }
        }
    }
    for (int i = 0; i < 64; i++) { free(blk[i]); blk[i] = 0; }
    return ok;
}
