/*
 * A CoreMark-style mixed workload, written for wamr-mpy: each iteration
 * runs a linked-list part (build, search, reverse, merge sort), a small
 * matrix part (i16 matrices, i32 products, bit extraction) and a
 * state-machine part (classifying number-like tokens in a text), and folds
 * every result into a CRC-16.  Same spirit as EEMBC CoreMark (list, matrix,
 * state, CRC), not its code or its scoring.
 */
#include "bench.h"

/* ---- CRC-16/CCITT, bitwise: the glue of every part ---- */

static uint16_t crc16_byte(uint16_t crc, uint8_t b)
{
    int k;
    crc ^= (uint16_t)b << 8;
    for (k = 0; k < 8; k++)
        crc = crc & 0x8000 ? (uint16_t)((crc << 1) ^ 0x1021) : (uint16_t)(crc << 1);
    return crc;
}

static uint16_t crc16_u16(uint16_t crc, uint16_t v)
{
    return crc16_byte(crc16_byte(crc, (uint8_t)v), (uint8_t)(v >> 8));
}

static uint16_t crc16_u32(uint16_t crc, uint32_t v)
{
    return crc16_u16(crc16_u16(crc, (uint16_t)v), (uint16_t)(v >> 16));
}

/* ---- list part ---- */

#define LIST_N 48

struct node {
    struct node *next;
    int16_t value;
    int16_t index;
};

static struct node pool[LIST_N];

static struct node *list_build(uint32_t *seed)
{
    struct node *head = 0;
    int i;
    for (i = LIST_N - 1; i >= 0; i--) {
        pool[i].value = (int16_t)(lcg_next(seed) >> 20);
        pool[i].index = (int16_t)i;
        pool[i].next = head;
        head = &pool[i];
    }
    return head;
}

static int list_find(struct node *l, int16_t value)
{
    int pos = 0;
    for (; l; l = l->next, pos++)
        if (l->value == value)
            return pos;
    return -1;
}

static struct node *list_reverse(struct node *l)
{
    struct node *prev = 0, *next;
    while (l) {
        next = l->next;
        l->next = prev;
        prev = l;
        l = next;
    }
    return prev;
}

static int node_cmp(const struct node *a, const struct node *b, int by_value)
{
    return by_value ? a->value - b->value : a->index - b->index;
}

/* bottom-up merge sort on the list, stable */
static struct node *list_sort(struct node *list, int by_value)
{
    int insize = 1;
    for (;;) {
        struct node *p = list, *tail = 0;
        int merges = 0;
        list = 0;
        while (p) {
            struct node *q = p, *e;
            int psize = 0, qsize = insize, i;
            merges++;
            for (i = 0; i < insize && q; i++) {
                psize++;
                q = q->next;
            }
            while (psize > 0 || (qsize > 0 && q)) {
                if (psize == 0) {
                    e = q; q = q->next; qsize--;
                } else if (qsize == 0 || !q || node_cmp(p, q, by_value) <= 0) {
                    e = p; p = p->next; psize--;
                } else {
                    e = q; q = q->next; qsize--;
                }
                if (tail)
                    tail->next = e;
                else
                    list = e;
                tail = e;
            }
            p = q;
        }
        tail->next = 0;
        if (merges <= 1)
            return list;
        insize *= 2;
    }
}

static uint16_t list_part(uint16_t crc, uint32_t *seed)
{
    struct node *l = list_build(seed), *p;
    int i;

    for (i = 0; i < 8; i++)
        crc = crc16_u16(crc, (uint16_t)list_find(l, pool[(i * 7) % LIST_N].value));
    crc = crc16_u16(crc, (uint16_t)list_find(l, 12345)); /* not present */
    l = list_reverse(l);
    l = list_sort(l, 1);
    for (p = l, i = 0; p && i < 6; p = p->next, i++)
        crc = crc16_u16(crc, (uint16_t)p->value);
    l = list_sort(l, 0);
    for (p = l; p; p = p->next)
        crc = crc16_u16(crc, (uint16_t)(p->index ^ p->value));
    return crc;
}

/* ---- matrix part ---- */

#define MAT_N 8

static int16_t ma[MAT_N * MAT_N], mb[MAT_N * MAT_N];
static int32_t mc[MAT_N * MAT_N];

