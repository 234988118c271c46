/* Pub/sub sample, publisher: every second publishes "alert/overheat" with
 * an attr container {"warning": "temperature is over high", "count": n}. */

#include "wasm_app.h"

static int count = 0;

static void publish_overheat(user_timer_t timer)
{
    attr_container_t *event = attr_container_create("event");

    if (event == NULL)
        return;
    attr_container_set_string(&event, "warning", "temperature is over high");
    attr_container_set_int(&event, "count", ++count);
    api_publish_event("alert/overheat", FMT_ATTR_CONTAINER, event,
                      attr_container_get_serialize_length(event));
    attr_container_destroy(event);
}

void on_init()
{
    user_timer_t timer = api_timer_create(1000, true, false,
                                          publish_overheat);
    api_timer_restart(timer, 1000);
}

void on_destroy()
{
}
