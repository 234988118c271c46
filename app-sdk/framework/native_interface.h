/* wamr-mpy app framework: the runtime's native functions for apps (module
 * "env"), with the names and signatures of WAMR's 2019 app framework.
 * Apps normally use the api_* / sensor_* wrappers instead. */
#ifndef WAMR_MPY_FW_NATIVE_INTERFACE_H
#define WAMR_MPY_FW_NATIVE_INTERFACE_H

#include "bh_platform.h"

#ifdef __cplusplus
extern "C" {
#endif

#define WA_NATIVE __attribute__((import_module("env")))

/* request / response / event */
WA_NATIVE bool wasm_response_send(const char *buf, int size);
WA_NATIVE void wasm_register_resource(const char *url);
WA_NATIVE void wasm_post_request(const char *buf, int size);
WA_NATIVE void wasm_sub_event(const char *url);

/* timers */
typedef unsigned int timer_id_t;
WA_NATIVE timer_id_t wasm_create_timer(int interval, bool is_period,
                                       bool auto_start);
WA_NATIVE void wasm_timer_destroy(timer_id_t timer_id);
WA_NATIVE void wasm_timer_cancel(timer_id_t timer_id);
WA_NATIVE void wasm_timer_restart(timer_id_t timer_id, int interval);
WA_NATIVE uint32 wasm_get_sys_tick_ms(void);

/* sensors */
WA_NATIVE uint32 wasm_sensor_open(const char *name, int instance);
WA_NATIVE bool wasm_sensor_config(uint32 sensor, int interval, int bit_cfg,
                                  int delay);
WA_NATIVE bool wasm_sensor_config_with_attr_container(uint32 sensor,
                                                      char *buffer, int len);
WA_NATIVE bool wasm_sensor_close(uint32 sensor);

/* connections */
WA_NATIVE uint32 wasm_open_connection(const char *name, char *args_buf,
                                      uint32 len);
WA_NATIVE void wasm_close_connection(uint32 handle);
WA_NATIVE int wasm_send_on_connection(uint32 handle, const char *data,
                                      uint32 len);
WA_NATIVE bool wasm_config_connection(uint32 handle, char *cfg_buf,
                                      uint32 len);

#ifdef __cplusplus
}
#endif

#endif
