/* wamr-mpy app SDK: stdio part of the built-in libc subset. */
#ifndef WAMR_MPY_STDIO_H
#define WAMR_MPY_STDIO_H

#include "_wamr_cdefs.h"

#define EOF (-1)

WAMR_BEGIN_DECLS

/* All output goes to the runtime's stdout.  printf understands
 * %d %i %u %x %X %o %c %s %p %% %f %e %g, width, precision, the flags
 * "-+ 0#" and the length modifiers l ll z h. */
WAMR_NATIVE int printf(const char *format, ...) WAMR_PRINTF(1, 2);
WAMR_NATIVE int sprintf(char *str, const char *format, ...) WAMR_PRINTF(2, 3);
WAMR_NATIVE int snprintf(char *str, size_t size, const char *format, ...)
    WAMR_PRINTF(3, 4);
WAMR_NATIVE int vprintf(const char *format, va_list ap);
WAMR_NATIVE int vsprintf(char *str, const char *format, va_list ap);
WAMR_NATIVE int vsnprintf(char *str, size_t size, const char *format, va_list ap);
WAMR_NATIVE int puts(const char *s);
WAMR_NATIVE int putchar(int c);

/* Minimal stream shims so code written against hosted stdio compiles.
 * There is one output stream: stdout and stderr both print through the
 * natives above.  There is no input stream. */
typedef struct wamr_file FILE;
#define stdout ((FILE *)1)
#define stderr ((FILE *)2)
#define fprintf(stream, ...) ((void)(stream), printf(__VA_ARGS__))
#define vfprintf(stream, format, ap) ((void)(stream), vprintf((format), (ap)))

static inline int fputs(const char *s, FILE *stream)
{
    (void)stream;
    return printf("%s", s);
}

static inline int fputc(int c, FILE *stream)
{
    (void)stream;
    return putchar(c);
}

#define putc(c, stream) fputc((c), (stream))

static inline int fflush(FILE *stream)
{
    (void)stream;
    return 0;
}

WAMR_END_DECLS

#endif
