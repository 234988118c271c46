// MicroPython configuration of the unix32 test port: a Linux executable built
// with gcc -m32 that behaves like a 32-bit board (rp2, esp32) as far as our
// runtime can tell: 32-bit machine words, object representation A (31-bit
// small ints, boxed floats), the x86 native emitter for @viper/@native and
// native .mpy files, and single- or double-precision float (FLOAT=single is
// what rp2/esp32 have).  The feature set follows a board build
// (ROM level EXTRA_FEATURES, like rp2/esp32), plus what a test runner on
// Linux needs (files, os, command line).

#include <stdint.h>
#include <alloca.h>

#if !defined(__i386__) && !defined(__thumb2__)
#error "unix32 must be built for i386 (gcc -m32) or 32-bit ARM Thumb-2 (ARCH=armhf): the point is a 32-bit word"
#endif

#define MICROPY_CONFIG_ROM_LEVEL        (MICROPY_CONFIG_ROM_LEVEL_EXTRA_FEATURES)

// --- the properties that make this a "32-bit board" ------------------------
#define MICROPY_OBJ_REPR                (MICROPY_OBJ_REPR_A)
#define MICROPY_LONGINT_IMPL            (MICROPY_LONGINT_IMPL_MPZ)
#ifndef MICROPY_FLOAT_IMPL              // set by the Makefile (FLOAT=single|double)
#define MICROPY_FLOAT_IMPL              (MICROPY_FLOAT_IMPL_FLOAT)
#endif
#if defined(__i386__)
#define MICROPY_EMIT_X86                (1)    // @micropython.native/viper, x86 .mpy
#else
// ARCH=armhf: the Thumb-2 emitter of the Cortex-M boards (.mpy arch armv7emdp,
// since this CPU has double-precision VFP; armv6m..armv7emsp code loads too)
#define MICROPY_EMIT_THUMB              (1)
// native code is entered in Thumb state: bit 0 of its address set
#define MICROPY_MAKE_POINTER_CALLABLE(p) ((void *)((uintptr_t)(p) | 1))
#endif
#define MICROPY_PERSISTENT_CODE_LOAD    (1)    // import .mpy files

// --- runtime ----------------------------------------------------------------
#define MICROPY_ENABLE_GC               (1)
#define MICROPY_STACK_CHECK             (1)
#define MICROPY_ENABLE_EMERGENCY_EXCEPTION_BUF (1)
#define MICROPY_EMERGENCY_EXCEPTION_BUF_SIZE (256)
#define MICROPY_MEM_STATS               (0)
#define MICROPY_ERROR_REPORTING         (MICROPY_ERROR_REPORTING_NORMAL)  // as on rp2/esp32
#define MICROPY_WARNINGS                (1)
#define MICROPY_ENABLE_SOURCE_LINE      (1)
#define MICROPY_ENABLE_FINALISER        (1)    // files closed by the GC
#define MICROPY_CPYTHON_COMPAT          (1)
#define MICROPY_FLOAT_HIGH_QUALITY_HASH (0)
#define MICROPY_USE_INTERNAL_PRINTF     (0)    // libc printf is fine on Linux
#define MICROPY_USE_INTERNAL_ERRNO      (0)    // errno values are Linux's
#define MICROPY_SCHEDULER_DEPTH         (8)

// --- import from the filesystem (plain POSIX, no VFS layer) -------------------
#define MICROPY_READER_POSIX            (1)
#define MICROPY_ENABLE_EXTERNAL_IMPORT  (1)
#define MICROPY_MODULE_OVERRIDE_MAIN_IMPORT (1) // micropython -m PKG runs PKG.__main__
#define MICROPY_ALLOC_PATH_MAX          (4096)
#define MICROPY_PY___FILE__             (1)