static uint16_t matrix_part(uint16_t crc, uint32_t *seed)
{
    int i, j, k;
    int16_t c = (int16_t)(lcg_next(seed) >> 28) + 1;
    uint32_t acc = 0;

    for (i = 0; i < MAT_N * MAT_N; i++) {
        ma[i] = (int16_t)((int32_t)(lcg_next(seed) >> 16) - 32768) >> 4;
        mb[i] = (int16_t)((int32_t)(lcg_next(seed) >> 16) - 32768) >> 4;
    }
    for (i = 0; i < MAT_N * MAT_N; i++)          /* add a constant */
        ma[i] = (int16_t)(ma[i] + c);
    for (i = 0; i < MAT_N * MAT_N; i++)          /* multiply by a constant */
        mc[i] = (int32_t)ma[i] * c;
    for (i = 0; i < MAT_N * MAT_N; i++)
        acc += (uint32_t)mc[i];
    crc = crc16_u32(crc, acc);
    for (i = 0; i < MAT_N; i++) {                /* matrix x vector */
        int32_t s = 0;
        for (j = 0; j < MAT_N; j++)
            s += (int32_t)ma[i * MAT_N + j] * mb[j];
        mc[i] = s;
    }
    for (i = 0; i < MAT_N; i++)
        crc = crc16_u32(crc, (uint32_t)mc[i]);
    for (i = 0; i < MAT_N; i++)                  /* matrix x matrix */
        for (j = 0; j < MAT_N; j++) {
            int32_t s = 0;
            for (k = 0; k < MAT_N; k++)
                s += (int32_t)ma[i * MAT_N + k] * mb[k * MAT_N + j];
            mc[i * MAT_N + j] = s;
        }
    acc = 0;
    for (i = 0; i < MAT_N * MAT_N; i++)          /* extract bit fields */
        acc += ((uint32_t)mc[i] >> 2 & 0xf) * ((uint32_t)mc[i] >> 5 & 0x7f);
    return crc16_u32(crc, acc);
}

/* ---- state machine part ---- */

enum state { S_START, S_INT, S_FRAC, S_EXP_SIGN, S_EXP, S_HEX0, S_HEX, S_BAD, S_COUNT };

#define TEXT_LEN 160
static char text[TEXT_LEN + 1];

static void make_text(uint32_t *seed)
{
    static const char *pieces[] = {
        "5012", "-17", "3.25", "6.02e23", "-1.5E-3", "0x1F", "0xG1", "1.2.3",
        "+42", "e9", "0", "7e", "x", "12ab", "0x", ".5",
    };
    int len = 0;
    while (len < TEXT_LEN - 12) {
        const char *p = pieces[lcg_next(seed) >> 28];
        while (*p)
            text[len++] = *p++;
        text[len++] = ',';
    }
    text[len] = 0;
}

static enum state step(enum state s, char ch)
{
    int digit = ch >= '0' && ch <= '9';
    int hex = digit || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
    switch (s) {
    case S_START:
        if (ch == '0')
            return S_HEX0;
        if (digit || ch == '+' || ch == '-')
            return S_INT;
        if (ch == '.')
            return S_FRAC;
        return S_BAD;
    case S_HEX0:
        if (ch == 'x' || ch == 'X')
            return S_HEX;
        if (digit)
            return S_INT;
        if (ch == '.')
            return S_FRAC;
        return S_BAD;
    case S_INT:
        if (digit)
            return S_INT;
        if (ch == '.')
            return S_FRAC;
        if (ch == 'e' || ch == 'E')
            return S_EXP_SIGN;
        return S_BAD;
    case S_FRAC:
        if (digit)
            return S_FRAC;
        if (ch == 'e' || ch == 'E')
            return S_EXP_SIGN;
        return S_BAD;
    case S_EXP_SIGN:
        if (digit || ch == '+' || ch == '-')
            return S_EXP;
        return S_BAD;
    case S_EXP:
        return digit ? S_EXP : S_BAD;
    case S_HEX:
        return hex ? S_HEX : S_BAD;
    default:
        return S_BAD;
    }
}

static uint16_t state_part(uint16_t crc, uint32_t *seed)
{
    uint32_t final_count[S_COUNT], transitions = 0;
    enum state s = S_START, t;
    const char *p;
    int i;

    make_text(seed);
    for (i = 0; i < S_COUNT; i++)
        final_count[i] = 0;
    for (p = text; *p; p++) {
        if (*p == ',') {
            final_count[s]++;
            s = S_START;
            continue;
        }
        t = step(s, *p);
        transitions += t != s;
        s = t;
    }
    for (i = 0; i < S_COUNT; i++)
        crc = crc16_u16(crc, (uint16_t)final_count[i]);
    return crc16_u32(crc, transitions);
}

/* n: iterations of list + matrix + state parts; returns the running
 * CRC-16 mixed with the iteration count. */
EXPORT("run") uint32_t run(int32_t n)
{
    uint16_t crc = 0xffff;
    uint32_t seed = 0x5eed;
    int32_t i;

    for (i = 0; i < n; i++) {
        crc = list_part(crc, &seed);
        crc = matrix_part(crc, &seed);
        crc = state_part(crc, &seed);
    }
    return mix(crc, (uint32_t)n);
}
