// wamr-mpy app SDK: the C++ runtime pieces a freestanding app needs.
// tools/wasm-cc links this into every C++ app (there is no libc++abi here):
// no exceptions, no RTTI; new/delete map onto malloc/free - the runtime's
// natives in the libc-builtin flavour, wasi-libc's with --wasi.
#include <stddef.h>

#ifdef __wasi__
#define LIBC
#else
#define LIBC __attribute__((import_module("env")))
#endif

extern "C" {
LIBC void *malloc(size_t size);
LIBC void free(void *ptr);
LIBC __attribute__((noreturn)) void abort(void);

// A pure virtual function was called through a partly built object.
void __cxa_pure_virtual() { abort(); }

#ifndef __wasi__
// Static destructors never run (apps end with main or exit); accept and
// drop the registration so global objects with destructors link.  (wasi-libc
// has a real one.)
int __cxa_atexit(void (*)(void *), void *, void *) { return 0; }
#endif
}

namespace {
void *checked_alloc(size_t n)
{
    // operator new must not return null without exceptions to report it.
    void *p = malloc(n ? n : 1);
    if (!p)
        abort();
    return p;
}
}

void *operator new(size_t n) { return checked_alloc(n); }
void *operator new[](size_t n) { return checked_alloc(n); }
void operator delete(void *p) noexcept { free(p); }
void operator delete[](void *p) noexcept { free(p); }
void operator delete(void *p, size_t) noexcept { free(p); }
void operator delete[](void *p, size_t) noexcept { free(p); }
