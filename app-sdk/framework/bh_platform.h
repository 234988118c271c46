/* wamr-mpy app framework: the integer type names WAMR's app API uses. */
#ifndef WAMR_MPY_FW_BH_PLATFORM_H
#define WAMR_MPY_FW_BH_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint8_t uint8;
typedef int8_t int8;
typedef uint16_t uint16;
typedef int16_t int16;
typedef uint32_t uint32;
typedef int32_t int32;
typedef uint64_t uint64;
typedef int64_t int64;

#endif
