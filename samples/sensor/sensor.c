/* Sensor sample: opens the port's "sensor_test" sensor (instance 0),
 * asks for a reading every second and prints each one.  On the unix port
 * the sensor is simulated (ports/unix/app_port.py); on an RP2040 or ESP32
 * board open "temperature" for the chip's internal temperature sensor. */

#include "wasm_app.h"

#ifndef SENSOR_NAME
#define SENSOR_NAME "sensor_test"
#endif

static sensor_t sensor = NULL;
static int events = 0;

static void on_reading(sensor_t s, attr_container_t *event, void *user_data)
{
    printf("[sensor] event %d from %s\n", ++events, (char *)user_data);
    attr_container_dump(event);
}

void on_init()
{
    sensor = sensor_open(SENSOR_NAME, 0, on_reading, SENSOR_NAME);
    if (sensor == NULL) {
        printf("[sensor] cannot open %s\n", SENSOR_NAME);
        return;
    }
    sensor_config(sensor, 1000, 0, 0);
    printf("[sensor] %s opened\n", SENSOR_NAME);
}

void on_destroy()
{
    if (sensor != NULL)
        sensor_close(sensor);
    printf("[sensor] closed after %d events\n", events);
}
