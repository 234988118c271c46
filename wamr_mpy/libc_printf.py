# printf formatting for the built-in libc (printf, sprintf, snprintf and the
# v* forms), reading the format string and the va_list from app memory.
#
# The va_list of clang's wasm32 ABI is a pointer to the arguments laid out at
# their natural alignment: int/long/pointer 4 bytes, long long/double 8
# (8-aligned), long double 16 (16-aligned, IEEE binary128).  Every read is
# bounds-checked and traps "out of bounds memory access".
#
# Floating point (%f %e %g %a, upper-case too) is converted exactly from the
# bit pattern with integer arithmetic, so the digits are those of a correct
# C library (musl/wasi-libc) on every port, including ports whose own float
# is single precision.

from struct import unpack_from
from .errors import Trap

_OOB = "out of bounds memory access"


def _trap():
    raise Trap(_OOB)


class _Args:
    """Sequential reader of a wasm32 va_list in memory `data`."""

    def __init__(self, data, ap):
        self.data = data
        self.ap = ap & 0xFFFFFFFF

    def _take(self, size):
        a = (self.ap + size - 1) & ~(size - 1)
        if a + size > len(self.data):
            _trap()
        self.ap = a + size
        return a

    def i32(self):
        return unpack_from("<i", self.data, self._take(4))[0]

    def u32(self):
        return unpack_from("<I", self.data, self._take(4))[0]

    def i64(self):
        return unpack_from("<q", self.data, self._take(8))[0]

    def u64(self):
        return unpack_from("<Q", self.data, self._take(8))[0]

    def f64_bits(self):
        return unpack_from("<Q", self.data, self._take(8))[0]

    def f128_bits(self):
        a = self._take(16)
        lo, hi = unpack_from("<QQ", self.data, a)
        return (hi << 64) | lo


def c_string(data, addr, limit=-1):
    """Bytes of the NUL-terminated string at addr (at most `limit` bytes when
    limit >= 0, which needs no terminator); traps when it runs off memory."""
    n = len(data)
    addr &= 0xFFFFFFFF
    if limit >= 0:
        stop = addr + limit
        if addr > n:
            _trap()
        e = data.find(b"\0", addr, min(stop, n))
        if e < 0:
            if stop > n:
                _trap()
            e = stop
        return bytes(data[addr:e])
    if addr >= n:
        _trap()
    e = data.find(b"\0", addr)
    if e < 0:
        _trap()
    return bytes(data[addr:e])


# ---- exact binary -> decimal -------------------------------------------------

def _bitlen(m):
    n = 0
    while m >= 0x100000000:
        m >>= 32
        n += 32
    while m:
        m >>= 1
        n += 1
    return n


def _round_scaled(m, e, k):
    """round-half-even(m * 2**e * 10**k) as an int (k may be negative)."""
    num = m
    den = 1
    if e >= 0:
        num <<= e
    else:
        den <<= -e
    if k >= 0:
        num *= 10 ** k
    else:
        den *= 10 ** (-k)
    q, r = divmod(num, den)
    r += r
    if r > den or (r == den and (q & 1)):
        q += 1
    return q


def _dec_exp(m, e):
    """floor(log10(m * 2**e)) for m > 0."""
    x = ((_bitlen(m) + e - 1) * 30103) // 100000
    while True:
        # compare m*2^e with 10^x
        num = m << e if e >= 0 else m
        den = 1 << -e if e < 0 else 1
        if x >= 0:
            lo = den * 10 ** x
            if num < lo:
                x -= 1
                continue
            if num >= lo * 10:
                x += 1
                continue
        else:
            p = 10 ** (-x)
            if num * p < den:
                x -= 1
                continue
            if num * p >= den * 10:
                x += 1
                continue
        return x


# (exponent bits, mantissa bits) per float size in bytes
_LAYOUT = {4: (8, 23), 8: (11, 52), 16: (15, 112)}


def _unpack_float(bits, size):
    """-> (neg, m, e, kind) with value m * 2**e; kind 0 finite, 1 inf, 2 nan."""
    eb, mb = _LAYOUT[size]
    emax = (1 << eb) - 1
    bias = (emax >> 1) + mb
    neg = bits >> (eb + mb)
    ex = (bits >> mb) & emax
    m = bits & ((1 << mb) - 1)
    if ex == emax:
        return neg, 0, 0, 2 if m else 1
    if ex:
        return neg, m | (1 << mb), ex - bias, 0
    return neg, m, 1 - bias, 0


def format_float_bits(bits, size, conv="g", prec=-1, alt=False):
    """C's %.<prec><conv> of the float with bit pattern `bits` (size 4, 8 or
    16 bytes), e.g. format_float_bits(b, 8, "g", 7) is printf("%.7g")."""
    neg, s, special = _fmt_float(bits, conv, prec, alt, size)
    return ("-" if neg else "") + s


