/* WAMR 2019 (late) include path */
#include "../connection.h"
