# Built-in libc subset for apps (WAMR's libc-builtin), module "env".
#
# Names and wasm types follow WAMR's libc_builtin_wrapper.c.  Every address
# is checked: the signature checks run before a function (native.py), and
# each function checks the full extent it touches; anything outside the app
# memory traps with "out of bounds memory access".  Differences from WAMR:
# printf has %f/%e/%g/%a and the full flag/width/precision syntax; exit()
# ends the app with its status (errors.ProcExit) instead of raising an
# exception; abort() takes no argument (C's abort(void)) and traps
# "env.abort()"; bad free()/realloc() pointers trap.

import time
from struct import pack_into
from . import native, heap
from .errors import Trap, ProcExit
from .libc_printf import vformat, c_string

_OOB = "out of bounds memory access"
_M32 = 0xFFFFFFFF


def _mem(inst):
    return inst.memory.data


def _check(data, addr, n):
    if addr + n > len(data):
        raise Trap(_OOB)


def _s32(v):
    v &= _M32
    return v - 0x100000000 if v & 0x80000000 else v


# ---- stdio -------------------------------------------------------------------

def printf(inst, fmt, ap):
    data = _mem(inst)
    s = vformat(data, c_string(data, fmt), ap)
    native.write_stdout(s)
    return len(s)


def sprintf(inst, dst, fmt, ap):
    data = _mem(inst)
    s = vformat(data, c_string(data, fmt), ap)
    n = len(s)
    _check(data, dst, n + 1)
    data[dst:dst + n] = s
    data[dst + n] = 0
    return n


def snprintf(inst, dst, size, fmt, ap):
    data = _mem(inst)
    s = vformat(data, c_string(data, fmt), ap)
    if size:
        k = min(len(s), size - 1)
        data[dst:dst + k] = s[:k]
        data[dst + k] = 0
    return len(s)


def puts(inst, s):
    data = _mem(inst)
    b = c_string(data, s)
    native.write_stdout(b + b"\n")
    return len(b) + 1


def putchar(inst, c):
    c &= 0xFF
    native.write_stdout(bytes((c,)))
    return c


# ---- memory and strings ------------------------------------------------------

def memcmp(inst, a, b, n):
    data = _mem(inst)
    _check(data, a, n)
    _check(data, b, n)
    for i in range(n):
        d = data[a + i] - data[b + i]
        if d:
            return d
    return 0


def memcpy(inst, dst, src, n):
    data = _mem(inst)
    _check(data, dst, n)
    if n:
        data[dst:dst + n] = data[src:src + n]
    return dst


def memset(inst, dst, c, n):
    data = _mem(inst)
    n &= _M32
    _check(data, dst, n)
    if n:
        data[dst:dst + n] = bytes((c & 0xFF,)) * n
    return dst


def memchr(inst, s, c, n):
    data = _mem(inst)
    n &= _M32
    _check(data, s, n)
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
    _check(data, dst, n + 1)
    data[dst:dst + n] = b
    data[dst + n] = 0
    return dst


def strncpy(inst, dst, src, n):
    data = _mem(inst)
    n &= _M32
    _check(data, dst, n)
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


def strspn(inst, s, accept):
    data = _mem(inst)
    b = c_string(data, s)
    acc = c_string(data, accept)
    i = 0
    while i < len(b) and b[i] in acc:
        i += 1
    return i


def strcspn(inst, s, reject):
    data = _mem(inst)
    b = c_string(data, s)
    rej = c_string(data, reject)
    i = 0
    while i < len(b) and b[i] not in rej:
        i += 1
    return i


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
        _check(data, endptr, 4)
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


# ---- heap ----------------------------------------------------------------------

def malloc(inst, size):
    return heap.module_malloc(inst, size & _M32)


def calloc(inst, nmemb, size):
    total = (nmemb & _M32) * (size & _M32)
    if total >= _M32:
        return 0
    a = heap.module_malloc(inst, total)
    if a and total:
        _mem(inst)[a:a + total] = bytes(total)
    return a


def realloc(inst, ptr, size):
    return heap.module_realloc(inst, ptr, size)


def free(inst, ptr):
    heap.module_free(inst, ptr)


# ---- process and time -----------------------------------------------------------

def exit(inst, status):
    raise ProcExit(_s32(status))


def abort(inst):
    raise Trap("env.abort()")


def _abort_code(what):
    def f(inst, code):
        raise Trap("env.%s(%d)" % (what, _s32(code)))
    return f


def _now_ns(clk):
    if clk == 0 and hasattr(time, "time_ns"):
        return time.time_ns()
    return _mono_ns()


_mono_last = [0, 0]     # last ticks_us reading, accumulated us


def _mono_ns():
    """Monotonic ns since import; ticks_us wraps, so accumulate deltas."""
    if hasattr(time, "ticks_us"):
        t = time.ticks_us()
        if _mono_last[0]:
            d = time.ticks_diff(t, _mono_last[0])
            if d > 0:
                _mono_last[1] += d
        _mono_last[0] = t
        return _mono_last[1] * 1000
    return int(time.time() * 1e9)


