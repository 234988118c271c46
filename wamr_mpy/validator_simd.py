# Validation of the SIMD instructions (prefix 0xFD) for validator.walk_body,
# imported on the first one a module uses (config.WASM_SIMD).  Each reaches
# the emitter as em.op(simd_ops.OP + sub-opcode, imm, pops, push) with imm:
#   loads, stores, lane loads/stores: (offset, lane, memory index)
#   v128.const, i8x16.shuffle: the 16 immediate bytes
#   extract_lane, replace_lane: the lane
#   everything else: None

from .errors import ValidationError, LoadError
from . import simd_ops as S
from . import config

F_SIMD = 64         # Module.feats bit of a body using v128 (validator3.F_SIMD)


def _inv(msg, pos):
    raise ValidationError(msg, pos, "validator_simd")


def _mal(msg, pos):
    raise LoadError(msg, pos, "validator_simd")


def _illegal(sub, pos):
    _mal("illegal opcode fd %d" % sub, pos)


def _memarg(v, natural, pos):
    """-> (offset, memory index, address type)."""
    if getattr(config, "WASM_3", False):
        # 3.0: memory indices and i64 addresses (validator3)
        from .validator3 import _memarg as m3
        return m3(v, natural)
    r = v.r
    p = r.pos
    align = r.u32()
    off = r.u32()
    if not v.m.mems:
        _inv("unknown memory 0", p)
    if align > natural:
        _inv("alignment must not be larger than natural", p)
    return off, 0, S.I32


def validate(op, pos, v):
    """One SIMD instruction at `pos` (0xFD already read)."""
    r = v.r
    sub = r.u32()
    form, detail = S.form(sub)
    if form == S.BAD:
        _illegal(sub, pos)
    pops, push = S.types(sub)
    imm = None
    if form == S.LOAD or form == S.STORE or form == S.LOAD_LANE or form == S.STORE_LANE:
        natural = 4 if form == S.STORE else detail
        off, x, at = _memarg(v, natural, pos)
        lane = 0
        if form == S.LOAD_LANE or form == S.STORE_LANE:
            lane = r.u8()
            if lane >= 16 >> detail:
                _inv("invalid lane index", pos)
        imm = (off, lane, x)
        if at != S.I32:
            pops = (at,) + pops[1:]
    elif form == S.CONST:
        imm = bytes(r.bytes(16))
    elif form == S.SHUFFLE:
        imm = bytes(r.bytes(16))
        for k in imm:
            if k >= 32:
                _inv("invalid lane index", pos)
    elif form == S.EXTRACT or form == S.REPLACE:
        imm = r.u8()
        if imm >= S.LANES[detail]:
            _inv("invalid lane index", pos)
    v.pops(pops)
    if push is not None:
        v.vals.append(push)
    v.feats |= F_SIMD
    if v.live():
        v.em.op(S.OP + sub, imm, pops, push)


def skip(r, pos):
    """Reads a SIMD instruction's sub-opcode and immediates without
    validating them (validator.check_encoding, skip_instr)."""
    sub = r.u32()
    form, detail = S.form(sub)
    if form == S.BAD:
        _illegal(sub, pos)
    if form == S.LOAD or form == S.STORE or form == S.LOAD_LANE or form == S.STORE_LANE:
        align = r.u32()
        if align & 0x40 and getattr(config, "WASM_MULTI_MEMORY", False):
            r.u32()
        r.u64() if getattr(config, "WASM_MEMORY64", False) else r.u32()
        if form == S.LOAD_LANE or form == S.STORE_LANE:
            r.u8()
    elif form == S.CONST or form == S.SHUFFLE:
        r.bytes(16)
    elif form == S.EXTRACT or form == S.REPLACE:
        r.u8()
