/* wamr-mpy app SDK: stdlib part of the built-in libc subset. */
#ifndef WAMR_MPY_STDLIB_H
#define WAMR_MPY_STDLIB_H

#include "_wamr_cdefs.h"

#define EXIT_SUCCESS 0
#define EXIT_FAILURE 1

WAMR_BEGIN_DECLS

/* The heap is managed by the runtime inside the app's linear memory (its
 * size is chosen by the embedder: instantiate(heap_size=...)).  Returned
 * pointers are ordinary app addresses; freeing a pointer twice or one that
 * malloc did not return traps. */
WAMR_NATIVE void *malloc(size_t size);
WAMR_NATIVE void *calloc(size_t nmemb, size_t size);
WAMR_NATIVE void *realloc(void *ptr, size_t size);
WAMR_NATIVE void free(void *ptr);

WAMR_NATIVE WAMR_NORETURN void abort(void);
WAMR_NATIVE WAMR_NORETURN void exit(int status);

WAMR_NATIVE int atoi(const char *nptr);
WAMR_NATIVE long strtol(const char *nptr, char **endptr, int base);
WAMR_NATIVE unsigned long strtoul(const char *nptr, char **endptr, int base);

/* Not natives: small enough to live in the app. */
static inline int abs(int j) { return j < 0 ? -j : j; }
static inline long labs(long j) { return j < 0 ? -j : j; }
static inline long long llabs(long long j) { return j < 0 ? -j : j; }

WAMR_END_DECLS

#endif
