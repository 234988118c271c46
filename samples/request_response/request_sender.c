/* Request/response sample, client side: at start it sends two requests,
 * one addressed to the request_handler app by name and one to whichever
 * app serves /url1, and prints the responses (or the 5 s timeout). */

#include "wasm_app.h"

static void on_response_cb(response_t *response, void *user_data)
{
    const char *tag = (const char *)user_data;

    if (response == NULL) {
        printf("[sender] %s: request timeout!\n", tag);
        return;
    }
    printf("[sender] %s: status %d, fmt %d, payload length %d\n", tag,
           response->status, response->fmt, response->payload_len);
    if (response->payload != NULL && response->payload_len > 0
        && response->fmt == FMT_ATTR_CONTAINER) {
        attr_container_t *a = (attr_container_t *)response->payload;
        printf("[sender] key1=%s key2=%s\n",
               attr_container_get_as_string(a, "key1"),
               attr_container_get_as_string(a, "key2"));
    }
}

static void send_one(char *url, char *tag)
{
    request_t request[1];

    init_request(request, url, COAP_PUT, 0, NULL, 0);
    api_send_request(request, on_response_cb, tag);
}

void on_init()
{
    send_one("/app/request_handler/url1", "to the app by name");
    send_one("url1", "to the resource");
}

void on_destroy()
{
}
