/* WAMR's historical name for the built-in libc header. */
#ifndef WAMR_MPY_LIB_BASE_H
#define WAMR_MPY_LIB_BASE_H
#include "wamr_libc.h"
#endif
