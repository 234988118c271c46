/*
 * wamr-mpy app SDK: the built-in libc subset ("libc-builtin").
 *
 * Every function declared by the headers in this directory is implemented by
 * the runtime (wamr_mpy/libc.py) and imported from module "env" under the
 * same name; nothing here is linked into the app.  Pointer and string
 * arguments are bounds-checked by the runtime before the native code runs.
 *
 * This header pulls in the whole subset; <stdio.h>, <string.h>, <stdlib.h>,
 * <ctype.h>, <time.h> from this directory each declare their part, so
 * ordinary C sources compile unchanged.  "lib-base.h" is the name WAMR used.
 */
#ifndef WAMR_MPY_LIBC_H
#define WAMR_MPY_LIBC_H

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <stdlib.h>
#include <ctype.h>
#include <time.h>

#endif
