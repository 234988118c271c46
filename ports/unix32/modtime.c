// unix32: the `time` module (upstream's extmod/modtime.c is not in the
// sdist).  Board semantics: time() is an int of seconds (rp2/esp32 return an
// int, and a single-precision float could not hold the epoch to the second),
// ticks_* wrap at 2**30 like MICROPY_PY_TIME_TICKS_PERIOD on every port.

#include <errno.h>
#include <time.h>

#include "py/mphal.h"
#include "py/runtime.h"
#include "py/smallint.h"

// A Python int from a 64-bit value: small int when it fits (the core's
// mp_obj_new_int_from_ll always makes a big int object).
static mp_obj_t int_from_ll(long long v) {
    if (v >= MP_SMALL_INT_MIN && v <= MP_SMALL_INT_MAX) {
        return MP_OBJ_NEW_SMALL_INT((mp_int_t)v);
    }
    return v >= 0 ? mp_obj_new_int_from_ull(v) : mp_obj_new_int_from_ll(v);
}

#define TICKS_PERIOD (MICROPY_PY_TIME_TICKS_PERIOD)
#define TICKS_MAX (TICKS_PERIOD - 1)
#define TICKS_HALFPERIOD (TICKS_PERIOD / 2)

static mp_obj_t time_time(void) {
    return int_from_ll(mp_hal_time_ns() / 1000000000ULL);
}
static MP_DEFINE_CONST_FUN_OBJ_0(time_time_obj, time_time);

static mp_obj_t time_time_ns(void) {
    return int_from_ll(mp_hal_time_ns());
}
static MP_DEFINE_CONST_FUN_OBJ_0(time_time_ns_obj, time_time_ns);

static mp_obj_t time_ticks_ms(void) {
    return MP_OBJ_NEW_SMALL_INT(mp_hal_ticks_ms() & TICKS_MAX);
}
static MP_DEFINE_CONST_FUN_OBJ_0(time_ticks_ms_obj, time_ticks_ms);

static mp_obj_t time_ticks_us(void) {
    return MP_OBJ_NEW_SMALL_INT(mp_hal_ticks_us() & TICKS_MAX);
}
static MP_DEFINE_CONST_FUN_OBJ_0(time_ticks_us_obj, time_ticks_us);

static mp_obj_t time_ticks_cpu(void) {
    return MP_OBJ_NEW_SMALL_INT(mp_hal_ticks_cpu() & TICKS_MAX);
}
static MP_DEFINE_CONST_FUN_OBJ_0(time_ticks_cpu_obj, time_ticks_cpu);

static mp_obj_t time_ticks_diff(mp_obj_t end_in, mp_obj_t start_in) {
    // same as upstream: signed difference in (-TICKS_HALFPERIOD, TICKS_HALFPERIOD]
    mp_uint_t start = MP_OBJ_SMALL_INT_VALUE(start_in);
    mp_uint_t end = MP_OBJ_SMALL_INT_VALUE(end_in);
    mp_int_t diff = ((end - start + TICKS_HALFPERIOD) & TICKS_MAX) - TICKS_HALFPERIOD;
    return MP_OBJ_NEW_SMALL_INT(diff);
}
static MP_DEFINE_CONST_FUN_OBJ_2(time_ticks_diff_obj, time_ticks_diff);

static mp_obj_t time_ticks_add(mp_obj_t ticks_in, mp_obj_t delta_in) {
    mp_uint_t ticks = MP_OBJ_SMALL_INT_VALUE(ticks_in);
    mp_uint_t delta = mp_obj_get_int(delta_in);
    if (-(mp_int_t)delta > (mp_int_t)TICKS_HALFPERIOD || (mp_int_t)delta >= (mp_int_t)TICKS_HALFPERIOD) {
        mp_raise_msg(&mp_type_OverflowError, MP_ERROR_TEXT("ticks interval overflow"));
    }
    return MP_OBJ_NEW_SMALL_INT((ticks + delta) & TICKS_MAX);
}
static MP_DEFINE_CONST_FUN_OBJ_2(time_ticks_add_obj, time_ticks_add);

static void sleep_ns(uint64_t ns) {
    struct timespec ts = {(time_t)(ns / 1000000000ULL), (long)(ns % 1000000000ULL)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
        mp_handle_pending(true);
    }
}

