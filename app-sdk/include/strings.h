/* wamr-mpy app SDK: <strings.h> (strncasecmp lives in the runtime). */
#ifndef WAMR_MPY_STRINGS_H
#define WAMR_MPY_STRINGS_H

#include "_wamr_cdefs.h"

WAMR_BEGIN_DECLS
WAMR_NATIVE int strncasecmp(const char *s1, const char *s2, size_t n);
WAMR_END_DECLS

#endif
