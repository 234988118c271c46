/* Pub/sub sample, subscriber: prints every "alert/overheat" event.  The
 * host can subscribe too: host_tool -s /alert/overheat -a 5000. */

#include "wasm_app.h"

static void overheat_handler(request_t *request)
{
    printf("[subscriber] overheat event");
    if (request->payload != NULL && request->fmt == FMT_ATTR_CONTAINER) {
        attr_container_t *a = (attr_container_t *)request->payload;
        printf(" #%d: %s", attr_container_get_as_int(a, "count"),
               attr_container_get_as_string(a, "warning"));
    }
    printf("\n");
}

void on_init()
{
    api_subscribe_event("alert/overheat", overheat_handler);
}

void on_destroy()
{
}
