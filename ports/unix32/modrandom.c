// unix32: a small `random` module (upstream's extmod/modrandom.c is not in
// the sdist).  Same API subset as a board: getrandbits, seed, randrange,
// randint, choice, random, uniform.  Generator: xorshift32, seeded from the
// OS at start (like MICROPY_PY_RANDOM_SEED_INIT_FUNC on boards).

#include <sys/random.h>

#include "py/runtime.h"

static uint32_t state;

static uint32_t next32(void) {
    if (state == 0) {
        if (getrandom(&state, sizeof(state), 0) != sizeof(state) || state == 0) {
            state = 0x2545f491;
        }
    }
    uint32_t x = state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return state = x;
}

static uint32_t bits(int n) {   // 0 < n <= 32
    return n == 32 ? next32() : next32() >> (32 - n);
}

// A uniform value in [0, n), n > 0, by rejection.
static mp_uint_t below(mp_uint_t n) {
    int w = 32 - __builtin_clz(n);
    mp_uint_t v;
    do {
        v = bits(w);
    } while (v >= n);
    return v;
}

static mp_obj_t random_getrandbits(mp_obj_t n_in) {
    mp_int_t n = mp_obj_get_int(n_in);
    if (n < 0 || n > 32) {
        mp_raise_ValueError(NULL);
    }
    return n == 0 ? MP_OBJ_NEW_SMALL_INT(0) : mp_obj_new_int_from_uint(bits(n));
}
static MP_DEFINE_CONST_FUN_OBJ_1(random_getrandbits_obj, random_getrandbits);

static mp_obj_t random_seed(size_t n_args, const mp_obj_t *args) {
    state = (n_args == 0 || args[0] == mp_const_none) ? 0 : (uint32_t)mp_obj_get_int_truncated(args[0]);
    if (state == 0 && n_args > 0 && args[0] != mp_const_none) {
        state = 1;
    }
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(random_seed_obj, 0, 1, random_seed);

static mp_obj_t random_randrange(size_t n_args, const mp_obj_t *args) {
    mp_int_t start = 0, stop, step = 1;
    if (n_args == 1) {
        stop = mp_obj_get_int(args[0]);
    } else {
        start = mp_obj_get_int(args[0]);
        stop = mp_obj_get_int(args[1]);
        if (n_args == 3) {
            step = mp_obj_get_int(args[2]);
        }
    }
    mp_int_t n = step > 0 ? (stop - start + step - 1) / step
               : step < 0 ? (stop - start + step + 1) / step : 0;
    if (n <= 0) {
        mp_raise_ValueError(NULL);
    }
    return mp_obj_new_int(start + step * (mp_int_t)below(n));
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(random_randrange_obj, 1, 3, random_randrange);

static mp_obj_t random_randint(mp_obj_t a_in, mp_obj_t b_in) {
    mp_int_t a = mp_obj_get_int(a_in), b = mp_obj_get_int(b_in);
    if (b < a) {
        mp_raise_ValueError(NULL);
    }
    return mp_obj_new_int(a + (mp_int_t)below(b - a + 1));
}
static MP_DEFINE_CONST_FUN_OBJ_2(random_randint_obj, random_randint);

static mp_obj_t random_choice(mp_obj_t seq) {
    mp_int_t len = mp_obj_get_int(mp_obj_len(seq));
    if (len == 0) {
        mp_raise_type(&mp_type_IndexError);
    }
    return mp_obj_subscr(seq, MP_OBJ_NEW_SMALL_INT(below(len)), MP_OBJ_SENTINEL);
}
static MP_DEFINE_CONST_FUN_OBJ_1(random_choice_obj, random_choice);

#if MICROPY_PY_BUILTINS_FLOAT
static mp_float_t unit(void) {
    // [0, 1) with the mantissa width of mp_float_t
    #if MICROPY_FLOAT_IMPL == MICROPY_FLOAT_IMPL_DOUBLE
    uint64_t m = ((uint64_t)bits(26) << 27) | bits(27);
    return (mp_float_t)m / (mp_float_t)(1ULL << 53);
    #else
    return (mp_float_t)bits(24) / (mp_float_t)(1UL << 24);
    #endif
}

static mp_obj_t random_random(void) {
    return mp_obj_new_float(unit());
}
static MP_DEFINE_CONST_FUN_OBJ_0(random_random_obj, random_random);

static mp_obj_t random_uniform(mp_obj_t a_in, mp_obj_t b_in) {
    mp_float_t a = mp_obj_get_float(a_in), b = mp_obj_get_float(b_in);
    return mp_obj_new_float(a + (b - a) * unit());
}
static MP_DEFINE_CONST_FUN_OBJ_2(random_uniform_obj, random_uniform);
#endif

static const mp_rom_map_elem_t random_module_globals_table[] = {
    { MP_ROM_QSTR(MP_QSTR___name__), MP_ROM_QSTR(MP_QSTR_random) },
    { MP_ROM_QSTR(MP_QSTR_getrandbits), MP_ROM_PTR(&random_getrandbits_obj) },
    { MP_ROM_QSTR(MP_QSTR_seed), MP_ROM_PTR(&random_seed_obj) },
    { MP_ROM_QSTR(MP_QSTR_randrange), MP_ROM_PTR(&random_randrange_obj) },
    { MP_ROM_QSTR(MP_QSTR_randint), MP_ROM_PTR(&random_randint_obj) },
    { MP_ROM_QSTR(MP_QSTR_choice), MP_ROM_PTR(&random_choice_obj) },
    #if MICROPY_PY_BUILTINS_FLOAT
    { MP_ROM_QSTR(MP_QSTR_random), MP_ROM_PTR(&random_random_obj) },
    { MP_ROM_QSTR(MP_QSTR_uniform), MP_ROM_PTR(&random_uniform_obj) },
    #endif
};
static MP_DEFINE_CONST_DICT(random_module_globals, random_module_globals_table);

const mp_obj_module_t mp_module_random = {
    .base = { &mp_type_module },
    .globals = (mp_obj_dict_t *)&random_module_globals,
};

MP_REGISTER_EXTENSIBLE_MODULE(MP_QSTR_random, mp_module_random);
