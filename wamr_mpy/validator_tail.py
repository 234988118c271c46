# Validation of return_call and return_call_indirect (tail calls): an
# extension of validator.walk_body, imported on their first use
# (config.WASM_TAIL_CALL).  return_call_ref is in validator_gc.

from .validator import _inv
from .validator3 import F_TAIL, matches_results, call_indirect_type


def validate(op, pos, v):
    r = v.r
    m = v.m
    if op == 0x12:
        x = r.u32()
        if x >= len(m.func_types):
            _inv("unknown function %d" % x, pos)
        ft = m.types[m.func_types[x]]
        imm = x
    else:
        y, x, ft, at = call_indirect_type(v, pos)
        imm = (y, x)
    v.pops(ft.params)
    if not matches_results(ft.results, v.ftype.results):
        _inv("type mismatch", pos)
    v.feats |= F_TAIL
    if v.live():
        v.em.tail_call(op, imm, ft)
    v.unreachable()
