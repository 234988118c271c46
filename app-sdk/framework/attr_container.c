/* wamr-mpy app framework: attribute containers.
 *
 * Buffer layout (attr_container_t.buf):
 *   total u32 | tag_len u16 | tag NUL | num u16 | attributes | spare
 * `total` is the size of buf (everything above, spare room included); the
 * serialized container is the 2 flag bytes followed by buf.  Attributes are
 * appended into the spare room; when it runs out the container is moved
 * to a bigger buffer. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attr_container.h"

#define SPARE 64

static uint16_t rd16(const char *p)
{
    uint16_t v;
    memcpy(&v, p, 2);
    return v;
}

static uint32_t rd32(const char *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static void wr16(char *p, uint16_t v) { memcpy(p, &v, 2); }
static void wr32(char *p, uint32_t v) { memcpy(p, &v, 4); }

/* size of a fixed-size value, 0 for strings/byte arrays/unknown types */
static unsigned fixed_size(int type)
{
    switch (type) {
    case ATTR_TYPE_SHORT: case ATTR_TYPE_UINT16: return 2;
    case ATTR_TYPE_INT: case ATTR_TYPE_FLOAT: return 4;
    case ATTR_TYPE_INT64: case ATTR_TYPE_DOUBLE: return 8;
    case ATTR_TYPE_BYTE: case ATTR_TYPE_BOOLEAN: return 1;
    default: return 0;
    }
}

static uint32_t total_of(const attr_container_t *c) { return rd32(c->buf); }

/* offset (in buf) of the attribute count */
static uint32_t num_offset(const attr_container_t *c)
{
    return 4 + 2 + rd16(c->buf + 4);
}

/* Offset just past the attribute at `off`, or 0 when it does not fit in
 * `total` bytes. */
static uint32_t next_attr(const char *buf, uint32_t off, uint32_t total)
{
    uint32_t klen, n;
    int type;

    if (off + 2 > total)
        return 0;
    klen = rd16(buf + off);
    off += 2 + klen;
    if (klen == 0 || off + 1 > total)
        return 0;
    type = (unsigned char)buf[off++];
    if ((n = fixed_size(type)) != 0) {
        off += n;
    }
    else if (type == ATTR_TYPE_STRING) {
        if (off + 2 > total)
            return 0;
        off += 2 + rd16(buf + off);
    }
    else if (type == ATTR_TYPE_BYTEARRAY) {
        if (off + 4 > total)
            return 0;
        n = rd32(buf + off);
        if (n > total)
            return 0;
        off += 4 + n;
    }
    else {
        return 0;
    }
    return off <= total ? off : 0;
}

/* Offset of the end of the last attribute, 0 when the container is
 * malformed. */
static uint32_t attrs_end(const attr_container_t *c)
{
    uint32_t total = total_of(c), off = num_offset(c);
    uint16_t i, num;

    if (off + 2 > total)
        return 0;
    num = rd16(c->buf + off);
    off += 2;
    for (i = 0; i < num; i++)
        if ((off = next_attr(c->buf, off, total)) == 0)
            return 0;
    return off;
}

/* Offset of the attribute named key, 0 when absent. */
static uint32_t find_attr(const attr_container_t *c, const char *key)
{
    uint32_t total, off, klen;
    uint16_t i, num;

    if (!c || !key)
        return 0;
    total = total_of(c);
    off = num_offset(c);
    if (off + 2 > total)
        return 0;
    num = rd16(c->buf + off);
    off += 2;
    klen = strlen(key) + 1;
    for (i = 0; i < num; i++) {
        if (off + 2 > total)
            return 0;
        if (rd16(c->buf + off) == klen && off + 2 + klen <= total
            && memcmp(c->buf + off + 2, key, klen) == 0)
            return off;
        if ((off = next_attr(c->buf, off, total)) == 0)
            return 0;
    }
    return 0;
}

attr_container_t *attr_container_create(const char *tag)
{
    uint32_t tag_len = (tag ? strlen(tag) : 0) + 1;
    uint32_t total = 4 + 2 + tag_len + 2 + SPARE;
    attr_container_t *c = (attr_container_t *)malloc(2 + total);

    if (!c) {
        printf("Create attr_container failed: allocate memory failed.\n");
        return NULL;
    }
    memset(c, 0, 2 + total);
    wr32(c->buf, total);
    wr16(c->buf + 4, (uint16_t)tag_len);
    if (tag)
        memcpy(c->buf + 6, tag, tag_len);
    return c;
}

