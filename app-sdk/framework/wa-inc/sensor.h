/* WAMR 2019 (late) include path */
#include "../sensor.h"
