# Exception handling on the portable interpreter: raising a wasm exception
# (throw, throw_ref) and finding the try_table that catches it, frame by
# frame.  Imported when a body uses throw/try_table or an exception passes
# through interp.execute.
#
# A wasm exception travels as errors.WasmException (a Python exception)
# carrying the exnref (refs.Exn), so it crosses host functions and other
# tiers like any Python exception.  interp_code.Emitter gives every body with
# try_table a handler table: per try_table, in the order they open,
# [start pc, end pc, catches], a catch being (kind, tag index, stub pc,
# first label slot, values): kind 0 catch, 1 catch_ref, 2 catch_all,
# 3 catch_all_ref.  The stub is a BR to the catch's label; the values go to
# the label's slots first.

from .errors import Trap, WasmException
from . import interp as I


def unwind(exn, s, code, pc, fp, inst, fr, fsp, fbase):
    """The handler for exn in the frames of one interp.execute, innermost
    first: -> (pc, fp, code, inst, fsp) to resume at, or None."""
    H = I.HANDLERS
    while True:
        h = H.get(id(code))
        if h is not None and h[0] is code:
            tabs = h[1]
            for i in range(len(tabs) - 1, -1, -1):
                start, end, catches = tabs[i]
                if start <= pc < end:
                    for kind, tag, stub, dst, n in catches:
                        if kind < 2:
                            if inst.tags[tag] is not exn.tag:
                                continue
                            k = len(exn.vals)
                            if k:
                                s[fp + dst:fp + dst + k] = exn.vals
                        else:
                            k = 0
                        if kind & 1:
                            s[fp + dst + k] = exn
                        return stub, fp, code, inst, fsp
        if fsp == fbase:
            return None
        # the caller, at its call instruction
        fsp -= 4
        pc = fr[fsp] - 1
        fp = fr[fsp + 1]
        code = fr[fsp + 2]
        inst = fr[fsp + 3]


def _throw(inst, s, fp, imm, imm2, d, a, b, c):
    from .refs import Exn
    raise WasmException(Exn(inst.tags[imm], s[fp + a:fp + a + imm2]))


def _throw_ref(inst, s, fp, imm, imm2, d, a, b, c):
    e = s[fp + a]
    if e is None:
        raise Trap("null exception reference")
    raise WasmException(e)


def ext_fn(op):
    return _throw if op == 0x08 else _throw_ref
