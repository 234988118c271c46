/* Request/response sample, server side: serves two resources.
 *   /url1  answers 2.05 with an attr container {"key1": "value1",
 *          "key2": "value2"}
 *   /url2  answers 2.02 DELETED without payload
 * Reach them from the host with
 *   host_tool -r /app/request_handler/url1 -A GET     (this app only)
 *   host_tool -r /url1 -A GET                          (whoever serves it)
 * or from another app with api_send_request (see request_sender.c). */

#include "wasm_app.h"

static void url1_handler(request_t *request)
{
    response_t response[1];
    attr_container_t *payload;

    printf("[handler] url1 called, action %d\n", request->action);
    if (request->payload != NULL && request->fmt == FMT_ATTR_CONTAINER)
        attr_container_dump((attr_container_t *)request->payload);

    payload = attr_container_create("wasm app response payload");
    if (payload == NULL)
        return;
    attr_container_set_string(&payload, "key1", "value1");
    attr_container_set_string(&payload, "key2", "value2");

    make_response_for_request(request, response);
    set_response(response, CONTENT_2_05, FMT_ATTR_CONTAINER,
                 (const char *)payload,
                 attr_container_get_serialize_length(payload));
    api_response_send(response);
    attr_container_destroy(payload);
}

static void url2_handler(request_t *request)
{
    response_t response[1];

    make_response_for_request(request, response);
    set_response(response, DELETED_2_02, 0, NULL, 0);
    api_response_send(response);
    printf("[handler] url2 called\n");
}

void on_init()
{
    api_register_resource_handler("/url1", url1_handler);
    api_register_resource_handler("/url2", url2_handler);
}

void on_destroy()
{
}
