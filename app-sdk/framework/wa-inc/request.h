/* WAMR 2019 (late) include path */
#include "../request.h"
