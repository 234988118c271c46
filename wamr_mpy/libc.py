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


# the natives' one bounds check: unsigned address and length, returns the
# address to use
_check = native.check


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
    dst = _check(data, dst, n + 1)
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
    ts = _check(data, ts, 16)
    ns = _now_ns(clk)
    pack_into("<qi", data, ts, ns // 1000000000, ns % 1000000000)
    return 0


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


abortStackOverflow = _abort_code("abortStackOverflow")
nullFunc_X = _abort_code("nullFunc_X")

# name, signature (docs/native.md) and the implementing function when its
# name differs ("libc_string.f": in that module).  native.py makes an entry
# only for the names an app imports.
native.register_builtin("env", """
printf ($*)i
sprintf (*$*)i
snprintf (*~$*)i
vprintf ($*)i printf
vsprintf (*$*)i sprintf
vsnprintf (*~$*)i snprintf
puts ($)i
putchar (i)i
memcmp (**~)i libc_string.memcmp
memcpy (**~)i libc_string.memcpy
memmove (**~)i libc_string.memcpy
memset (*ii)i libc_string.memset
memchr (*ii)i libc_string.memchr
strchr ($i)i libc_string.strchr
strcmp ($$)i libc_string.strcmp
strcpy (*$)i libc_string.strcpy
strlen ($)i libc_string.strlen
strncmp (**i)i libc_string.strncmp
strncpy (**i)i libc_string.strncpy
strncasecmp (**i)i libc_string.strncasecmp
strdup ($)i libc_string.strdup
_strdup ($)i libc_string.strdup
strspn ($$)i libc_string.strspn
strcspn ($$)i libc_string.strcspn
strstr ($$)i libc_string.strstr
atoi ($)i libc_string.atoi
strtol ($*i)i libc_string.strtol
strtoul ($*i)i libc_string.strtoul
malloc (i)i
calloc (ii)i
realloc (*i)i
free (*)
exit (i)
abort ()
abortStackOverflow (i)
nullFunc_X (i)
clock ()I
clock_gettime (i*)i
isupper (i)i libc_string.isupper
islower (i)i libc_string.islower
isalpha (i)i libc_string.isalpha
isdigit (i)i libc_string.isdigit
isxdigit (i)i libc_string.isxdigit
isalnum (i)i libc_string.isalnum
isspace (i)i libc_string.isspace
isprint (i)i libc_string.isprint
isgraph (i)i libc_string.isgraph
ispunct (i)i libc_string.ispunct
tolower (i)i libc_string.tolower
toupper (i)i libc_string.toupper
setTempRet0 (i)
getTempRet0 ()i
llvm_bswap_i16 (i)i
llvm_bswap_i32 (i)i
emscripten_memcpy_big (**~)i libc_string.memcpy
__cxa_allocate_exception (i)i
__cxa_begin_catch (*)
__cxa_throw (**i)
""", "libc")