static mp_obj_t time_sleep(mp_obj_t secs) {
    #if MICROPY_PY_BUILTINS_FLOAT
    mp_float_t s = mp_obj_get_float(secs);
    if (s > 0) {
        sleep_ns((uint64_t)(s * (mp_float_t)1e9));
    }
    #else
    mp_int_t s = mp_obj_get_int(secs);
    if (s > 0) {
        sleep_ns((uint64_t)s * 1000000000ULL);
    }
    #endif
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(time_sleep_obj, time_sleep);

static mp_obj_t time_sleep_ms(mp_obj_t ms) {
    mp_int_t n = mp_obj_get_int(ms);
    if (n > 0) {
        sleep_ns((uint64_t)n * 1000000ULL);
    }
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(time_sleep_ms_obj, time_sleep_ms);

static mp_obj_t time_sleep_us(mp_obj_t us) {
    mp_int_t n = mp_obj_get_int(us);
    if (n > 0) {
        sleep_ns((uint64_t)n * 1000ULL);
    }
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(time_sleep_us_obj, time_sleep_us);

// gmtime/localtime: (year, month, mday, hour, minute, second, weekday, yearday)
// with weekday 0 = Monday, as MicroPython defines them.
static mp_obj_t tm_tuple(struct tm *tm) {
    mp_obj_t t[8] = {
        MP_OBJ_NEW_SMALL_INT(tm->tm_year + 1900), MP_OBJ_NEW_SMALL_INT(tm->tm_mon + 1),
        MP_OBJ_NEW_SMALL_INT(tm->tm_mday), MP_OBJ_NEW_SMALL_INT(tm->tm_hour),
        MP_OBJ_NEW_SMALL_INT(tm->tm_min), MP_OBJ_NEW_SMALL_INT(tm->tm_sec),
        MP_OBJ_NEW_SMALL_INT((tm->tm_wday + 6) % 7), MP_OBJ_NEW_SMALL_INT(tm->tm_yday + 1),
    };
    return mp_obj_new_tuple(8, t);
}

static time_t arg_time(size_t n_args, const mp_obj_t *args) {
    if (n_args == 0 || args[0] == mp_const_none) {
        return time(NULL);
    }
    return (time_t)mp_obj_get_int(args[0]);
}

static mp_obj_t time_gmtime(size_t n_args, const mp_obj_t *args) {
    time_t t = arg_time(n_args, args);
    struct tm tm;
    return tm_tuple(gmtime_r(&t, &tm));
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(time_gmtime_obj, 0, 1, time_gmtime);

static mp_obj_t time_localtime(size_t n_args, const mp_obj_t *args) {
    time_t t = arg_time(n_args, args);
    struct tm tm;
    return tm_tuple(localtime_r(&t, &tm));
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(time_localtime_obj, 0, 1, time_localtime);

static const mp_rom_map_elem_t time_module_globals_table[] = {
    { MP_ROM_QSTR(MP_QSTR___name__), MP_ROM_QSTR(MP_QSTR_time) },
    { MP_ROM_QSTR(MP_QSTR_time), MP_ROM_PTR(&time_time_obj) },
    { MP_ROM_QSTR(MP_QSTR_time_ns), MP_ROM_PTR(&time_time_ns_obj) },
    { MP_ROM_QSTR(MP_QSTR_ticks_ms), MP_ROM_PTR(&time_ticks_ms_obj) },
    { MP_ROM_QSTR(MP_QSTR_ticks_us), MP_ROM_PTR(&time_ticks_us_obj) },
    { MP_ROM_QSTR(MP_QSTR_ticks_cpu), MP_ROM_PTR(&time_ticks_cpu_obj) },
    { MP_ROM_QSTR(MP_QSTR_ticks_diff), MP_ROM_PTR(&time_ticks_diff_obj) },
    { MP_ROM_QSTR(MP_QSTR_ticks_add), MP_ROM_PTR(&time_ticks_add_obj) },
    { MP_ROM_QSTR(MP_QSTR_sleep), MP_ROM_PTR(&time_sleep_obj) },
    { MP_ROM_QSTR(MP_QSTR_sleep_ms), MP_ROM_PTR(&time_sleep_ms_obj) },
    { MP_ROM_QSTR(MP_QSTR_sleep_us), MP_ROM_PTR(&time_sleep_us_obj) },
    { MP_ROM_QSTR(MP_QSTR_gmtime), MP_ROM_PTR(&time_gmtime_obj) },
    { MP_ROM_QSTR(MP_QSTR_localtime), MP_ROM_PTR(&time_localtime_obj) },
};
static MP_DEFINE_CONST_DICT(time_module_globals, time_module_globals_table);

const mp_obj_module_t mp_module_time = {
    .base = { &mp_type_module },
    .globals = (mp_obj_dict_t *)&time_module_globals,
};

MP_REGISTER_EXTENSIBLE_MODULE(MP_QSTR_time, mp_module_time);
