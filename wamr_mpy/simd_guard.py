# Which functions a tier that does not compile v128 leaves to the portable
# interpreter: `guard(emitter, exc)` wraps the tier's emitter so
# that the first validator event involving v128 (a SIMD instruction, a v128
# local, operand, result, block or call type) raises `exc`, the tier's "run
# this function on the interpreter" signal (interp_fast_ext.Unsupported,
# compiler.CompileError).  Only modules that use v128 (Module.v128, set by
# the validator) are guarded.

from .func import V128


def _has(ts):
    for t in ts:
        if t == V128:
            return True
    return False


class _Guard:
    def __init__(self, em, exc, body):
        self.em = em
        self.exc = exc
        self.body = body

    def _no(self):
        raise self.exc("v128: this tier leaves the function to the interpreter")

    def begin(self, module, fidx, ftype, local_types):
        if _has(ftype.results) or _has(ftype.params if self.body else local_types):
            self._no()
        self.em.begin(module, fidx, ftype, local_types)

    def op(self, op, imm, pops, push):
        if self.body:
            if not (op >= 0xFD000 or 0x1A == op or 0x20 <= op <= 0x22) and (
                    push == V128 or _has(pops)):
                self._no()
        elif op >= 0xFD000 or push == V128 or _has(pops):
            self._no()
        self.em.op(op, imm, pops, push)

    def block(self, op, params, results):
        if _has(params) or _has(results):
            self._no()
        self.em.block(op, params, results)

    def call(self, fidx, ftype):
        if _has(ftype.params) or _has(ftype.results):
            self._no()
        self.em.call(fidx, ftype)

    def call_indirect(self, typeidx, tableidx, ftype):
        if _has(ftype.params) or _has(ftype.results):
            self._no()
        self.em.call_indirect(typeidx, tableidx, ftype)

    def __getattr__(self, name):
        return getattr(self.em, name)


def guard(em, exc, body=False):
    """em wrapped so that v128 raises exc (body: outside function bodies)."""
    return _Guard(em, exc, body)
