# libc-builtin's string.h, ctype.h and strtol/atoi (module "env"): imported
# the first time an app imports one of them, so an app that only prints and
# allocates does not keep them in RAM.  Registered by libc.py.

from . import heap
from struct import pack_into
from .libc import _mem, _check, _s32, _M32
from .libc_printf import c_string

# ---- memory and strings ------------------------------------------------------

def memcmp(inst, a, b, n):
    data = _mem(inst)
    a = _check(data, a, n)
    b = _check(data, b, n)
    for i in range(n):
        d = data[a + i] - data[b + i]
        if d:
            return d
    return 0


def memcpy(inst, dst, src, n):
    data = _mem(inst)
    dst = _check(data, dst, n)
    src = _check(data, src, n)
    if n:
        data[dst:dst + n] = data[src:src + n]
    return dst


def memset(inst, dst, c, n):
    data = _mem(inst)
    n &= _M32
    dst = _check(data, dst, n)
    if n:
        data[dst:dst + n] = bytes((c & 0xFF,)) * n
    return dst


def memchr(inst, s, c, n):
    data = _mem(inst)
    n &= _M32
    s = _check(data, s, n)
    i = data.find(bytes((c & 0xFF,)), s, s + n)
    return i if i >= 0 else 0


def strchr(inst, s, c):
    data = _mem(inst)
    b = c_string(data, s)
    c &= 0xFF
    if c == 0:
        return s + len(b)
    i = b.find(bytes((c,)))
    return s + i if i >= 0 else 0


def strcmp(inst, a, b):
    data = _mem(inst)
    return _cmp(c_string(data, a) + b"\0", c_string(data, b) + b"\0", -1)


def _cmp(x, y, n):
    # n may be up to 2**32 - 1: no slice index on a 32-bit port, so only
    # cut when it is shorter than the strings
    if 0 <= n < len(x):
        x = x[:n]
    if 0 <= n < len(y):
        y = y[:n]
    for i in range(min(len(x), len(y))):
        d = x[i] - y[i]
        if d:
            return d
    return 0


def strncmp(inst, a, b, n):
    data = _mem(inst)
    n &= _M32
    x = c_string(data, a, n)
    y = c_string(data, b, n)
    # a string shorter than n ends with its NUL, which takes part
    if len(x) < n:
        x += b"\0"
    if len(y) < n:
        y += b"\0"
    return _cmp(x, y, n)


def strncasecmp(inst, a, b, n):
    data = _mem(inst)
    n &= _M32
    x = c_string(data, a, n).lower()
    y = c_string(data, b, n).lower()
    if len(x) < n:
        x += b"\0"
    if len(y) < n:
        y += b"\0"
    return _cmp(x, y, n)


def strcpy(inst, dst, src):
    data = _mem(inst)
    b = c_string(data, src)
    n = len(b)
    dst = _check(data, dst, n + 1)
    data[dst:dst + n] = b
    data[dst + n] = 0
    return dst


def strncpy(inst, dst, src, n):
    data = _mem(inst)
    n &= _M32
    dst = _check(data, dst, n)
    b = c_string(data, src, n)
    k = len(b)
    data[dst:dst + k] = b
    if n > k:
        data[dst + k:dst + n] = bytes(n - k)
    return dst


def strlen(inst, s):
    return len(c_string(_mem(inst), s))


def strdup(inst, s):
    data = _mem(inst)
    b = c_string(data, s)
    a = heap.module_malloc(inst, len(b) + 1)
    if a:
        data = _mem(inst)
        data[a:a + len(b)] = b
        data[a + len(b)] = 0
    return a


def _span(inst, s, chars, inside):
    data = _mem(inst)
    b = c_string(data, s)
    cs = c_string(data, chars)
    i = 0
    while i < len(b) and (b[i] in cs) == inside:
        i += 1
    return i


def strspn(inst, s, accept):
    return _span(inst, s, accept, True)


def strcspn(inst, s, reject):
    return _span(inst, s, reject, False)


def strstr(inst, s, find):
    data = _mem(inst)
    i = c_string(data, s).find(c_string(data, find))
    return s + i if i >= 0 else 0


# ---- numbers -----------------------------------------------------------------

def _isspace(c):
    return c == 0x20 or 9 <= c <= 13


def _parse_int(b, base):
    """C strtol scan of bytes b -> (negative, magnitude, chars used, ok)."""
    i = 0
    n = len(b)
    while i < n and _isspace(b[i]):
        i += 1
    neg = False
    if i < n and b[i] in (0x2B, 0x2D):
        neg = b[i] == 0x2D
        i += 1
    if base in (0, 16) and i + 1 < n and b[i] == 0x30 and b[i + 1] in (0x78, 0x58):
        if i + 2 < n and _digit(b[i + 2]) < 16:
            i += 2
            base = 16
        elif base == 0:
            base = 8
    if base == 0:
        base = 8 if i < n and b[i] == 0x30 else 10
    if base < 2 or base > 36:
        return False, 0, 0, False
    start = i
    v = 0
    while i < n:
        d = _digit(b[i])
        if d >= base:
            break
        v = v * base + d
        i += 1
        if v > 0x1FFFFFFFF:            # saturated: keep scanning digits
            v = 0x1FFFFFFFF
    if i == start:
        # "0x" with no hex digit after it parses as "0"
        return False, 0, 0, True
    return neg, v, i, True


def _digit(c):
    if 0x30 <= c <= 0x39:
        return c - 0x30
    c |= 0x20
    if 0x61 <= c <= 0x7A:
        return c - 0x61 + 10
    return 99


def _strto(inst, s, endptr, base, signed):
    data = _mem(inst)
    b = c_string(data, s)
    if endptr:
        endptr = _check(data, endptr, 4)
    neg, v, used, ok = _parse_int(b, _s32(base))
    if signed:
        lim = 0x80000000 if neg else 0x7FFFFFFF
        if v > lim:
            v = lim
        r = -v if neg else v
    else:
        if v > _M32:
            r = _M32
        else:
            r = (-v) & _M32 if neg else v
    if endptr:
        pack_into("<I", data, endptr, s + used if used else s)
    return r


def strtol(inst, s, endptr, base):
    return _strto(inst, s, endptr, base, True)


def strtoul(inst, s, endptr, base):
    return _strto(inst, s, endptr, base, False)


def atoi(inst, s):
    neg, v, used, ok = _parse_int(c_string(_mem(inst), s), 10)
    return _s32(-v if neg else v)


# ---- ctype -------------------------------------------------------------------

def _ct(test):
    def f(inst, c):
        return 1 if 0 <= c < 128 and test(c) else 0
    return f


def _isdig(c):
    return 48 <= c <= 57


def tolower(inst, c):
    return c + 32 if 65 <= c <= 90 else c


def toupper(inst, c):
    return c - 32 if 97 <= c <= 122 else c


isupper = _ct(lambda c: 65 <= c <= 90)
islower = _ct(lambda c: 97 <= c <= 122)
isalpha = _ct(lambda c: 65 <= c <= 90 or 97 <= c <= 122)
isdigit = _ct(_isdig)
isxdigit = _ct(lambda c: _isdig(c) or 97 <= (c | 32) <= 102)
isalnum = _ct(lambda c: _isdig(c) or 65 <= c <= 90 or 97 <= c <= 122)
isspace = _ct(_isspace)
isprint = _ct(lambda c: 32 <= c < 127)
isgraph = _ct(lambda c: 32 < c < 127)
ispunct = _ct(lambda c: 32 < c < 127 and not (_isdig(c) or 65 <= c <= 90 or 97 <= c <= 122))