def _zeros(n):
    return "0" * n if n > 0 else ""


def _fmt_f(m, e, p, alt):
    if p > _CAP_F:
        s = _fmt_f(m, e, _CAP_F, alt)
        return s + _zeros(p - _CAP_F)
    q = str(_round_scaled(m, e, p)) if m else "0"
    if p == 0:
        return q + ("." if alt else "")
    q = _zeros(p + 1 - len(q)) + q
    return q[:-p] + "." + q[-p:]


def _e_digits(m, e, p):
    """(digit string of length p+1, exponent) of m*2^e rounded to p+1
    significant digits."""
    if not m:
        return "0" * (p + 1), 0
    x = _dec_exp(m, e)
    d = _round_scaled(m, e, p - x)
    if d >= 10 ** (p + 1):
        x += 1
        d = _round_scaled(m, e, p - x)
    return str(d), x


def _fmt_e(m, e, p, alt, upper):
    extra = 0
    if p > _CAP_E:
        extra = p - _CAP_E
        p = _CAP_E
    ds, x = _e_digits(m, e, p)
    s = ds[0]
    if p or alt:
        s += "."
    s += ds[1:] + _zeros(extra)
    return s + _exp_text(x, upper)


def _exp_text(x, upper):
    sign = "-" if x < 0 else "+"
    x = -x if x < 0 else x
    xs = str(x)
    if len(xs) < 2:
        xs = "0" + xs
    return ("E" if upper else "e") + sign + xs


def _strip_zeros(s):
    if "." not in s:
        return s
    s = s.rstrip("0")
    if s.endswith("."):
        s = s[:-1]
    return s


def _fmt_g(m, e, p, alt, upper):
    if p < 0:
        p = 6
    elif p == 0:
        p = 1
    cap = p - 1 if p - 1 <= _CAP_E else _CAP_E
    ds, x = _e_digits(m, e, cap)
    if p > x >= -4:
        s = _fmt_f(m, e, p - 1 - x, alt)
        return s if alt else _strip_zeros(s)
    s = ds[0]
    frac = ds[1:] + _zeros(p - 1 - cap)
    if frac or alt:
        s += "." + frac
    if not alt:
        s = _strip_zeros(s)
    return s + _exp_text(x, upper)


def _fmt_a(m, e, p, alt, upper):
    """Hex float like musl: 0x1.8p+1 (normalised, shortest unless p)."""
    if not m:
        x = 0
        frac = 0
        nd = 0
    else:
        bl = _bitlen(m)
        x = bl - 1 + e           # value = (m / 2^(bl-1)) * 2^x
        frac = m - (1 << (bl - 1))
        fb = bl - 1              # fraction bits
        # make the fraction a whole number of hex digits
        pad = (-fb) % 4
        frac <<= pad
        nd = (fb + pad) // 4
    lead = 1 if m else 0
    if p >= 0 and p < nd:
        drop = 4 * (nd - p)
        q = frac >> drop
        r = frac - (q << drop)
        half = 1 << (drop - 1)
        if r > half or (r == half and ((q & 1) if p else (lead & 1))):
            q += 1
        if q >> (4 * p):
            lead += 1
            q -= 1 << (4 * p)
        frac = q
        nd = p
    digits = ""
    if nd:
        digits = "%x" % frac
        digits = _zeros(nd - len(digits)) + digits
        if p < 0:
            digits = digits.rstrip("0")
    if p > nd:
        digits += _zeros(p - nd)
    s = "0x" + str(lead)
    if digits or alt:
        s += "."
    s += digits + "p" + ("-" if x < 0 else "+") + str(-x if x < 0 else x)
    return s.upper() if upper else s


_CAP_F = 1100      # a double has at most 1074 fractional decimal digits
_CAP_E = 800       # ... and at most 767 significant ones


def _fmt_float(bits, conv, p, alt, size):
    neg, m, e, kind = _unpack_float(bits, size)
    upper = conv in "FEGA"
    if kind:
        s = "inf" if kind == 1 else "nan"
        return neg, (s.upper() if upper else s), True
    if conv in "fF":
        s = _fmt_f(m, e, 6 if p < 0 else p, alt)
    elif conv in "eE":
        s = _fmt_e(m, e, 6 if p < 0 else p, alt, upper)
    elif conv in "gG":
        s = _fmt_g(m, e, p, alt, upper)
    else:
        s = _fmt_a(m, e, p, alt, upper)
    return neg, s, False


# ---- the formatter -----------------------------------------------------------

