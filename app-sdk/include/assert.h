/* wamr-mpy app SDK: assert() on top of printf + abort. */
#include "_wamr_cdefs.h"

#undef assert
#ifdef NDEBUG
#define assert(e) ((void)0)
#else
WAMR_BEGIN_DECLS
WAMR_NATIVE int printf(const char *format, ...);
WAMR_NATIVE WAMR_NORETURN void abort(void);
WAMR_END_DECLS
#define assert(e) ((e) ? (void)0 : (printf("%s:%d: %s: Assertion `%s' failed.\n", \
    __FILE__, __LINE__, __func__, #e), abort()))
#endif
