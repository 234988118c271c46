/* wamr-mpy app SDK: attributes for crossing the app/runtime boundary. */
#ifndef WAMR_MPY_EXPORT_H
#define WAMR_MPY_EXPORT_H

/* Export a function from the app under `name`:
 *   WAMR_EXPORT("on_init") void on_init(void) { ... } */
#define WAMR_EXPORT(name) __attribute__((export_name(name), used))

/* Import a function the embedder registers (wamr_mpy.native):
 *   WAMR_IMPORT("env", "customized") int customized(void); */
#define WAMR_IMPORT(module, name) \
    __attribute__((import_module(module), import_name(name)))

#endif
