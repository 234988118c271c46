# Validation of the exception-handling instructions (throw, throw_ref,
# try_table): an extension of validator.walk_body, imported when a body
# first uses one of them (config.WASM_EXCEPTIONS).

from .func import type_name
from .reftypes import EXNREF, NONNULL
from .validator import _block_type, matches, _inv, _mal
from .validator3 import F_EXC

EXNREF_NN = EXNREF | NONNULL    # what catch_ref and catch_all_ref deliver


def tag_type(v, x, pos):
    m = v.m
    if x >= len(m.tags):
        _inv("unknown tag %d" % x, pos)
    return m.types[m.tags[x]]


def _need(v, ts, pos):
    """The spec's detailed wording when the operands do not fit."""
    c = v.ctrls[-1]
    have = v.vals[c.height:]
    n = len(ts)
    top = have[len(have) - n:] if n <= len(have) else have
    ok = len(have) >= n or c.unreachable
    for i in range(1, min(n, len(top)) + 1):
        if not matches(top[-i], ts[-i]):
            ok = False
    if not ok:
        _inv("type mismatch: instruction requires [%s] but stack has [%s]" % (
            " ".join(type_name(t) for t in ts), " ".join(type_name(t) for t in top)), pos)


def validate(op, pos, v):
    r = v.r
    v.feats |= F_EXC
    if op == 0x08:            # throw x
        x = r.u32()
        ft = tag_type(v, x, pos)
        _need(v, ft.params, pos)
        v.pops(ft.params)
        if v.live():
            v.em.throw(op, x)
        v.unreachable()
    elif op == 0x0A:          # throw_ref
        v.pop(EXNREF)
        if v.live():
            v.em.throw(op, None)
        v.unreachable()
    else:                     # try_table bt catch*
        params, results = _block_type(v.m, r)
        catches = []
        for _ in range(r.vec()):
            p = r.pos
            kind = r.u8()
            if kind > 3:
                _mal("malformed catch clause", p)
            x = r.u32() if kind < 2 else -1
            depth = r.u32()
            # labels of the catches are those around the try_table
            lt = v.label(depth)
            carried = []
            if kind < 2:
                carried = list(tag_type(v, x, p).params)
            if kind & 1:
                carried.append(EXNREF_NN)
            if len(carried) != len(lt):
                _inv("type mismatch", p)
            for i in range(len(lt)):
                if not matches(carried[i], lt[i]):
                    _inv("type mismatch", p)
            catches.append((kind, x, depth))
        v.pops(params)
        lv = v.live()
        v.push_ctrl(0x1F, params, results, lv)
        if lv:
            v.em.try_table(params, results, catches)
