/* textproc: a small text-processing tool (WASI), written as a realistic
   workload for wamr_mpy: statistics, word frequencies, a regular-expression
   grep, sorting, CSV sums, base64, word wrapping and a few transforms.

   usage: textproc COMMAND [args...]
     stats FILE               lines, words, bytes, longest line, classes
     freq FILE N              the N most frequent words
     grep REGEX FILE          matching lines with numbers (. * + ? ^ $ [a-z] \d \w \s)
     sort FILE [-u] [-r] [-n] sorted lines (unique / reverse / numeric)
     csv FILE COL             sum, min, max and mean of numeric column COL
     b64 FILE OUT             base64-encode FILE into OUT, decode it back, compare
     wrap FILE WIDTH          greedy word wrap
     tr FILE MODE             MODE: upper lower rot13 reverse squeeze
     report FILE OUT          everything above into OUT, a summary on stdout
*/
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* buffers and lines                                                   */

typedef struct {
    char *data;
    size_t len, cap;
} Buf;

static void buf_init(Buf *b) { b->data = NULL; b->len = b->cap = 0; }

static void buf_reserve(Buf *b, size_t extra) {
    if (b->len + extra + 1 > b->cap) {
        size_t ncap = b->cap ? b->cap * 2 : 256;
        while (ncap < b->len + extra + 1) ncap *= 2;
        char *p = realloc(b->data, ncap);
        if (!p) { fprintf(stderr, "textproc: out of memory\n"); exit(70); }
        b->data = p;
        b->cap = ncap;
    }
}

static void buf_put(Buf *b, const char *s, size_t n) {
    buf_reserve(b, n);
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = 0;
}

static void buf_putc(Buf *b, char c) { buf_put(b, &c, 1); }

static void buf_printf(Buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void buf_printf(Buf *b, const char *fmt, ...) {
    va_list ap;
    char tmp[512];
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n >= sizeof tmp) n = sizeof tmp - 1;
    buf_put(b, tmp, (size_t)n);
}

static void buf_free(Buf *b) { free(b->data); buf_init(b); }

static int read_file(const char *path, Buf *out) {
    FILE *f = fopen(path, "rb");
    char chunk[1024];
    size_t n;
    buf_init(out);
    if (!f) {
        fprintf(stderr, "textproc: cannot open %s: %s\n", path, strerror(errno));
        return -1;
    }
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) buf_put(out, chunk, n);
    fclose(f);
    if (!out->data) buf_put(out, "", 0);
    return 0;
}

static int write_file(const char *path, const char *data, size_t len) {
    FILE *f = fopen(path, "wb");
    if (!f) {
        fprintf(stderr, "textproc: cannot create %s: %s\n", path, strerror(errno));
        return -1;
    }
    size_t w = fwrite(data, 1, len, f);
    fclose(f);
    return w == len ? 0 : -1;
}

typedef struct {
    char **v;
    size_t n, cap;
} Lines;

/* split in place at '\n' (a final line without newline counts too) */
static void split_lines(char *text, size_t len, Lines *ls) {
    ls->v = NULL;
    ls->n = ls->cap = 0;
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i == len || text[i] == '\n') {
            if (i == len && start == len) break;
            if (ls->n == ls->cap) {
                ls->cap = ls->cap ? ls->cap * 2 : 64;
                ls->v = realloc(ls->v, ls->cap * sizeof *ls->v);
                if (!ls->v) exit(70);
            }
            if (i < len) text[i] = 0;
            if (i > start && text[i - 1] == '\r') text[i - 1] = 0;
            ls->v[ls->n++] = text + start;
            start = i + 1;
        }
    }
}

/* ------------------------------------------------------------------ */
/* stats                                                               */

typedef struct {
    long lines, words, bytes, longest, longest_at;
    long alpha, digit, space, punct, upper, other;
} Stats;

