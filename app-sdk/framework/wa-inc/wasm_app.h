/* WAMR 2019 (late) include path */
#include "../wasm_app.h"
