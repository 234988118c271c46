/* wamr-mpy app framework: attribute containers (WAMR's attr_container API).
 *
 * A container is a tag plus typed key/value attributes in one buffer that
 * can be sent as a request/response/event payload (format
 * FMT_ATTR_CONTAINER) without conversion:
 *   flags (2 bytes) | total length u32 | tag length u16 | tag | count u16 |
 *   attributes: key length u16 | key | type u8 | value
 * Multi-byte fields are little-endian.  The set functions may move the
 * container to a larger buffer, hence the pointer-to-pointer. */
#ifndef WAMR_MPY_FW_ATTR_CONTAINER_H
#define WAMR_MPY_FW_ATTR_CONTAINER_H

#include "bh_platform.h"

#ifdef __cplusplus
extern "C" {
#endif

enum {
    ATTR_TYPE_BEGIN = 1,
    ATTR_TYPE_SHORT = ATTR_TYPE_BEGIN,
    ATTR_TYPE_INT,
    ATTR_TYPE_INT64,
    ATTR_TYPE_BYTE,
    ATTR_TYPE_UINT16,
    ATTR_TYPE_FLOAT,
    ATTR_TYPE_DOUBLE,
    ATTR_TYPE_BOOLEAN,
    ATTR_TYPE_STRING,
    ATTR_TYPE_BYTEARRAY,
    ATTR_TYPE_END = ATTR_TYPE_BYTEARRAY
};

/* bit 2 of the flags: the container is read-only (serialized copies) */
#define ATTR_CONT_READONLY_SHIFT 2

typedef struct attr_container {
    char flags[2];
    char buf[1];
} attr_container_t;

attr_container_t *attr_container_create(const char *tag);
void attr_container_destroy(const attr_container_t *attr_cont);

bool attr_container_set_short(attr_container_t **p_attr_cont, const char *key,
                              short value);
bool attr_container_set_int(attr_container_t **p_attr_cont, const char *key,
                            int value);
bool attr_container_set_int64(attr_container_t **p_attr_cont, const char *key,
                              int64_t value);
bool attr_container_set_byte(attr_container_t **p_attr_cont, const char *key,
                             int8_t value);
bool attr_container_set_uint16(attr_container_t **p_attr_cont, const char *key,
                               uint16_t value);
bool attr_container_set_float(attr_container_t **p_attr_cont, const char *key,
                              float value);
bool attr_container_set_double(attr_container_t **p_attr_cont, const char *key,
                               double value);
bool attr_container_set_bool(attr_container_t **p_attr_cont, const char *key,
                             bool value);
bool attr_container_set_string(attr_container_t **p_attr_cont, const char *key,
                               const char *value);
bool attr_container_set_bytearray(attr_container_t **p_attr_cont,
                                  const char *key, const int8_t *value,
                                  unsigned length);

const char *attr_container_get_tag(const attr_container_t *attr_cont);
uint16_t attr_container_get_attr_num(const attr_container_t *attr_cont);
bool attr_container_contain_key(const attr_container_t *attr_cont,
                                const char *key);
/* The get_as_* functions convert between the numeric types (an INT read as
 * double, a DOUBLE read as int, ...) and return 0 / false / NULL when the
 * key is missing. */
short attr_container_get_as_short(const attr_container_t *attr_cont,
                                  const char *key);
int attr_container_get_as_int(const attr_container_t *attr_cont,
                              const char *key);
int64_t attr_container_get_as_int64(const attr_container_t *attr_cont,
                                    const char *key);
int8_t attr_container_get_as_byte(const attr_container_t *attr_cont,
                                  const char *key);
uint16_t attr_container_get_as_uint16(const attr_container_t *attr_cont,
                                      const char *key);
float attr_container_get_as_float(const attr_container_t *attr_cont,
                                  const char *key);
double attr_container_get_as_double(const attr_container_t *attr_cont,
                                    const char *key);
bool attr_container_get_as_bool(const attr_container_t *attr_cont,
                                const char *key);
char *attr_container_get_as_string(const attr_container_t *attr_cont,
                                   const char *key);
const int8_t *attr_container_get_as_bytearray(
    const attr_container_t *attr_cont, const char *key,
    unsigned *array_length);

unsigned attr_container_get_serialize_length(
    const attr_container_t *attr_cont);
bool attr_container_serialize(char *buf, const attr_container_t *attr_cont);
bool attr_container_is_constant(const attr_container_t *attr_cont);
void attr_container_dump(const attr_container_t *attr_cont);

#ifdef __cplusplus
}
#endif

#endif