static void compute_stats(const char *s, size_t len, Stats *st) {
    long cur = 0, line = 1;
    int in_word = 0;
    memset(st, 0, sizeof *st);
    st->bytes = (long)len;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\n') {
            st->lines++;
            if (cur > st->longest) { st->longest = cur; st->longest_at = line; }
            cur = 0;
            line++;
        } else {
            cur++;
        }
        if (isspace(c)) { st->space++; in_word = 0; }
        else {
            if (!in_word) st->words++;
            in_word = 1;
            if (isalpha(c)) { st->alpha++; if (isupper(c)) st->upper++; }
            else if (isdigit(c)) st->digit++;
            else if (ispunct(c)) st->punct++;
            else st->other++;
        }
    }
    if (len && s[len - 1] != '\n') {
        st->lines++;
        if (cur > st->longest) { st->longest = cur; st->longest_at = line; }
    }
}

static void print_stats(Buf *out, const Stats *st) {
    buf_printf(out, "lines %ld words %ld bytes %ld\n", st->lines, st->words, st->bytes);
    buf_printf(out, "longest line %ld (%ld chars)\n", st->longest_at, st->longest);
    buf_printf(out, "alpha %ld (upper %ld) digit %ld space %ld punct %ld other %ld\n",
               st->alpha, st->upper, st->digit, st->space, st->punct, st->other);
    if (st->words)
        buf_printf(out, "mean word length %.3f\n",
                   (double)(st->alpha + st->digit) / (double)st->words);
}

/* ------------------------------------------------------------------ */
/* word frequencies: open hashing with a string arena                  */

typedef struct {
    char *word;
    long count;
    long first;
} Entry;

typedef struct {
    Entry *slots;
    size_t cap, used;
    long order;
} Table;

static unsigned long hash_str(const char *s) {
    unsigned long h = 2166136261u;
    while (*s) { h ^= (unsigned char)*s++; h *= 16777619u; }
    return h;
}

static void table_init(Table *t, size_t cap) {
    t->cap = cap;
    t->used = 0;
    t->order = 0;
    t->slots = calloc(cap, sizeof *t->slots);
    if (!t->slots) exit(70);
}

static void table_grow(Table *t);

static void table_add(Table *t, const char *w) {
    if ((t->used + 1) * 4 > t->cap * 3) table_grow(t);
    size_t i = hash_str(w) & (t->cap - 1);
    while (t->slots[i].word) {
        if (strcmp(t->slots[i].word, w) == 0) { t->slots[i].count++; return; }
        i = (i + 1) & (t->cap - 1);
    }
    t->slots[i].word = strdup(w);
    t->slots[i].count = 1;
    t->slots[i].first = t->order++;
    t->used++;
}

static void table_grow(Table *t) {
    Table n;
    table_init(&n, t->cap * 2);
    n.order = t->order;
    for (size_t i = 0; i < t->cap; i++) {
        if (!t->slots[i].word) continue;
        size_t j = hash_str(t->slots[i].word) & (n.cap - 1);
        while (n.slots[j].word) j = (j + 1) & (n.cap - 1);
        n.slots[j] = t->slots[i];
        n.used++;
    }
    free(t->slots);
    *t = n;
}

static void table_free(Table *t) {
    for (size_t i = 0; i < t->cap; i++) free(t->slots[i].word);
    free(t->slots);
}

static int by_count(const void *a, const void *b) {
    const Entry *x = a, *y = b;
    if (x->count != y->count) return x->count < y->count ? 1 : -1;
    return strcmp(x->word, y->word);
}

static size_t word_freq(const char *s, size_t len, long top, Buf *out) {
    char word[64];
    size_t wl = 0;
    long total = 0;
    Table t;
    table_init(&t, 64);
    for (size_t i = 0; i <= len; i++) {
        unsigned char c = i < len ? (unsigned char)s[i] : ' ';
        if (isalnum(c) || c == '\'') {
            if (wl < sizeof word - 1) word[wl++] = (char)tolower(c);
        } else if (wl) {
            word[wl] = 0;
            /* strip quotes around words */
            char *w = word;
            while (*w == '\'') w++;
            size_t n = strlen(w);
            while (n && w[n - 1] == '\'') w[--n] = 0;
            if (*w) { table_add(&t, w); total++; }
            wl = 0;
        }
    }
    Entry *all = malloc((t.used ? t.used : 1) * sizeof *all);
    size_t k = 0;
    for (size_t i = 0; i < t.cap; i++)
        if (t.slots[i].word) all[k++] = t.slots[i];
    qsort(all, k, sizeof *all, by_count);
    buf_printf(out, "words %ld distinct %zu\n", total, k);
    for (long i = 0; i < top && (size_t)i < k; i++)
        buf_printf(out, "%4ld %-16s %6.2f%%\n", all[i].count, all[i].word,
                   100.0 * (double)all[i].count / (double)total);
    free(all);
    table_free(&t);
    return k;
}

