/* wamr-mpy app framework: the one header of WAMR's 2019 app API.
 *
 * An app defines on_init() (and optionally on_destroy()); the framework
 * library built into the app (tools/wasm-cc --framework) exports them
 * together with the callbacks the runtime uses (on_request, on_response,
 * on_timer_callback, on_sensor_event) and dispatches to the handlers the
 * app registered with the api_* functions below. */
#ifndef WAMR_MPY_FW_WASM_APP_H
#define WAMR_MPY_FW_WASM_APP_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bh_platform.h"

#ifdef __cplusplus
extern "C" {
#endif

/* CoAP request methods */
typedef enum {
    COAP_GET = 1,
    COAP_POST,
    COAP_PUT,
    COAP_DELETE,
    COAP_EVENT = (COAP_DELETE + 2)
} coap_method_t;

/* CoAP response codes: class * 32 + detail */
typedef enum {
    NO_ERROR = 0,

    CREATED_2_01 = 65,
    DELETED_2_02 = 66,
    VALID_2_03 = 67,
    CHANGED_2_04 = 68,
    CONTENT_2_05 = 69,
    CONTINUE_2_31 = 95,

    BAD_REQUEST_4_00 = 128,
    UNAUTHORIZED_4_01 = 129,
    BAD_OPTION_4_02 = 130,
    FORBIDDEN_4_03 = 131,
    NOT_FOUND_4_04 = 132,
    METHOD_NOT_ALLOWED_4_05 = 133,
    NOT_ACCEPTABLE_4_06 = 134,
    PRECONDITION_FAILED_4_12 = 140,
    REQUEST_ENTITY_TOO_LARGE_4_13 = 141,
    UNSUPPORTED_MEDIA_TYPE_4_15 = 143,

    INTERNAL_SERVER_ERROR_5_00 = 160,
    NOT_IMPLEMENTED_5_01 = 161,
    BAD_GATEWAY_5_02 = 162,
    SERVICE_UNAVAILABLE_5_03 = 163,
    GATEWAY_TIMEOUT_5_04 = 164,
    PROXYING_NOT_SUPPORTED_5_05 = 165,

    MEMORY_ALLOCATION_ERROR = 192,
    PACKET_SERIALIZATION_ERROR,
    MANUAL_RESPONSE,
    PING_RESPONSE
} coap_status_t;

/* written by the app */
void on_init(void);
void on_destroy(void);

#ifdef __cplusplus
}
#endif

#include "native_interface.h"
#include "shared_utils.h"
#include "attr_container.h"
#include "request.h"
#include "sensor.h"
#include "timer_wasm_app.h"
#include "connection.h"

#endif