void attr_container_destroy(const attr_container_t *attr_cont)
{
    if (attr_cont)
        free((void *)attr_cont);
}

bool attr_container_is_constant(const attr_container_t *attr_cont)
{
    if (!attr_cont)
        return false;
    return (rd16(attr_cont->flags) & (1 << ATTR_CONT_READONLY_SHIFT)) != 0;
}

static bool set_attr(attr_container_t **pc, const char *key, int type,
                     const void *value, uint32_t vlen)
{
    attr_container_t *c;
    uint32_t klen, rec, total, end, at, old_end, numoff;
    char *p;

    if (!pc || !*pc || !key || !*key) {
        printf("Set attribute failed: invalid input arguments.\n");
        return false;
    }
    c = *pc;
    if (attr_container_is_constant(c)) {
        printf("Set attribute failed: attribute container is readonly.\n");
        return false;
    }
    if (!(end = attrs_end(c))) {
        printf("Set attr failed: get attr end failed.\n");
        return false;
    }
    klen = strlen(key) + 1;
    if (klen > 0xFFFF || (type == ATTR_TYPE_STRING && vlen > 0xFFFF))
        return false;
    rec = 2 + klen + 1 + vlen
          + (type == ATTR_TYPE_STRING ? 2 : type == ATTR_TYPE_BYTEARRAY ? 4
                                                                        : 0);
    total = total_of(c);
    numoff = num_offset(c);

    /* drop an existing attribute of that name (it is re-added at the end) */
    if ((at = find_attr(c, key)) != 0) {
        uint32_t nx = next_attr(c->buf, at, total);
        memmove(c->buf + at, c->buf + nx, end - nx);
        old_end = end;
        end -= nx - at;
        memset(c->buf + end, 0, old_end - end);
        wr16(c->buf + numoff, rd16(c->buf + numoff) - 1);
    }

    if (end + rec > total) {
        uint32_t ntotal = end + rec + SPARE;
        attr_container_t *n = (attr_container_t *)malloc(2 + ntotal);
        if (!n) {
            printf("Set attr failed: allocate memory failed.\n");
            return false;
        }
        memset(n, 0, 2 + ntotal);
        memcpy(n, c, 2 + end);
        wr32(n->buf, ntotal);
        free(c);
        *pc = c = n;
    }

    p = c->buf + end;
    wr16(p, (uint16_t)klen);
    memcpy(p + 2, key, klen);
    p += 2 + klen;
    *p++ = (char)type;
    if (type == ATTR_TYPE_STRING) {
        wr16(p, (uint16_t)vlen);
        p += 2;
    }
    else if (type == ATTR_TYPE_BYTEARRAY) {
        wr32(p, vlen);
        p += 4;
    }
    if (vlen)
        memcpy(p, value, vlen);
    wr16(c->buf + numoff, rd16(c->buf + numoff) + 1);
    return true;
}

bool attr_container_set_short(attr_container_t **p, const char *key,
                              short value)
{
    return set_attr(p, key, ATTR_TYPE_SHORT, &value, 2);
}

bool attr_container_set_int(attr_container_t **p, const char *key, int value)
{
    return set_attr(p, key, ATTR_TYPE_INT, &value, 4);
}

bool attr_container_set_int64(attr_container_t **p, const char *key,
                              int64_t value)
{
    return set_attr(p, key, ATTR_TYPE_INT64, &value, 8);
}

bool attr_container_set_byte(attr_container_t **p, const char *key,
                             int8_t value)
{
    return set_attr(p, key, ATTR_TYPE_BYTE, &value, 1);
}

bool attr_container_set_uint16(attr_container_t **p, const char *key,
                               uint16_t value)
{
    return set_attr(p, key, ATTR_TYPE_UINT16, &value, 2);
}

bool attr_container_set_float(attr_container_t **p, const char *key,
                              float value)
{
    return set_attr(p, key, ATTR_TYPE_FLOAT, &value, 4);
}

bool attr_container_set_double(attr_container_t **p, const char *key,
                               double value)
{
    return set_attr(p, key, ATTR_TYPE_DOUBLE, &value, 8);
}

bool attr_container_set_bool(attr_container_t **p, const char *key,
                             bool value)
{
    int8_t v = value ? 1 : 0;
    return set_attr(p, key, ATTR_TYPE_BOOLEAN, &v, 1);
}

