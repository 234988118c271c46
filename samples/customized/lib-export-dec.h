/*
 * The board vendor's header: natives that the vendor's firmware (here the
 * embedder script embed.py) registers with the runtime.  They are plain
 * declarations; tools/wasm-cc links undefined functions as imports from
 * "env", which the runtime resolves against its native registry.
 */
#ifndef LIB_EXPORT_DEC_H
#define LIB_EXPORT_DEC_H

#ifdef __cplusplus
extern "C" {
#endif

/* Registered as ("customized", fn, "()i"). */
int customized(void);

/* Registered with @native.export("($)i"): the runtime checks that `msg` is
 * a NUL-terminated string inside the app's memory and passes a str. */
int vendor_log(const char *msg);

#ifdef __cplusplus
}
#endif

#endif