/* ------------------------------------------------------------------ */
/* a small regular-expression engine (backtracking, compiled to nodes)  */

enum { R_CHAR, R_ANY, R_CLASS, R_BOL, R_EOL };

typedef struct {
    int kind;
    int rep;            /* 0 once, '*', '+', '?' */
    unsigned char set[32];
    int negate;
    char c;
} RNode;

typedef struct {
    RNode node[128];
    int n;
    int icase;
} Regex;

static void set_add(unsigned char *set, int c) { set[(unsigned char)c >> 3] |= 1 << (c & 7); }
static int set_has(const unsigned char *set, int c) {
    return set[(unsigned char)c >> 3] & (1 << (c & 7));
}

static void set_escape(unsigned char *set, char e) {
    for (int c = 0; c < 256; c++) {
        if ((e == 'd' && isdigit(c)) || (e == 'w' && (isalnum(c) || c == '_')) ||
            (e == 's' && isspace(c)))
            set_add(set, c);
    }
}

static const char *re_error;

static int re_compile(const char *p, Regex *re, int icase) {
    re->n = 0;
    re->icase = icase;
    re_error = NULL;
    while (*p) {
        if (re->n >= 127) { re_error = "pattern too long"; return -1; }
        RNode *nd = &re->node[re->n];
        memset(nd, 0, sizeof *nd);
        if (*p == '^' && re->n == 0) { nd->kind = R_BOL; p++; re->n++; continue; }
        if (*p == '$' && p[1] == 0) { nd->kind = R_EOL; p++; re->n++; continue; }
        if (*p == '.') { nd->kind = R_ANY; p++; }
        else if (*p == '[') {
            nd->kind = R_CLASS;
            p++;
            if (*p == '^') { nd->negate = 1; p++; }
            if (*p == ']') { set_add(nd->set, ']'); p++; }
            while (*p && *p != ']') {
                if (*p == '\\' && p[1]) {
                    if (p[1] == 'd' || p[1] == 'w' || p[1] == 's') set_escape(nd->set, p[1]);
                    else set_add(nd->set, p[1]);
                    p += 2;
                } else if (p[1] == '-' && p[2] && p[2] != ']') {
                    for (int c = (unsigned char)p[0]; c <= (unsigned char)p[2]; c++)
                        set_add(nd->set, c);
                    p += 3;
                } else {
                    set_add(nd->set, *p++);
                }
            }
            if (*p != ']') { re_error = "missing ]"; return -1; }
            p++;
            if (icase) {
                for (int c = 'a'; c <= 'z'; c++) {
                    if (set_has(nd->set, c)) set_add(nd->set, toupper(c));
                    if (set_has(nd->set, toupper(c))) set_add(nd->set, c);
                }
            }
        } else if (*p == '\\' && p[1]) {
            if (p[1] == 'd' || p[1] == 'w' || p[1] == 's') {
                nd->kind = R_CLASS;
                set_escape(nd->set, p[1]);
            } else {
                nd->kind = R_CHAR;
                nd->c = p[1];
            }
            p += 2;
        } else if (*p == '*' || *p == '+' || *p == '?') {
            re_error = "nothing to repeat";
            return -1;
        } else {
            nd->kind = R_CHAR;
            nd->c = *p++;
        }
        if (*p == '*' || *p == '+' || *p == '?') nd->rep = *p++;
        re->n++;
    }
    return 0;
}

static int node_match(const Regex *re, const RNode *nd, char c) {
    switch (nd->kind) {
    case R_ANY: return c != 0;
    case R_CHAR:
        if (re->icase) return tolower((unsigned char)c) == tolower((unsigned char)nd->c);
        return c == nd->c;
    case R_CLASS:
        if (!c) return 0;
        return set_has(nd->set, (unsigned char)c) ? !nd->negate : nd->negate;
    }
    return 0;
}

static int match_here(const Regex *re, int i, const char *s, const char *line);