bool attr_container_set_string(attr_container_t **p, const char *key,
                               const char *value)
{
    if (!value) {
        printf("Set attr failed: invalid input arguments.\n");
        return false;
    }
    return set_attr(p, key, ATTR_TYPE_STRING, value, strlen(value) + 1);
}

bool attr_container_set_bytearray(attr_container_t **p, const char *key,
                                  const int8_t *value, unsigned length)
{
    if (!value && length) {
        printf("Set attr failed: invalid input arguments.\n");
        return false;
    }
    return set_attr(p, key, ATTR_TYPE_BYTEARRAY, value, length);
}

const char *attr_container_get_tag(const attr_container_t *attr_cont)
{
    return attr_cont ? attr_cont->buf + 6 : NULL;
}

uint16_t attr_container_get_attr_num(const attr_container_t *attr_cont)
{
    uint32_t off;
    if (!attr_cont)
        return 0;
    off = num_offset(attr_cont);
    return off + 2 <= total_of(attr_cont) ? rd16(attr_cont->buf + off) : 0;
}

bool attr_container_contain_key(const attr_container_t *attr_cont,
                                const char *key)
{
    return key && *key && find_attr(attr_cont, key) != 0;
}

/* the value of key: its type and a pointer to its bytes (after any length
 * field); NULL when absent */
static const char *get_value(const attr_container_t *c, const char *key,
                             int *type, uint32_t *len)
{
    uint32_t off = find_attr(c, key);
    const char *p;

    if (!off)
        return NULL;
    p = c->buf + off + 2 + rd16(c->buf + off);
    *type = (unsigned char)*p++;
    if (*type == ATTR_TYPE_STRING) {
        *len = rd16(p);
        return p + 2;
    }
    if (*type == ATTR_TYPE_BYTEARRAY) {
        *len = rd32(p);
        return p + 4;
    }
    *len = fixed_size(*type);
    return p;
}

/* numeric value of key as double / int64 (strings and byte arrays: 0) */
static bool get_number(const attr_container_t *c, const char *key,
                       int64_t *iv, double *dv, bool *is_float)
{
    int type;
    uint32_t len;
    const char *p = get_value(c, key, &type, &len);
    int16_t s;
    uint16_t u;
    int32_t i;
    int8_t b;
    float f;

    *iv = 0;
    *dv = 0;
    *is_float = false;
    if (!p)
        return false;
    switch (type) {
    case ATTR_TYPE_SHORT: memcpy(&s, p, 2); *iv = s; break;
    case ATTR_TYPE_INT: memcpy(&i, p, 4); *iv = i; break;
    case ATTR_TYPE_INT64: memcpy(iv, p, 8); break;
    case ATTR_TYPE_BYTE: memcpy(&b, p, 1); *iv = b; break;
    case ATTR_TYPE_UINT16: memcpy(&u, p, 2); *iv = u; break;
    case ATTR_TYPE_BOOLEAN: *iv = *p != 0; break;
    case ATTR_TYPE_FLOAT:
        memcpy(&f, p, 4);
        *dv = f;
        *is_float = true;
        break;
    case ATTR_TYPE_DOUBLE:
        memcpy(dv, p, 8);
        *is_float = true;
        break;
    default: return false;
    }
    if (*is_float)
        *iv = (int64_t)*dv;
    else
        *dv = (double)*iv;
    return true;
}

#define GET_INTEGRAL(ctype)                                \
    int64_t iv;                                            \
    double dv;                                             \
    bool fl;                                               \
    get_number(attr_cont, key, &iv, &dv, &fl);             \
    return (ctype)iv

short attr_container_get_as_short(const attr_container_t *attr_cont,
                                  const char *key)
{
    GET_INTEGRAL(short);
}

int attr_container_get_as_int(const attr_container_t *attr_cont,
                              const char *key)
{
    GET_INTEGRAL(int);
}

int64_t attr_container_get_as_int64(const attr_container_t *attr_cont,
                                    const char *key)
{
    GET_INTEGRAL(int64_t);
}

int8_t attr_container_get_as_byte(const attr_container_t *attr_cont,
                                  const char *key)
{
    GET_INTEGRAL(int8_t);
}

uint16_t attr_container_get_as_uint16(const attr_container_t *attr_cont,
                                      const char *key)
{
    GET_INTEGRAL(uint16_t);
}

bool attr_container_get_as_bool(const attr_container_t *attr_cont,
                                const char *key)
{
    int64_t iv;
    double dv;
    bool fl;
    get_number(attr_cont, key, &iv, &dv, &fl);
    return fl ? dv != 0 : iv != 0;
}

