/* Timer sample: a periodic timer that counts its ticks (WAMR 2019 app API).
 * Install it with tools/host_tool -i timer -f timer.wasm and watch the
 * device's output. */

#include "wasm_app.h"

static int ticks = 0;

static void on_tick(user_timer_t timer)
{
    printf("Timer update %d\n", ticks++);
}

void on_init()
{
    user_timer_t timer;

    /* created stopped, then started: exercises restart as well */
    timer = api_timer_create(1000, true, false, on_tick);
    api_timer_restart(timer, 1000);
}

void on_destroy()
{
    printf("Timer stopped after %d updates\n", ticks);
}