static int match_rep(const Regex *re, int i, const char *s, const char *line) {
    const RNode *nd = &re->node[i];
    const char *t = s;
    int min = nd->rep == '+' ? 1 : 0;
    int max = nd->rep == '?' ? 1 : 1 << 30;
    int count = 0;
    while (count < max && *t && node_match(re, nd, *t)) { t++; count++; }
    /* greedy: try the longest first */
    for (;;) {
        if (count >= min && match_here(re, i + 1, t, line)) return 1;
        if (count == 0) return 0;
        t--;
        count--;
    }
}

static int match_here(const Regex *re, int i, const char *s, const char *line) {
    if (i == re->n) return 1;
    const RNode *nd = &re->node[i];
    if (nd->kind == R_EOL) return *s == 0;
    if (nd->kind == R_BOL) return s == line && match_here(re, i + 1, s, line);
    if (nd->rep) return match_rep(re, i, s, line);
    if (*s && node_match(re, nd, *s)) return match_here(re, i + 1, s + 1, line);
    return 0;
}

static int re_search(const Regex *re, const char *line) {
    const char *s = line;
    do {
        if (match_here(re, 0, s, line)) return (int)(s - line);
        if (re->n && re->node[0].kind == R_BOL) return -1;
    } while (*s++);
    return -1;
}

static long grep_lines(const Regex *re, Lines *ls, Buf *out, int show) {
    long hits = 0;
    for (size_t i = 0; i < ls->n; i++) {
        int at = re_search(re, ls->v[i]);
        if (at >= 0) {
            hits++;
            if (show) buf_printf(out, "%zu:%d: %s\n", i + 1, at, ls->v[i]);
        }
    }
    return hits;
}

/* ------------------------------------------------------------------ */
/* sorting                                                             */

static int sort_numeric, sort_reverse;

static double leading_number(const char *s) {
    char *end;
    double v = strtod(s, &end);
    return end == s ? 0.0 : v;
}

static int line_cmp(const void *a, const void *b) {
    const char *x = *(char *const *)a, *y = *(char *const *)b;
    int r;
    if (sort_numeric) {
        double dx = leading_number(x), dy = leading_number(y);
        r = dx < dy ? -1 : dx > dy ? 1 : strcmp(x, y);
    } else {
        r = strcmp(x, y);
    }
    return sort_reverse ? -r : r;
}

static void sort_lines(Lines *ls, int unique, Buf *out) {
    qsort(ls->v, ls->n, sizeof *ls->v, line_cmp);
    for (size_t i = 0; i < ls->n; i++) {
        if (unique) {
            size_t j = i;
            while (j + 1 < ls->n && strcmp(ls->v[j + 1], ls->v[i]) == 0) j++;
            buf_printf(out, "%7zu %s\n", j - i + 1, ls->v[i]);
            i = j;
        } else {
            buf_printf(out, "%s\n", ls->v[i]);
        }
    }
}

/* ------------------------------------------------------------------ */
/* CSV                                                                 */

/* the field number `col` (0-based) of a CSV line, quotes handled, into out */
static int csv_field(const char *line, int col, char *out, size_t outsz) {
    int c = 0;
    size_t k = 0;
    const char *p = line;
    while (1) {
        int quoted = *p == '"';
        if (quoted) p++;
        k = 0;
        while (*p) {
            if (quoted) {
                if (*p == '"' && p[1] == '"') { if (c == col && k + 1 < outsz) out[k++] = '"'; p += 2; continue; }
                if (*p == '"') { p++; quoted = 0; continue; }
            } else if (*p == ',') break;
            if (c == col && k + 1 < outsz) out[k++] = *p;
            p++;
        }
        if (c == col) { out[k] = 0; return 0; }
        if (*p != ',') return -1;
        p++;
        c++;
    }
}

typedef struct {
    long n, bad;
    double sum, min, max, sumsq;
} ColStats;

static void csv_column(Lines *ls, int col, ColStats *cs) {
    char field[128];
    memset(cs, 0, sizeof *cs);
    for (size_t i = 1; i < ls->n; i++) {       /* line 0: header */
        if (!ls->v[i][0]) continue;
        if (csv_field(ls->v[i], col, field, sizeof field) < 0) { cs->bad++; continue; }
        char *end;
        double v = strtod(field, &end);
        while (*end == ' ') end++;
        if (end == field || *end) { cs->bad++; continue; }
        if (cs->n == 0 || v < cs->min) cs->min = v;
        if (cs->n == 0 || v > cs->max) cs->max = v;
        cs->sum += v;
        cs->sumsq += v * v;
        cs->n++;
    }
}

