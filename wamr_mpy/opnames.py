# The numeric.py / fmode function that implements each numeric opcode, one
# table for every tier's code generator (portable and fast interpreters,
# JIT/AOT compiler).  Indexed by opcode - 0x45 for 0x45..0xC4, and
# 128 + (opcode - 0xFC00) for the saturating conversions 0xFC00..0xFC07;
# "-" where no helper exists (each tier handles those inline).  One string,
# not a tuple of 136: loaded from a .mpy file each name would be an object
# and an interned string in RAM (4.5 KB on a 32-bit port; this, 1.5 KB).
# Looking a name up scans the string, which only code generation does.

NAMES = (
    "- - - - - - - - - - - - - - - i64_lt_u - i64_gt_u - i64_le_u - i64_ge_u f32_eq "
    "f32_ne f32_lt f32_gt f32_le f32_ge f64_eq f64_ne f64_lt f64_gt f64_le f64_ge "
    "i32_clz i32_ctz i32_popcnt - - - i32_div_s i32_div_u i32_rem_s i32_rem_u - - - - - "
    "- i32_rotl i32_rotr i64_clz i64_ctz i64_popcnt - - i64_mul i64_div_s i64_div_u "
    "i64_rem_s i64_rem_u - - - i64_shl i64_shr_s i64_shr_u i64_rotl i64_rotr f32_abs "
    "f32_neg f32_ceil f32_floor f32_trunc f32_nearest f32_sqrt f32_add f32_sub f32_mul "
    "f32_div f32_min f32_max f32_copysign f64_abs f64_neg f64_ceil f64_floor f64_trunc "
    "f64_nearest f64_sqrt f64_add f64_sub f64_mul f64_div f64_min f64_max f64_copysign "
    "i32_wrap_i64 i32_trunc_f32_s i32_trunc_f32_u i32_trunc_f64_s i32_trunc_f64_u - "
    "i64_extend_i32_u i64_trunc_f32_s i64_trunc_f32_u i64_trunc_f64_s i64_trunc_f64_u "
    "f32_convert_i32_s f32_convert_i32_u f32_convert_i64_s f32_convert_i64_u "
    "f32_demote_f64 f64_convert_i32_s f64_convert_i32_u f64_convert_i64_s "
    "f64_convert_i64_u f64_promote_f32 i32_reinterpret_f32 i64_reinterpret_f64 "
    "f32_reinterpret_i32 f64_reinterpret_i64 extend8_s extend16_s extend8_s extend16_s "
    "i64_extend32_s i32_trunc_sat_f32_s i32_trunc_sat_f32_u i32_trunc_sat_f64_s "
    "i32_trunc_sat_f64_u i64_trunc_sat_f32_s i64_trunc_sat_f32_u i64_trunc_sat_f64_s "
    "i64_trunc_sat_f64_u"
)


def name_at(i):
    """The helper's name for table index i, or "" when there is none."""
    s = NAMES
    p = 0
    while i:
        p = s.index(" ", p) + 1
        i -= 1
    e = s.find(" ", p)
    n = s[p:e] if e >= 0 else s[p:]
    return "" if n == "-" else n


def helper_name(op):
    return name_at(op - 0x45 if op < 0xFC00 else op - 0xFC00 + 128)
