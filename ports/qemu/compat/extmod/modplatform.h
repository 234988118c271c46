// Stand-in for extmod/modplatform.h (shared/runtime/pyexec.c and py/modsys.c
// include it; the PyPI core sdist has no extmod/).
#ifndef MICROPY_INCLUDED_MODPLATFORM_H
#define MICROPY_INCLUDED_MODPLATFORM_H
#define MICROPY_PLATFORM_ARCH     MICROPY_HW_MCU_NAME
#define MICROPY_PLATFORM_SYSTEM   "QEMU"
#define MICROPY_PLATFORM_COMPILER "GCC " __VERSION__
#define MICROPY_PLATFORM_VERSION  ""
#endif