static double my_sqrt(double x) {
    if (x <= 0) return 0;
    double r = x > 1 ? x : 1;
    for (int i = 0; i < 60; i++) r = 0.5 * (r + x / r);
    return r;
}

static void print_col(Buf *out, const char *name, const ColStats *cs) {
    buf_printf(out, "column %s: n=%ld bad=%ld\n", name, cs->n, cs->bad);
    if (cs->n) {
        double mean = cs->sum / (double)cs->n;
        double var = cs->sumsq / (double)cs->n - mean * mean;
        buf_printf(out, "  sum=%.2f min=%g max=%g mean=%.4f sd=%.4e\n", cs->sum, cs->min,
                   cs->max, mean, my_sqrt(var));
    }
}

/* ------------------------------------------------------------------ */
/* base64                                                              */

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void b64_encode(const unsigned char *s, size_t n, Buf *out) {
    size_t i;
    int col = 0;
    for (i = 0; i + 2 < n; i += 3) {
        unsigned v = (unsigned)s[i] << 16 | (unsigned)s[i + 1] << 8 | s[i + 2];
        char q[4] = {B64[v >> 18], B64[(v >> 12) & 63], B64[(v >> 6) & 63], B64[v & 63]};
        buf_put(out, q, 4);
        if ((col += 4) >= 76) { buf_putc(out, '\n'); col = 0; }
    }
    if (i < n) {
        unsigned v = (unsigned)s[i] << 16 | (i + 1 < n ? (unsigned)s[i + 1] << 8 : 0);
        char q[4] = {B64[v >> 18], B64[(v >> 12) & 63], i + 1 < n ? B64[(v >> 6) & 63] : '=',
                     '='};
        buf_put(out, q, 4);
        col += 4;
    }
    if (col) buf_putc(out, '\n');
}

static int b64_value(int c) {
    const char *p = c ? strchr(B64, c) : NULL;
    return p ? (int)(p - B64) : -1;
}

static int b64_decode(const char *s, size_t n, Buf *out) {
    unsigned v = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char)s[i];
        if (c == '\n' || c == '\r' || c == ' ') continue;
        if (c == '=') break;
        int d = b64_value(c);
        if (d < 0) return -1;
        v = v << 6 | (unsigned)d;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            buf_putc(out, (char)((v >> bits) & 0xff));
        }
    }
    return 0;
}

static unsigned long crc32(const unsigned char *s, size_t n) {
    unsigned long c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= s[i];
        for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
    }
    return c ^ 0xffffffffu;
}

/* ------------------------------------------------------------------ */
/* wrap and transforms                                                 */

static void wrap_text(const char *s, size_t len, int width, Buf *out) {
    int col = 0;
    size_t i = 0;
    while (i < len) {
        while (i < len && isspace((unsigned char)s[i])) {
            if (s[i] == '\n' && i + 1 < len && s[i + 1] == '\n') {
                buf_put(out, "\n\n", col ? 2 : 1);
                col = 0;
                i++;
            }
            i++;
        }
        size_t start = i;
        while (i < len && !isspace((unsigned char)s[i])) i++;
        int wl = (int)(i - start);
        if (!wl) break;
        if (col && col + 1 + wl > width) { buf_putc(out, '\n'); col = 0; }
        if (col) { buf_putc(out, ' '); col++; }
        buf_put(out, s + start, (size_t)wl);
        col += wl;
    }
    if (col) buf_putc(out, '\n');
}

