/* wamr-mpy app framework: app timers over the runtime's timer natives.
 * The runtime calls the exported on_timer_callback(id) when a timer
 * expires. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasm_app.h"

struct user_timer {
    struct user_timer *next;
    timer_id_t id;
    on_user_timer_update_f callback;
};

static struct user_timer *g_timers = NULL;

user_timer_t api_timer_create(int interval, bool is_period, bool auto_start,
                              on_user_timer_update_f on_timer_update)
{
    struct user_timer *t;
    timer_id_t id;

    if (!(t = (struct user_timer *)malloc(sizeof(*t)))) {
        printf("api_timer_create: out of memory\n");
        return NULL;
    }
    id = wasm_create_timer(interval, is_period, auto_start);
    if (id == (timer_id_t)-1) {
        free(t);
        return NULL;
    }
    t->id = id;
    t->callback = on_timer_update;
    t->next = g_timers;
    g_timers = t;
    return t;
}

void api_timer_cancel(user_timer_t timer)
{
    struct user_timer **pp;

    if (!timer)
        return;
    for (pp = &g_timers; *pp; pp = &(*pp)->next) {
        if (*pp == timer) {
            *pp = timer->next;
            wasm_timer_destroy(timer->id);
            free(timer);
            return;
        }
    }
}

void api_timer_restart(user_timer_t timer, int interval)
{
    if (timer)
        wasm_timer_restart(timer->id, interval);
}

uint32 api_get_sys_tick_ms(void)
{
    return wasm_get_sys_tick_ms();
}

__attribute__((export_name("on_timer_callback"))) void
on_timer_callback(int timer_id)
{
    struct user_timer *t;

    for (t = g_timers; t; t = t->next) {
        if (t->id == (timer_id_t)timer_id) {
            if (t->callback)
                t->callback(t);
            return;
        }
    }
}
