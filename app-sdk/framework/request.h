/* wamr-mpy app framework: micro-service requests and pub/sub events
 * (WAMR's request.h API). */
#ifndef WAMR_MPY_FW_REQUEST_H
#define WAMR_MPY_FW_REQUEST_H

#include "native_interface.h"
#include "shared_utils.h"

#ifdef __cplusplus
extern "C" {
#endif

/* handles a request to a registered resource, or a subscribed event */
typedef void (*request_handler_f)(request_t *request);
/* handles the response to api_send_request(); response is NULL when no
 * response came within 5 seconds */
typedef void (*response_handler_f)(response_t *response, void *user_data);

bool api_register_resource_handler(const char *url,
                                   request_handler_f handler);
void api_send_request(request_t *request, response_handler_f response_handler,
                      void *user_data);
void api_response_send(response_t *response);
bool api_publish_event(const char *url, int fmt, void *payload,
                       int payload_len);
bool api_subscribe_event(const char *url, request_handler_f handler);

#ifdef __cplusplus
}
#endif

#endif