static void transform(const char *s, size_t len, const char *mode, Buf *out) {
    if (strcmp(mode, "reverse") == 0) {
        /* reverse each line */
        size_t start = 0;
        for (size_t i = 0; i <= len; i++) {
            if (i == len || s[i] == '\n') {
                for (size_t j = i; j > start; j--) buf_putc(out, s[j - 1]);
                if (i < len) buf_putc(out, '\n');
                start = i + 1;
            }
        }
        return;
    }
    int prev_space = 0;
    for (size_t i = 0; i < len; i++) {
        int c = (unsigned char)s[i];
        if (strcmp(mode, "upper") == 0) c = toupper(c);
        else if (strcmp(mode, "lower") == 0) c = tolower(c);
        else if (strcmp(mode, "rot13") == 0) {
            if (isalpha(c)) {
                int base = isupper(c) ? 'A' : 'a';
                c = base + (c - base + 13) % 26;
            }
        } else if (strcmp(mode, "squeeze") == 0) {
            if (c == ' ' || c == '\t') {
                if (prev_space) continue;
                prev_space = 1;
                c = ' ';
            } else {
                prev_space = 0;
            }
        }
        buf_putc(out, (char)c);
    }
}

/* ------------------------------------------------------------------ */
/* commands                                                            */

static void emit(Buf *out) {
    if (out->len) fwrite(out->data, 1, out->len, stdout);
}

static int cmd_stats(int argc, char **argv) {
    Buf in, out;
    Stats st;
    if (argc < 1 || read_file(argv[0], &in) < 0) return 2;
    buf_init(&out);
    compute_stats(in.data, in.len, &st);
    print_stats(&out, &st);
    emit(&out);
    buf_free(&in);
    buf_free(&out);
    return 0;
}

static int cmd_freq(int argc, char **argv) {
    Buf in, out;
    if (argc < 1 || read_file(argv[0], &in) < 0) return 2;
    buf_init(&out);
    word_freq(in.data, in.len, argc > 1 ? atol(argv[1]) : 10, &out);
    emit(&out);
    buf_free(&in);
    buf_free(&out);
    return 0;
}

static int cmd_grep(int argc, char **argv) {
    Buf in, out;
    Regex re;
    Lines ls;
    int icase = 0;
    if (argc > 0 && strcmp(argv[0], "-i") == 0) { icase = 1; argc--; argv++; }
    if (argc < 2) return 2;
    if (re_compile(argv[0], &re, icase) < 0) {
        fprintf(stderr, "textproc: bad regex: %s\n", re_error);
        return 2;
    }
    if (read_file(argv[1], &in) < 0) return 2;
    buf_init(&out);
    split_lines(in.data, in.len, &ls);
    long hits = grep_lines(&re, &ls, &out, 1);
    buf_printf(&out, "%ld matching lines\n", hits);
    emit(&out);
    free(ls.v);
    buf_free(&in);
    buf_free(&out);
    return hits ? 0 : 1;
}

static int cmd_sort(int argc, char **argv) {
    Buf in, out;
    Lines ls;
    int unique = 0;
    if (argc < 1 || read_file(argv[0], &in) < 0) return 2;
    sort_numeric = sort_reverse = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-u") == 0) unique = 1;
        else if (strcmp(argv[i], "-r") == 0) sort_reverse = 1;
        else if (strcmp(argv[i], "-n") == 0) sort_numeric = 1;
    }
    buf_init(&out);
    split_lines(in.data, in.len, &ls);
    sort_lines(&ls, unique, &out);
    emit(&out);
    free(ls.v);
    buf_free(&in);
    buf_free(&out);
    return 0;
}

static int cmd_csv(int argc, char **argv) {
    Buf in, out;
    Lines ls;
    ColStats cs;
    char name[64];
    if (argc < 2 || read_file(argv[0], &in) < 0) return 2;
    int col = atoi(argv[1]);
    buf_init(&out);
    split_lines(in.data, in.len, &ls);
    if (!ls.n || csv_field(ls.v[0], col, name, sizeof name) < 0) strcpy(name, "?");
    csv_column(&ls, col, &cs);
    print_col(&out, name, &cs);
    emit(&out);
    free(ls.v);
    buf_free(&in);
    buf_free(&out);
    return 0;
}

static int cmd_b64(int argc, char **argv) {
    Buf in, enc, dec;
    if (argc < 2 || read_file(argv[0], &in) < 0) return 2;
    buf_init(&enc);
    buf_init(&dec);
    b64_encode((unsigned char *)in.data, in.len, &enc);
    if (write_file(argv[1], enc.data, enc.len) < 0) return 2;
    if (b64_decode(enc.data, enc.len, &dec) < 0) return 3;
    int same = dec.len == in.len && memcmp(dec.data, in.data, in.len) == 0;
    printf("base64 %zu -> %zu bytes, crc32 %08lx, round trip %s\n", in.len, enc.len,
           crc32((unsigned char *)in.data, in.len), same ? "ok" : "FAILED");
    buf_free(&in);
    buf_free(&enc);
    buf_free(&dec);
    return same ? 0 : 1;
}