def clock(inst):
    # CLOCKS_PER_SEC is 1e9 in the app SDK (as in wasi-libc)
    return _mono_ns()


def clock_gettime(inst, clk, ts):
    data = _mem(inst)
    _check(data, ts, 16)
    ns = _now_ns(clk)
    pack_into("<qi", data, ts, ns // 1000000000, ns % 1000000000)
    return 0


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


# ---- emcc/clang helpers kept by WAMR -------------------------------------------

_temp_ret = [0]


def setTempRet0(inst, v):
    _temp_ret[0] = v


def getTempRet0(inst):
    return _temp_ret[0]


def llvm_bswap_i16(inst, v):
    v &= _M32
    return _s32((v & 0xFFFF0000) | ((v & 0xFF) << 8) | ((v >> 8) & 0xFF))


def llvm_bswap_i32(inst, v):
    v &= _M32
    return _s32(((v & 0xFF) << 24) | ((v & 0xFF00) << 8) |
                ((v >> 8) & 0xFF00) | (v >> 24))


def __cxa_allocate_exception(inst, size):
    return heap.module_malloc(inst, size & _M32)


def __cxa_begin_catch(inst, p):
    pass


def __cxa_throw(inst, a, b, c):
    raise Trap("exception thrown by stdc++")


native.register_builtin("env", [
    ("printf", printf, "($*)i"),
    ("sprintf", sprintf, "(*$*)i"),
    ("snprintf", snprintf, "(*~$*)i"),
    ("vprintf", printf, "($*)i"),
    ("vsprintf", sprintf, "(*$*)i"),
    ("vsnprintf", snprintf, "(*~$*)i"),
    ("puts", puts, "($)i"),
    ("putchar", putchar, "(i)i"),
    ("memcmp", memcmp, "(**~)i"),
    ("memcpy", memcpy, "(**~)i"),
    ("memmove", memcpy, "(**~)i"),
    ("memset", memset, "(*ii)i"),
    ("memchr", memchr, "(*ii)i"),
    ("strchr", strchr, "($i)i"),
    ("strcmp", strcmp, "($$)i"),
    ("strcpy", strcpy, "(*$)i"),
    ("strlen", strlen, "($)i"),
    ("strncmp", strncmp, "(iii)i"),
    ("strncpy", strncpy, "(*ii)i"),
    ("strncasecmp", strncasecmp, "(iii)i"),
    ("strdup", strdup, "($)i"),
    ("_strdup", strdup, "($)i"),
    ("strspn", strspn, "($$)i"),
    ("strcspn", strcspn, "($$)i"),
    ("strstr", strstr, "($$)i"),
    ("atoi", atoi, "($)i"),
    ("strtol", strtol, "($ii)i"),
    ("strtoul", strtoul, "($ii)i"),
    ("malloc", malloc, "(i)i"),
    ("calloc", calloc, "(ii)i"),
    ("realloc", realloc, "(ii)i"),
    ("free", free, "(i)"),
    ("exit", exit, "(i)"),
    ("abort", abort, "()"),
    ("abortStackOverflow", _abort_code("abortStackOverflow"), "(i)"),
    ("nullFunc_X", _abort_code("nullFunc_X"), "(i)"),
    ("clock", clock, "()I"),
    ("clock_gettime", clock_gettime, "(ii)i"),
    ("isupper", _ct(lambda c: 65 <= c <= 90), "(i)i"),
    ("islower", _ct(lambda c: 97 <= c <= 122), "(i)i"),
    ("isalpha", _ct(lambda c: 65 <= c <= 90 or 97 <= c <= 122), "(i)i"),
    ("isdigit", _ct(_isdig), "(i)i"),
    ("isxdigit", _ct(lambda c: _isdig(c) or 97 <= (c | 32) <= 102), "(i)i"),
    ("isalnum", _ct(lambda c: _isdig(c) or 65 <= c <= 90 or 97 <= c <= 122),
     "(i)i"),
    ("isspace", _ct(_isspace), "(i)i"),
    ("isprint", _ct(lambda c: 32 <= c < 127), "(i)i"),
    ("isgraph", _ct(lambda c: 32 < c < 127), "(i)i"),
    ("ispunct", _ct(lambda c: 32 < c < 127 and not (
        _isdig(c) or 65 <= c <= 90 or 97 <= c <= 122)), "(i)i"),
    ("tolower", tolower, "(i)i"),
    ("toupper", toupper, "(i)i"),
    ("setTempRet0", setTempRet0, "(i)"),
    ("getTempRet0", getTempRet0, "()i"),
    ("llvm_bswap_i16", llvm_bswap_i16, "(i)i"),
    ("llvm_bswap_i32", llvm_bswap_i32, "(i)i"),
    ("emscripten_memcpy_big", memcpy, "(**~)i"),
    ("__cxa_allocate_exception", __cxa_allocate_exception, "(i)i"),
    ("__cxa_begin_catch", __cxa_begin_catch, "(i)"),
    ("__cxa_throw", __cxa_throw, "(iii)"),
])
