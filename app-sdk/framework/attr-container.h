/* WAMR 2019 (early) spelling */
#include "attr_container.h"
