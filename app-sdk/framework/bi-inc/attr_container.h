/* WAMR 2019 (late) include path */
#include "../attr_container.h"
