/* wamr-mpy app SDK: ctype part of the built-in libc subset (ASCII). */
#ifndef WAMR_MPY_CTYPE_H
#define WAMR_MPY_CTYPE_H

#include "_wamr_cdefs.h"

WAMR_BEGIN_DECLS

WAMR_NATIVE int isalpha(int c);
WAMR_NATIVE int isdigit(int c);
WAMR_NATIVE int isspace(int c);
WAMR_NATIVE int isupper(int c);
WAMR_NATIVE int isxdigit(int c);
WAMR_NATIVE int isalnum(int c);
WAMR_NATIVE int isprint(int c);
WAMR_NATIVE int isgraph(int c);
WAMR_NATIVE int tolower(int c);
WAMR_NATIVE int toupper(int c);

/* The runtime does not export these three; they are computed in the app. */
static inline int islower(int c) { return c >= 'a' && c <= 'z'; }
static inline int iscntrl(int c) { return (c >= 0 && c < 32) || c == 127; }
static inline int ispunct(int c)
{
    return c > 32 && c < 127 && !((c >= '0' && c <= '9')
        || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'));
}

WAMR_END_DECLS

#endif
