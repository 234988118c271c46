/* Internal: shared definitions for the app SDK's libc headers. */
#ifndef WAMR_MPY_CDEFS_H
#define WAMR_MPY_CDEFS_H

#include <stddef.h>
#include <stdarg.h>

#ifdef __cplusplus
#define WAMR_BEGIN_DECLS extern "C" {
#define WAMR_END_DECLS }
#else
#define WAMR_BEGIN_DECLS
#define WAMR_END_DECLS
#endif

/* A function the runtime provides (imported from "env" by its own name). */
#define WAMR_NATIVE __attribute__((import_module("env")))
#define WAMR_NORETURN __attribute__((noreturn))
#define WAMR_PRINTF(f, a) __attribute__((format(printf, f, a)))

#endif