def vformat(data, fmt, ap):
    """Format the bytes `fmt` with the va_list at app address `ap`; returns
    the output bytes."""
    args = _Args(data, ap)
    out = bytearray()
    i = 0
    n = len(fmt)
    while i < n:
        j = fmt.find(b"%", i)
        if j < 0:
            out += fmt[i:]
            break
        out += fmt[i:j]
        i = j + 1
        if i >= n:
            out += b"%"
            break
        # flags
        left = plus = space = alt = zero = False
        while i < n:
            c = fmt[i]
            if c == 0x2D:
                left = True
            elif c == 0x2B:
                plus = True
            elif c == 0x20:
                space = True
            elif c == 0x23:
                alt = True
            elif c == 0x30:
                zero = True
            else:
                break
            i += 1
        # width
        width = 0
        if i < n and fmt[i] == 0x2A:
            width = args.i32()
            if width < 0:
                left = True
                width = -width
            i += 1
        else:
            while i < n and 0x30 <= fmt[i] <= 0x39:
                width = width * 10 + fmt[i] - 0x30
                i += 1
        # precision
        prec = -1
        if i < n and fmt[i] == 0x2E:
            i += 1
            if i < n and fmt[i] == 0x2A:
                prec = args.i32()
                if prec < 0:
                    prec = -1
                i += 1
            else:
                prec = 0
                while i < n and 0x30 <= fmt[i] <= 0x39:
                    prec = prec * 10 + fmt[i] - 0x30
                    i += 1
        # length
        size = 0          # 0 int, 1 char, 2 short, 8 64-bit, 16 long double
        while i < n:
            c = fmt[i]
            if c == 0x68:                    # h
                size = 1 if size == 2 else 2
            elif c == 0x6C:                  # l
                size = 8 if size == 4 else 4
            elif c in (0x6A, 0x71):          # j q
                size = 8
            elif c in (0x7A, 0x74):          # z t
                size = 4
            elif c == 0x4C:                  # L
                size = 16
            else:
                break
            i += 1
        if i >= n:
            break
        conv = chr(fmt[i])
        i += 1
        prefix = ""
        zero_ok = zero and not left
        if conv in "di":
            v = args.i64() if size in (8, 16) else args.i32()
            if size == 1:
                v = ((v & 0xFF) ^ 0x80) - 0x80
            elif size == 2:
                v = ((v & 0xFFFF) ^ 0x8000) - 0x8000
            if v < 0:
                prefix = "-"
                v = -v
            elif plus:
                prefix = "+"
            elif space:
                prefix = " "
            body = _int_digits(str(v), v, prec)
            if prec >= 0:
                zero_ok = False
        elif conv in "uxXop":
            is_ptr = conv == "p"
            if is_ptr:
                # WAMR's form: always 0x and at least 8 digits
                v = args.u32()
                if prec < 8:
                    prec = 8
                conv = "x"
            else:
                v = args.u64() if size in (8, 16) else args.u32()
                if size == 1:
                    v &= 0xFF
                elif size == 2:
                    v &= 0xFFFF
            if conv == "u":
                ds = str(v)
            elif conv == "o":
                ds = "%o" % v
            else:
                ds = "%x" % v
                if conv == "X":
                    ds = ds.upper()
            body = _int_digits(ds, v, prec)
            if conv == "o" and alt and not body.startswith("0"):
                body = "0" + body
            elif conv in "xX" and (alt and v or is_ptr):
                prefix = "0" + conv
            if prec >= 0:
                zero_ok = False
        elif conv in "fFeEgGaA":
            if size == 16:
                bits = args.f128_bits()
            else:
                bits = args.f64_bits()
            neg, body, special = _fmt_float(bits, conv, prec, alt,
                                            16 if size == 16 else 8)
            prefix = "-" if neg else "+" if plus else " " if space else ""
            if special:
                zero_ok = False
        elif conv == "c":
            b = bytes((args.i32() & 0xFF,))
            _pad_bytes(out, b, width, left)
            continue
        elif conv == "s":
            a = args.u32()
            if a == 0:
                s = b"(null)"
                if prec >= 0:
                    s = s[:prec]
            else:
                s = c_string(data, a, prec)
            _pad_bytes(out, s, width, left)
            continue
        elif conv == "%":
            out += b"%"
            continue
        elif conv == "n":
            args.u32()          # never written: an app pointer sink is unsafe
            continue
        else:
            out += b"%" + conv.encode()
            continue
        # pad a number
        ln = len(prefix) + len(body)
        if ln >= width:
            out += (prefix + body).encode()
        elif left:
            out += (prefix + body + " " * (width - ln)).encode()
        elif zero_ok:
            out += (prefix + "0" * (width - ln) + body).encode()
        else:
            out += (" " * (width - ln) + prefix + body).encode()
    return bytes(out)


def _int_digits(ds, v, prec):
    if prec < 0:
        return ds
    if prec == 0 and v == 0:
        return ""
    return _zeros(prec - len(ds)) + ds


def _pad_bytes(out, b, width, left):
    if len(b) >= width:
        out += b
    elif left:
        out += b
        out += b" " * (width - len(b))
    else:
        out += b" " * (width - len(b))
        out += b