float attr_container_get_as_float(const attr_container_t *attr_cont,
                                  const char *key)
{
    int64_t iv;
    double dv;
    bool fl;
    get_number(attr_cont, key, &iv, &dv, &fl);
    return (float)dv;
}

double attr_container_get_as_double(const attr_container_t *attr_cont,
                                    const char *key)
{
    int64_t iv;
    double dv;
    bool fl;
    get_number(attr_cont, key, &iv, &dv, &fl);
    return dv;
}

const int8_t *attr_container_get_as_bytearray(
    const attr_container_t *attr_cont, const char *key,
    unsigned *array_length)
{
    int type;
    uint32_t len;
    const char *p;

    if (!array_length) {
        printf("Get attribute failed: invalid input arguments.\n");
        return NULL;
    }
    if (!(p = get_value(attr_cont, key, &type, &len)))
        return NULL;
    *array_length = len;
    return (const int8_t *)p;
}

char *attr_container_get_as_string(const attr_container_t *attr_cont,
                                   const char *key)
{
    unsigned len;
    return (char *)attr_container_get_as_bytearray(attr_cont, key, &len);
}

unsigned attr_container_get_serialize_length(
    const attr_container_t *attr_cont)
{
    if (!attr_cont) {
        printf("Get container serialize length failed: invalid input "
               "arguments.\n");
        return 0;
    }
    return 2 + total_of(attr_cont);
}

bool attr_container_serialize(char *buf, const attr_container_t *attr_cont)
{
    uint32_t n;

    if (!buf || !attr_cont) {
        printf("Container serialize failed: invalid input arguments.\n");
        return false;
    }
    n = attr_container_get_serialize_length(attr_cont);
    memcpy(buf, attr_cont, n);
    wr16(buf, rd16(attr_cont->flags) | (1 << ATTR_CONT_READONLY_SHIFT));
    return true;
}

void attr_container_dump(const attr_container_t *attr_cont)
{
    uint32_t total, off;
    uint16_t i, num;

    if (!attr_cont)
        return;
    printf("Attribute container dump:\n");
    printf("Tag: %s\n", attr_container_get_tag(attr_cont));
    total = total_of(attr_cont);
    off = num_offset(attr_cont);
    if (off + 2 > total)
        return;
    num = rd16(attr_cont->buf + off);
    off += 2;
    printf("Attribute list:\n");
    for (i = 0; i < num; i++) {
        const char *key = attr_cont->buf + off + 2;
        uint32_t nx = next_attr(attr_cont->buf, off, total);
        const char *p;
        int type;
        int16_t s;
        uint16_t u;
        int32_t iv;
        int64_t lv;
        float f;
        double d;

        if (!nx)
            break;
        p = key + rd16(attr_cont->buf + off);
        type = (unsigned char)*p++;
        printf("  key: %s", key);
        switch (type) {
        case ATTR_TYPE_SHORT:
            memcpy(&s, p, 2);
            printf(", type: short, value: 0x%x\n", s & 0xFFFF);
            break;
        case ATTR_TYPE_INT:
            memcpy(&iv, p, 4);
            printf(", type: int, value: 0x%x\n", (unsigned)iv);
            break;
        case ATTR_TYPE_INT64:
            memcpy(&lv, p, 8);
            printf(", type: int64, value: 0x%llx\n", (unsigned long long)lv);
            break;
        case ATTR_TYPE_BYTE:
            printf(", type: byte, value: 0x%x\n", *p & 0xFF);
            break;
        case ATTR_TYPE_UINT16:
            memcpy(&u, p, 2);
            printf(", type: uint16, value: 0x%x\n", u);
            break;
        case ATTR_TYPE_FLOAT:
            memcpy(&f, p, 4);
            printf(", type: float, value: %f\n", (double)f);
            break;
        case ATTR_TYPE_DOUBLE:
            memcpy(&d, p, 8);
            printf(", type: double, value: %f\n", d);
            break;
        case ATTR_TYPE_BOOLEAN:
            printf(", type: bool, value: 0x%x\n", *p & 0xFF);
            break;
        case ATTR_TYPE_STRING:
            printf(", type: string, value: %s\n", p + 2);
            break;
        case ATTR_TYPE_BYTEARRAY:
            printf(", type: byte array, length: %u\n", (unsigned)rd32(p));
            break;
        }
        off = nx;
    }
    printf("\n");
}
