/* WAMR 2019 (late) include path */
#include "../timer_wasm_app.h"
