/* wamr-mpy app framework: resources, requests with response callbacks
 * (5 s timeout), events.
 *
 * The runtime calls the exported on_request(buf, len) for requests to the
 * app's resources and for subscribed events, and on_response(buf, len) for
 * responses to api_send_request(). */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasm_app.h"

#define TRANSACTION_TIMEOUT_MS 5000

typedef struct res_handler {
    struct res_handler *next;
    char *url;
    bool is_event;
    request_handler_f handler;
} res_handler_t;

typedef struct transaction {
    struct transaction *next;
    uint32 mid;
    uint32 start;
    response_handler_f handler;
    void *user_data;
} transaction_t;

static res_handler_t *g_handlers = NULL;
static transaction_t *g_trans = NULL;  /* oldest first */
static user_timer_t g_trans_timer = NULL;

static bool add_handler(const char *url, request_handler_f handler,
                        bool is_event)
{
    res_handler_t *r;

    for (r = g_handlers; r; r = r->next) {
        if (r->is_event == is_event && strcmp(r->url, url) == 0) {
            r->handler = handler;
            return true;
        }
    }
    if (!(r = (res_handler_t *)malloc(sizeof(*r))))
        return false;
    if (!(r->url = strdup(url))) {
        free(r);
        return false;
    }
    r->handler = handler;
    r->is_event = is_event;
    r->next = NULL;
    /* keep registration order */
    if (!g_handlers) {
        g_handlers = r;
    }
    else {
        res_handler_t *t = g_handlers;
        while (t->next)
            t = t->next;
        t->next = r;
    }
    if (is_event)
        wasm_sub_event(url);
    else
        wasm_register_resource(url);
    return true;
}

bool api_register_resource_handler(const char *url,
                                   request_handler_f handler)
{
    return url && handler && add_handler(url, handler, false);
}

bool api_subscribe_event(const char *url, request_handler_f handler)
{
    return url && handler && add_handler(url, handler, true);
}

/* ms until the oldest transaction expires (0 when overdue) */
static int ms_to_expiry(void)
{
    uint32 age = wasm_get_sys_tick_ms() - g_trans->start;
    return age >= TRANSACTION_TIMEOUT_MS ? 0 : TRANSACTION_TIMEOUT_MS - age;
}

static void schedule_trans_timer(void);

static void trans_timeout(user_timer_t timer)
{
    (void)timer;
    while (g_trans && ms_to_expiry() == 0) {
        transaction_t *t = g_trans;
        g_trans = t->next;
        if (t->handler)
            t->handler(NULL, t->user_data);
        free(t);
    }
    schedule_trans_timer();
}

static void schedule_trans_timer(void)
{
    if (!g_trans) {
        if (g_trans_timer) {
            api_timer_cancel(g_trans_timer);
            g_trans_timer = NULL;
        }
        return;
    }
    if (!g_trans_timer) {
        g_trans_timer = api_timer_create(ms_to_expiry() + 1, false, true,
                                         trans_timeout);
        if (!g_trans_timer)
            printf("send request: no timer left for the request timeout\n");
    }
    else {
        api_timer_restart(g_trans_timer, ms_to_expiry() + 1);
    }
}

void api_send_request(request_t *request, response_handler_f response_handler,
                      void *user_data)
{
    transaction_t *t, **tail;
    char *packet;
    int size;

    if (!(t = (transaction_t *)malloc(sizeof(*t)))) {
        printf("send request: allocate memory for request transaction "
               "failed!\n");
        return;
    }
    if (!(packet = pack_request(request, &size))) {
        printf("send request: pack request failed!\n");
        free(t);
        return;
    }
    t->next = NULL;
    t->mid = request->mid;
    t->start = wasm_get_sys_tick_ms();
    t->handler = response_handler;
    t->user_data = user_data;
    for (tail = &g_trans; *tail; tail = &(*tail)->next)
        ;
    *tail = t;
    if (t == g_trans)
        schedule_trans_timer();
    wasm_post_request(packet, size);
    free_req_resp_packet(packet);
}

void api_response_send(response_t *response)
{
    int size;
    char *packet = pack_response(response, &size);

    if (!packet)
        return;
    wasm_response_send(packet, size);
    free_req_resp_packet(packet);
}

bool api_publish_event(const char *url, int fmt, void *payload,
                       int payload_len)
{
    request_t request[1];
    char *packet;
    int size;

    init_request(request, (char *)url, COAP_EVENT, fmt, payload, payload_len);
    if (!(packet = pack_request(request, &size)))
        return false;
    wasm_post_request(packet, size);
    free_req_resp_packet(packet);
    return true;
}

__attribute__((export_name("on_request"))) void on_request(char *buffer,
                                                           int size)
{
    request_t request[1];
    res_handler_t *r, *best = NULL;
    int best_len = 0;
    bool is_event;

    if (!unpack_request(buffer, size, request)) {
        printf("unpack request failed\n");
        return;
    }
    is_event = request->action == COAP_EVENT;
    /* the longest registered URL that the request's URL starts with */
    for (r = g_handlers; r; r = r->next) {
        if (r->is_event == is_event
            && check_url_start(request->url, strlen(request->url), r->url)
                   > 0) {
            int n = (int)strlen(r->url);
            if (!best || n > best_len) {
                best = r;
                best_len = n;
            }
        }
    }
    if (best) {
        best->handler(request);
        return;
    }
    if (!is_event) {
        response_t response[1];
        make_response_for_request(request, response);
        set_response(response, NOT_FOUND_4_04, 0, NULL, 0);
        api_response_send(response);
    }
}

__attribute__((export_name("on_response"))) void on_response(char *buffer,
                                                             int size)
{
    response_t response[1];
    transaction_t **pp, *t;

    if (!unpack_response(buffer, size, response)) {
        printf("unpack response failed\n");
        return;
    }
    for (pp = &g_trans; (t = *pp) != NULL; pp = &t->next)
        if (t->mid == response->mid)
            break;
    if (!t) {
        printf("cannot find the transaction\n");
        return;
    }
    *pp = t->next;
    if (pp == &g_trans)
        schedule_trans_timer();
    if (t->handler)
        t->handler(response, t->user_data);
    free(t);
}
