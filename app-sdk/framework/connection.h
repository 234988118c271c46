/* wamr-mpy app framework: connections (WAMR's connection API).  An app
 * opens a TCP client, UDP socket or serial line by type name, with an attr
 * container of arguments:
 *   "TCP"   "address" (string), "port" (number)
 *   "UDP"   "bind port" (number); api_config_connection() with "address"
 *           and "port" says where sends go
 *   "UART"  "device" (string), "baudrate" (number)
 * and gets each piece of data that arrives through its callback. */
#ifndef WAMR_MPY_FW_CONNECTION_H
#define WAMR_MPY_FW_CONNECTION_H

#include "attr_container.h"

#ifdef __cplusplus
extern "C" {
#endif

struct _connection;
typedef struct _connection connection_t;

typedef enum {
    CONN_EVENT_TYPE_DATA = 1,       /* data arrived */
    CONN_EVENT_TYPE_DISCONNECT      /* the peer closed the connection */
} conn_event_type_t;

/* data/len: what arrived (NULL, 0 on disconnect); the data belongs to the
 * caller and is gone after the callback returns */
typedef void (*on_connection_event_f)(connection_t *conn,
                                      conn_event_type_t type,
                                      const char *data, uint32 len,
                                      void *user_data);

/* NULL when the connection cannot be opened */
connection_t *api_open_connection(const char *name, attr_container_t *args,
                                  on_connection_event_f on_event,
                                  void *user_data);
void api_close_connection(connection_t *conn);
/* bytes taken (sent or queued without waiting), or -1 */
int api_send_on_connection(connection_t *conn, const char *data, uint32 len);
bool api_config_connection(connection_t *conn, attr_container_t *cfg);

#ifdef __cplusplus
}
#endif

#endif
