# The CLI's `-f FUNC args...` (docs/cli.md): argument text -> wasm values
# and results -> text, as iwasm does.  A module of its own so that running
# an app's main does not keep this in RAM.

from . import config


def call_func(inst, name, args):
    """`-f NAME args...`: parses the args by the function's types, calls it
    and prints its results like iwasm (0x2a:i32,1.5:f64)."""
    from .errors import Trap
    f = inst.lookup_function(name)
    if f is None:
        raise Trap("lookup function %s failed" % name)
    t = f.type
    if len(args) != len(t.params):
        raise Trap("invalid input argument count")
    raw = []
    for i in range(len(args)):
        raw.append(_parse_arg(t.params[i], args[i], i))
    res = inst.call_raw(f, raw)
    parts = []
    for i in range(len(t.results)):
        parts.append(_format_result(t.results[i], res[i]))
    from .cli import _out
    _out(",".join(parts) + "\n")
    return 0


def _strtoul(s, bits):
    """C strtoul(s, &end, 0) for the whole string; None if not a number."""
    t = s.strip()
    neg = False
    if t[:1] in ("-", "+"):
        neg = t[0] == "-"
        t = t[1:]
    if not t:
        return None
    try:
        if t[:2] in ("0x", "0X"):
            v = int(t[2:], 16)
        elif len(t) > 1 and t[0] == "0":
            v = int(t[1:], 8)
        else:
            v = int(t, 10)
    except ValueError:
        return None
    m = (1 << bits) - 1
    if v > m:
        v = m
    return (-v) & m if neg else v


def _parse_float(s, bits):
    """strtof/strtod, plus iwasm's "nan:0xPAYLOAD" and "-nan" forms.
    Returns the raw bit pattern or None."""
    t = s.strip()
    payload = None
    if ":" in t:
        t, _, p = t.partition(":")
        payload = _strtoul(p, 64)
        if payload is None:
            return None
    b = _text_to_bits(t, bits)
    if b is None or payload is None:
        return b
    fb = 23 if bits == 32 else 52
    if (b >> fb) & ((1 << (bits - 1 - fb)) - 1) != (1 << (bits - 1 - fb)) - 1 or \
            not b & ((1 << fb) - 1):
        return None     # a payload only goes with nan
    return (b >> fb << fb) | (payload & ((1 << fb) - 1))


def _nbits(n):
    k = 4 * len("%x" % n)
    while k and not n >> (k - 1):
        k -= 1
    return k


def _text_to_bits(t, bits):
    """C's strtof/strtod of the whole string t (decimal or 0x hex, inf,
    infinity, nan) -> the nearest f32/f64 bit pattern (round to nearest,
    ties to even), computed in integers: a port whose float is single
    precision cannot parse a double through float().  None if t is not a
    number."""
    p, ebits = (24, 8) if bits == 32 else (53, 11)
    bias = (1 << (ebits - 1)) - 1
    sign = 0
    if t[:1] in ("-", "+"):
        if t[0] == "-":
            sign = 1 << (bits - 1)
        t = t[1:]
    t = t.lower()
    inf = ((1 << ebits) - 1) << (p - 1)
    if t in ("inf", "infinity"):
        return sign | inf
    if t == "nan":
        return sign | inf | (1 << (p - 2))
    base, ech = 10, "e"
    if t[:2] == "0x":
        base, ech, t = 16, "p", t[2:]
    mant, _, ex = t.partition(ech)
    ip, _, fp = mant.partition(".")
    digits = ip + fp
    if not digits or (ech in t and not ex):
        return None
    try:
        m = int(digits, base)
        x = int(ex) if ex else 0
    except ValueError:
        return None
    if "-" in digits or "+" in digits or " " in t or "_" in t:
        return None
    if m == 0:
        return sign
    # value = m * base**x2 (hex: the exponent is binary, a hex digit is 4 bits)
    if base == 16:
        x2 = x - 4 * len(fp)
        mag = x2 + _nbits(m)
        if mag > 1100:
            return sign | inf
        if mag < -1200:
            return sign
        num, den = (m << x2, 1) if x2 >= 0 else (m, 1 << -x2)
    else:
        x10 = x - len(fp)
        mag = x10 + len(digits.lstrip("0"))
        if mag > 330:
            return sign | inf
        if mag < -360:
            return sign
        num, den = (m * 10 ** x10, 1) if x10 >= 0 else (m, 10 ** -x10)
    emin = 2 - bias - p         # the exponent of the smallest subnormal
    e = _nbits(num) - _nbits(den) - p
    if e < emin:
        e = emin
    while True:
        if e >= 0:
            d = den << e
            q, r = divmod(num, d)
        else:
            d = den
            q, r = divmod(num << -e, d)
        if q >> p:
            e += 1
        elif not q >> (p - 1) and e > emin:
            e -= 1
        else:
            break
    if 2 * r > d or (2 * r == d and q & 1):
        q += 1
        if q >> p:
            q >>= 1
            e += 1
    if not q >> (p - 1):
        return sign | q             # subnormal (or rounded up to the smallest normal)
    be = e + p - 1 + bias
    if be >= (1 << ebits) - 1:
        return sign | inf
    return sign | (be << (p - 1)) | (q - (1 << (p - 1)))


def _parse_arg(t, s, i):
    from .errors import Trap
    from .func import I32, I64, F32, F64, FUNCREF, EXTERNREF
    if s == "":
        raise Trap("invalid input argument %d" % i)
    if t == I32 or t == I64:
        v = _strtoul(s, 32 if t == I32 else 64)
    elif t == F32 or t == F64:
        v = _parse_float(s, 32 if t == F32 else 64)
    elif t in (FUNCREF, EXTERNREF) and s in ("null", "NULL"):
        return None
    elif config.WASM_SIMD and t == 0x7B:
        # iwasm's v128 argument: two u64 (strtoull base 0), lanes 0-7 bytes
        # first, joined by a backslash: 0x1\0x2
        lo, sep, hi = s.partition("\\")
        lo = _strtoul(lo, 64)
        hi = _strtoul(hi, 64) if sep else None
        v = None if lo is None or hi is None else lo | hi << 64
    else:
        v = None
    if v is None:
        raise Trap("invalid input argument %d: %s" % (i, s))
    return v


def _format_result(t, v):
    from .func import I32, I64, F32, F64, FUNCREF, EXTERNREF
    from .libc_printf import format_float_bits
    if t == I32:
        return "0x%x:i32" % (v & 0xFFFFFFFF)
    if t == I64:
        return "0x%x:i64" % (v & 0xFFFFFFFFFFFFFFFF)
    if t == F32:
        return format_float_bits(v, 4, "g", 7) + ":f32"
    if t == F64:
        return format_float_bits(v, 8, "g", 7) + ":f64"
    if t == FUNCREF:
        return "func:ref.null" if v is None else "%s:ref.func" % (
            getattr(v, "idx", "?"),)
    if config.WASM_SIMD and t == 0x7B:
        # as iwasm: the low and the high 64 bits
        return "<0x%016x 0x%016x>:v128" % (v & 0xFFFFFFFFFFFFFFFF, v >> 64)
    if v is None:
        return "extern:ref.null"
    return "%r:ref.extern" % (v,)