static int cmd_wrap(int argc, char **argv) {
    Buf in, out;
    if (argc < 2 || read_file(argv[0], &in) < 0) return 2;
    buf_init(&out);
    wrap_text(in.data, in.len, atoi(argv[1]) > 0 ? atoi(argv[1]) : 72, &out);
    emit(&out);
    buf_free(&in);
    buf_free(&out);
    return 0;
}

static int cmd_tr(int argc, char **argv) {
    Buf in, out;
    if (argc < 2 || read_file(argv[0], &in) < 0) return 2;
    buf_init(&out);
    transform(in.data, in.len, argv[1], &out);
    emit(&out);
    buf_free(&in);
    buf_free(&out);
    return 0;
}

static int cmd_report(int argc, char **argv) {
    Buf in, out, tmp;
    Stats st;
    Regex re;
    size_t distinct;
    Lines ls;
    if (argc < 2 || read_file(argv[0], &in) < 0) return 2;
    buf_init(&out);
    buf_printf(&out, "== report for %s ==\n", argv[0]);
    compute_stats(in.data, in.len, &st);
    print_stats(&out, &st);
    buf_printf(&out, "== top words ==\n");
    distinct = word_freq(in.data, in.len, 12, &out);
    buf_printf(&out, "== crc32 %08lx ==\n", crc32((unsigned char *)in.data, in.len));
    buf_init(&tmp);
    b64_encode((unsigned char *)in.data, in.len > 90 ? 90 : in.len, &tmp);
    buf_printf(&out, "== base64 of the first bytes ==\n%s", tmp.data ? tmp.data : "");
    buf_free(&tmp);
    buf_init(&tmp);
    transform(in.data, in.len > 120 ? 120 : in.len, "rot13", &tmp);
    buf_printf(&out, "== rot13 ==\n%s\n", tmp.data ? tmp.data : "");
    buf_free(&tmp);
    buf_init(&tmp);
    wrap_text(in.data, in.len > 400 ? 400 : in.len, 40, &tmp);
    buf_printf(&out, "== wrapped at 40 ==\n%s", tmp.data ? tmp.data : "");
    buf_free(&tmp);
    split_lines(in.data, in.len, &ls);
    const char *pats[] = {"^the", "[0-9]+", "ing$", "\\w+@\\w+", "q.*k", "^$"};
    buf_printf(&out, "== patterns ==\n");
    for (size_t i = 0; i < sizeof pats / sizeof pats[0]; i++) {
        re_compile(pats[i], &re, 1);
        buf_printf(&out, "%-10s %ld lines\n", pats[i], grep_lines(&re, &ls, NULL, 0));
    }
    free(ls.v);
    if (write_file(argv[1], out.data, out.len) < 0) return 2;
    printf("report: %zu bytes written to %s\n", out.len, argv[1]);
    printf("lines %ld words %ld bytes %ld distinct %zu\n", st.lines, st.words, st.bytes,
           distinct);
    buf_free(&in);
    buf_free(&out);
    return 0;
}

static const struct {
    const char *name;
    int (*fn)(int, char **);
} COMMANDS[] = {
    {"stats", cmd_stats}, {"freq", cmd_freq}, {"grep", cmd_grep}, {"sort", cmd_sort},
    {"csv", cmd_csv},     {"b64", cmd_b64},   {"wrap", cmd_wrap}, {"tr", cmd_tr},
    {"report", cmd_report},
};

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: textproc COMMAND [args...]\n");
        return 2;
    }
    for (size_t i = 0; i < sizeof COMMANDS / sizeof COMMANDS[0]; i++)
        if (strcmp(argv[1], COMMANDS[i].name) == 0) {
            int r = COMMANDS[i].fn(argc - 2, argv + 2);
            fflush(stdout);
            return r;
        }
    fprintf(stderr, "textproc: unknown command %s\n", argv[1]);
    return 2;
}
