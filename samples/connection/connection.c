/* Connection sample: an app that talks TCP, UDP and a serial line itself,
 * through the connection API (api_open_connection & co.).  The host tells
 * it where the other ends are:
 *   PUT /connection/open  {"type": "TCP", "address": A, "port": P}
 *   PUT /connection/open  {"type": "UDP", "address": A, "port": P,
 *                          "bind port": 0}
 *   PUT /connection/open  {"type": "UART", "device": D, "baudrate": B}
 * Each new connection says "hello TCP" / "hello UDP" / "hello UART";
 * whatever comes back (from an echo server: the same) is printed.
 * GET /connection/status answers how many bytes each one received. */

#include "wasm_app.h"

struct link {
    const char *type;
    connection_t *conn;
    int received;
};

static struct link tcp = { "TCP", NULL, 0 };
static struct link udp = { "UDP", NULL, 0 };
static struct link uart = { "UART", NULL, 0 };

static void on_event(connection_t *conn, conn_event_type_t type,
                     const char *data, uint32 len, void *user_data)
{
    struct link *l = (struct link *)user_data;
    char text[64];
    uint32 n = len < sizeof(text) - 1 ? len : sizeof(text) - 1;

    if (type == CONN_EVENT_TYPE_DISCONNECT) {
        printf("[connection] %s closed by the peer\n", l->type);
        api_close_connection(conn);
        l->conn = NULL;
        return;
    }
    memcpy(text, data, n);
    text[n] = '\0';
    l->received += len;
    printf("[connection] %s received %u bytes: %s\n", l->type,
           (unsigned)len, text);
}

static void answer(request_t *request, int status, attr_container_t *p)
{
    response_t response[1];

    make_response_for_request(request, response);
    if (p)
        set_response(response, status, FMT_ATTR_CONTAINER, (const char *)p,
                     attr_container_get_serialize_length(p));
    else
        set_response(response, status, 0, NULL, 0);
    api_response_send(response);
}

static void open_handler(request_t *request)
{
    attr_container_t *args = (attr_container_t *)request->payload;
    struct link *l;
    char hello[16];
    char *type;

    if (request->fmt != FMT_ATTR_CONTAINER || !args
        || !(type = attr_container_get_as_string(args, "type"))) {
        answer(request, BAD_REQUEST_4_00, NULL);
        return;
    }
    l = strcmp(type, "UDP") == 0 ? &udp
        : strcmp(type, "UART") == 0 ? &uart : &tcp;
    if (strcmp(type, l->type) != 0 || l->conn) {
        answer(request, BAD_REQUEST_4_00, NULL);
        return;
    }
    l->conn = api_open_connection(l->type, args, on_event, l);
    if (!l->conn || (l == &udp && !api_config_connection(l->conn, args))) {
        if (l->conn)
            api_close_connection(l->conn);
        l->conn = NULL;
        printf("[connection] %s cannot be opened\n", l->type);
        answer(request, INTERNAL_SERVER_ERROR_5_00, NULL);
        return;
    }
    printf("[connection] %s open\n", l->type);
    snprintf(hello, sizeof(hello), "hello %s", l->type);
    if (api_send_on_connection(l->conn, hello, strlen(hello)) < 0)
        printf("[connection] %s send failed\n", l->type);
    answer(request, CREATED_2_01, NULL);
}

static void status_handler(request_t *request)
{
    attr_container_t *p = attr_container_create("connection");

    attr_container_set_int(&p, "tcp", tcp.received);
    attr_container_set_int(&p, "udp", udp.received);
    attr_container_set_int(&p, "uart", uart.received);
    attr_container_set_bool(&p, "tcp open", tcp.conn != NULL);
    answer(request, CONTENT_2_05, p);
    attr_container_destroy(p);
}

void on_init()
{
    api_register_resource_handler("/connection/open", open_handler);
    api_register_resource_handler("/connection/status", status_handler);
}

void on_destroy()
{
    if (tcp.conn)
        api_close_connection(tcp.conn);
    if (udp.conn)
        api_close_connection(udp.conn);
    if (uart.conn)
        api_close_connection(uart.conn);
    printf("[connection] closed\n");
}
