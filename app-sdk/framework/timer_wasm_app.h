/* wamr-mpy app framework: app timers (WAMR's timer_wasm_app.h API). */
#ifndef WAMR_MPY_FW_TIMER_WASM_APP_H
#define WAMR_MPY_FW_TIMER_WASM_APP_H

#include "bh_platform.h"

#ifdef __cplusplus
extern "C" {
#endif

struct user_timer;
typedef struct user_timer *user_timer_t;
typedef void (*on_user_timer_update_f)(user_timer_t timer);

/* interval in ms; a periodic timer fires every interval; with auto_start
 * false the timer waits for api_timer_restart().  NULL when the app has
 * used up its timers (the install's timers= limit). */
user_timer_t api_timer_create(int interval, bool is_period, bool auto_start,
                              on_user_timer_update_f on_timer_update);
/* stop the timer and release it (the handle is invalid afterwards) */
void api_timer_cancel(user_timer_t timer);
/* (re)start the timer; interval > 0 replaces its interval */
void api_timer_restart(user_timer_t timer, int interval);
/* milliseconds since the runtime started (wraps at 2^32) */
uint32 api_get_sys_tick_ms(void);

#ifdef __cplusplus
}
#endif

#endif
