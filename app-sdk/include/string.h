/* wamr-mpy app SDK: string part of the built-in libc subset. */
#ifndef WAMR_MPY_STRING_H
#define WAMR_MPY_STRING_H

#include "_wamr_cdefs.h"

WAMR_BEGIN_DECLS

WAMR_NATIVE int memcmp(const void *s1, const void *s2, size_t n);
WAMR_NATIVE void *memcpy(void *dest, const void *src, size_t n);
WAMR_NATIVE void *memmove(void *dest, const void *src, size_t n);
WAMR_NATIVE void *memset(void *s, int c, size_t n);
WAMR_NATIVE void *memchr(const void *s, int c, size_t n);
WAMR_NATIVE char *strchr(const char *s, int c);
WAMR_NATIVE int strcmp(const char *s1, const char *s2);
WAMR_NATIVE int strncmp(const char *s1, const char *s2, size_t n);
WAMR_NATIVE char *strcpy(char *dest, const char *src);
WAMR_NATIVE char *strncpy(char *dest, const char *src, size_t n);
WAMR_NATIVE size_t strlen(const char *s);
WAMR_NATIVE char *strdup(const char *s);
WAMR_NATIVE char *strstr(const char *haystack, const char *needle);
WAMR_NATIVE size_t strspn(const char *s, const char *accept);
WAMR_NATIVE size_t strcspn(const char *s, const char *reject);
WAMR_NATIVE int strncasecmp(const char *s1, const char *s2, size_t n);

WAMR_END_DECLS

/* Apps are built with -ffreestanding (no implicit builtins); routing the
 * block operations through the compiler builtins lets small constant-size
 * copies become plain loads/stores instead of native calls.  Larger ones
 * still call the natives above. */
#define memcpy(d, s, n) __builtin_memcpy((d), (s), (n))
#define memmove(d, s, n) __builtin_memmove((d), (s), (n))
#define memset(p, c, n) __builtin_memset((p), (c), (n))

#endif
