/* wamr-mpy app framework: sensors (WAMR's sensor.h API). */
#ifndef WAMR_MPY_FW_SENSOR_H
#define WAMR_MPY_FW_SENSOR_H

#include "attr_container.h"

#ifdef __cplusplus
extern "C" {
#endif

struct _sensor;
typedef struct _sensor *sensor_t;

/* called with each reading, an attr container owned by the caller */
typedef void (*sensor_event_handler_f)(sensor_t sensor,
                                       attr_container_t *sensor_event,
                                       void *user_data);

/* NULL when there is no such sensor or the app opened it already */
sensor_t sensor_open(const char *name, int index,
                     sensor_event_handler_f handler, void *user_data);
/* interval in ms between events (0 pauses them) */
bool sensor_config(sensor_t sensor, int interval, int bit_cfg, int delay);
bool sensor_config_with_attr_container(sensor_t sensor, attr_container_t *cfg);
bool sensor_close(sensor_t sensor);

#ifdef __cplusplus
}
#endif

#endif
