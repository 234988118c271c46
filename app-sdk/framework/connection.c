/* wamr-mpy app framework: connections over the runtime's connection
 * natives.  The runtime calls the exported on_connection_data(handle, buf,
 * len) with what arrives on a connection (len 0: the peer closed it). */

#include <stdlib.h>

#include "wasm_app.h"

struct _connection {
    struct _connection *next;
    uint32 handle;
    on_connection_event_f on_event;
    void *user_data;
};

static connection_t *g_conns = NULL;

connection_t *api_open_connection(const char *name, attr_container_t *args,
                                  on_connection_event_f on_event,
                                  void *user_data)
{
    connection_t *c;
    uint32 handle;

    if (!name || !args)
        return NULL;
    handle = wasm_open_connection(name, (char *)args,
                                  attr_container_get_serialize_length(args));
    if (handle == (uint32)-1)
        return NULL;
    if (!(c = (connection_t *)malloc(sizeof(*c)))) {
        wasm_close_connection(handle);
        return NULL;
    }
    c->handle = handle;
    c->on_event = on_event;
    c->user_data = user_data;
    c->next = g_conns;
    g_conns = c;
    return c;
}

void api_close_connection(connection_t *conn)
{
    connection_t **pp;

    for (pp = &g_conns; *pp; pp = &(*pp)->next) {
        if (*pp == conn) {
            *pp = conn->next;
            wasm_close_connection(conn->handle);
            free(conn);
            return;
        }
    }
}

int api_send_on_connection(connection_t *conn, const char *data, uint32 len)
{
    if (!conn || (!data && len))
        return -1;
    return wasm_send_on_connection(conn->handle, data, len);
}

bool api_config_connection(connection_t *conn, attr_container_t *cfg)
{
    if (!conn || !cfg)
        return false;
    return wasm_config_connection(conn->handle, (char *)cfg,
                                  attr_container_get_serialize_length(cfg));
}

__attribute__((export_name("on_connection_data"))) void
on_connection_data(uint32 handle, char *buffer, uint32 len)
{
    connection_t *c;

    for (c = g_conns; c; c = c->next) {
        if (c->handle != handle)
            continue;
        if (c->on_event) {
            if (len)
                c->on_event(c, CONN_EVENT_TYPE_DATA, buffer, len,
                            c->user_data);
            else
                c->on_event(c, CONN_EVENT_TYPE_DISCONNECT, NULL, 0,
                            c->user_data);
        }
        return;
    }
}
