/* wamr-mpy app framework: sensors over the runtime's sensor natives.  The
 * runtime calls the exported on_sensor_event(id, buf, len) with each
 * reading (an attr container). */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasm_app.h"

struct _sensor {
    struct _sensor *next;
    char *name;
    uint32 handle;
    sensor_event_handler_f handler;
    void *user_data;
};

static sensor_t g_sensors = NULL;

sensor_t sensor_open(const char *name, int index,
                     sensor_event_handler_f handler, void *user_data)
{
    sensor_t s;
    uint32 id;

    if (!name)
        return NULL;
    id = wasm_sensor_open(name, index);
    if (id == (uint32)-1)
        return NULL;
    if (!(s = (sensor_t)malloc(sizeof(*s)))) {
        wasm_sensor_close(id);
        return NULL;
    }
    if (!(s->name = strdup(name))) {
        free(s);
        wasm_sensor_close(id);
        return NULL;
    }
    s->handle = id;
    s->handler = handler;
    s->user_data = user_data;
    s->next = g_sensors;
    g_sensors = s;
    return s;
}

bool sensor_config(sensor_t sensor, int interval, int bit_cfg, int delay)
{
    return sensor && wasm_sensor_config(sensor->handle, interval, bit_cfg,
                                        delay);
}

bool sensor_config_with_attr_container(sensor_t sensor, attr_container_t *cfg)
{
    if (!sensor || !cfg)
        return false;
    return wasm_sensor_config_with_attr_container(
        sensor->handle, (char *)cfg, attr_container_get_serialize_length(cfg));
}

bool sensor_close(sensor_t sensor)
{
    sensor_t *pp;

    if (!sensor)
        return false;
    for (pp = &g_sensors; *pp; pp = &(*pp)->next) {
        if (*pp == sensor) {
            *pp = sensor->next;
            wasm_sensor_close(sensor->handle);
            free(sensor->name);
            free(sensor);
            return true;
        }
    }
    return false;
}

__attribute__((export_name("on_sensor_event"))) void
on_sensor_event(uint32 sensor_id, char *buffer, int len)
{
    sensor_t s;

    (void)len;
    for (s = g_sensors; s; s = s->next) {
        if (s->handle == sensor_id) {
            if (s->handler)
                s->handler(s, (attr_container_t *)buffer, s->user_data);
            return;
        }
    }
}
