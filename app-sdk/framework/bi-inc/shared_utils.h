/* WAMR 2019 (late) include path */
#include "../shared_utils.h"
