/* wamr-mpy app framework: export the app's on_init / on_destroy under
 * those names (WAMR apps define them without export attributes; emcc used
 * to export them by a command-line list). */

#include "wasm_app.h"

/* an app without on_destroy gets this one */
__attribute__((weak)) void on_destroy(void)
{
}

__attribute__((export_name("on_init"))) void wa_export_on_init(void)
{
    on_init();
}

__attribute__((export_name("on_destroy"))) void wa_export_on_destroy(void)
{
    on_destroy();
}