// --- builtins / modules in py/ (as on a board; a few forced for clarity) -----
#define MICROPY_PY_BUILTINS_HELP        (0)
#define MICROPY_PY_BUILTINS_INPUT       (0)    // would need shared/readline
#define MICROPY_PY_SYS_STDFILES         (1)    // our fd-backed file objects (file.c)
#define MICROPY_PY_SYS_STDIO_BUFFER     (1)
#define MICROPY_PY_SYS_PLATFORM         "linux"
#define MICROPY_PY_SYS_MAXSIZE          (1)
#define MICROPY_PY_SYS_EXC_INFO         (1)
#define MICROPY_PY_SYS_ATEXIT           (1)
#define MICROPY_PY_SYS_EXIT             (1)
#define MICROPY_PY_SYS_PS1_PS2          (0)
#define MICROPY_PY_SYS_PATH_ARGV_DEFAULTS (0)  // main.c fills sys.path/argv
#define MICROPY_PY_IO                   (1)
#define MICROPY_PY_IO_IOBASE            (1)
#define MICROPY_PY_IO_BYTESIO           (1)
#define MICROPY_PY_ARRAY                (1)
#define MICROPY_PY_STRUCT               (1)
#define MICROPY_PY_MATH                 (1)
#define MICROPY_PY_CMATH                (1)    // rp2/esp32 have it off; harmless
#define MICROPY_PY_GC                   (1)
#define MICROPY_PY_ERRNO                (1)
#define MICROPY_PY_MICROPYTHON_HEAP_LOCKED (1)
#define MICROPY_PY_COLLECTIONS_DEQUE    (1)
#define MICROPY_PY_COLLECTIONS_ORDEREDDICT (1)
#define MICROPY_PY_THREAD               (0)
// socket and select.poll: ours (modsocket.c, modselect.c), on BSD sockets
// and poll(2), for the app manager's TCP transport and asyncio streams
#define MICROPY_PY_SOCKET               (1)
#define MICROPY_PY_SELECT               (1)

// Modules that live in extmod/ upstream (absent from the sdist): off here;
// os, time, random, json and uctypes (addressof, bytes_at, bytearray_at
// only) are provided by this port (modos.c, modtime.c, modrandom.c,
// modjson.c, moductypes.c) under the same names.
#define MICROPY_PY_OS                   (0)
#define MICROPY_PY_TIME                 (0)
#define MICROPY_PY_RANDOM               (0)
#define MICROPY_PY_JSON                 (0)    // ours: modjson.c
#define MICROPY_PY_RE                   (0)
#define MICROPY_PY_HEAPQ                (0)
#define MICROPY_PY_HASHLIB              (0)
#define MICROPY_PY_BINASCII             (0)
#define MICROPY_PY_UCTYPES              (0)
#define MICROPY_PY_DEFLATE              (0)
#define MICROPY_PY_MACHINE              (0)
#define MICROPY_PY_ASYNCIO              (0)
#define MICROPY_PY_FRAMEBUF             (0)
#define MICROPY_PY_PLATFORM             (0)
#define MICROPY_PY_WEBSOCKET            (0)
#define MICROPY_PY_SSL                  (0)
#define MICROPY_PY_BTREE                (0)
#define MICROPY_VFS                     (0)

// No REPL: this executable only runs scripts, -c and -m.
#define MICROPY_HELPER_REPL             (0)
#define MICROPY_KBD_EXCEPTION           (1)

// --- machine types ------------------------------------------------------------
typedef int32_t mp_int_t;    // must be pointer size: 32-bit
typedef uint32_t mp_uint_t;
typedef long long mp_off_t;  // built with _FILE_OFFSET_BITS=64 (large files)

// Native code (emitter output, .mpy native code) is placed in the GC heap,
// which main.c maps read/write/execute, as on boards without an MMU.  So no
// MP_PLAT_ALLOC_EXEC hook is needed.

// mp_plat_print (debug/traceback printer fallback) writes to stdout.
#define MP_PLAT_PRINT_STRN(str, len) mp_hal_stdout_tx_strn(str, len)

#define MICROPY_HW_BOARD_NAME           "unix32"
#if defined(__i386__)
#define MICROPY_HW_MCU_NAME             "i386"
#else
#define MICROPY_HW_MCU_NAME             "armv7a"
#endif

#include <stddef.h>
mp_uint_t mp_hal_stdout_tx_strn(const char *str, size_t len);

// Port root pointers (MP_REGISTER_ROOT_POINTER, e.g. persistentcode's list of
// relocated native code, which keeps .mpy machine code alive) live in the VM
// state, as on rp2/esp32.
#define MP_STATE_PORT MP_STATE_VM
