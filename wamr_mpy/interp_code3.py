# The portable interpreter's emitter for functions that use WebAssembly 3.0
# features (validator.F_* in Module.feats; interp_code.emitter_for picks
# it): tail calls, call_ref, br_on_*, exceptions (try_table, throw),
# loads and stores of other or i64-addressed memories, and the GC
# instructions whose operands go in consecutive slots.  Kept apart so that
# 2.0 code never loads it.

from . import interp as I
from .interp_code import Emitter, HBASE, _Frame, _LOAD, _STORE, _ext, _fn, _key


class Emitter3(Emitter):
    handlers = None       # try_table handler tables (interp_exc.py)

    def begin(self, module, fidx, ftype, local_types):
        self.module = module
        Emitter.begin(self, module, fidx, ftype, local_types)

    def op(self, op, imm, pops, push):
        code = self.code
        if isinstance(imm, tuple) and (op in _LOAD or op in _STORE):
            # another memory than memory 0, or an i64-addressed one
            off = imm[0] if imm[0] <= 0xFFFFFFFF else 0xFFFFFFFF
            if imm[1] == 0:
                # memory64's memory 0: the usual ops on a checked address
                if op in _LOAD:
                    a = self.pop()
                    d = self.push()
                    code.add(I.ADDR64, d, a)
                    lo = _LOAD[op]
                    if isinstance(lo, str):
                        self.emit(I.LDF, d, d, off, _fn(lo))
                    else:
                        self.emit(lo, d, d, off)
                    return
                v = self.pop()
                a = self.pop()
                t = self.push()
                self.pop()
                code.add(I.ADDR64, t, a)
                so = _STORE[op]
                if isinstance(so, str):
                    code.add(I.STF, t, v, off, _fn(so))
                else:
                    code.add(so, t, v, off)
                self.last = -1
                return
            if op in _LOAD:
                a = self.pop()
                d = self.push()
                code.add(I.EXT, d, _ext(I.MEMX + op), off, imm[1], a, 0, 0)
            else:
                v = self.pop()
                a = self.pop()
                code.add(I.EXT, 0, _ext(I.MEMX + op), off, imm[1], a, v, 0)
            self.last = -1
            return
        if op >= 0xFB00 and op in _based():
            # operands in consecutive slots (interp_gc.BASED): EXT d fn imm imm2 first
            n = len(pops)
            self.materialize(len(self.stk) - n)
            base = HBASE + len(self.stk) - n
            del self.stk[len(self.stk) - n:]
            imm2 = 0
            if isinstance(imm, tuple):
                imm, imm2 = imm
            d = self.push() if push is not None else 0
            code.add(I.EXT, d, _ext(op), imm or 0, imm2, base, 0, 0)
            self.last = -1
            return
        Emitter.op(self, op, imm, pops, push)

    def call_ref(self, typeidx, ftype):
        c = self.pop()
        n = len(ftype.params)
        self.materialize(len(self.stk) - n)
        base = HBASE + len(self.stk) - n
        del self.stk[len(self.stk) - n:]
        self.code.add(I.CALLR, c, base)
        for _ in ftype.results:
            self.push()
        self.last = -1

    def tail_call(self, op, imm, ftype):
        # TAIL kind x y z base: kind 0 function x; 1 table y at index slot
        # z, type key x; 2 the function reference in slot z
        z = 0
        if op != 0x12:
            z = self.pop()
        n = len(ftype.params)
        self.materialize(len(self.stk) - n)
        base = HBASE + len(self.stk) - n
        del self.stk[len(self.stk) - n:]
        if op == 0x12:
            self.code.add(I.TAIL, 0, imm, 0, 0, base)
        elif op == 0x13:
            self.code.add(I.TAIL, 1, _key(ftype.key), imm[1], z, base)
        else:
            self.code.add(I.TAIL, 2, 0, 0, z, base)
        self.dead = True
        self.last = -1

    def br_on(self, op, depth, imm):
        if op == 0xD5:
            # br_on_null: branch without the reference when it is null
            r = self.stk[-1]
            t = self.push()
            self.code.add(I.EXT, t, _ext(0xD1), 0, 0, r, 0, 0)
            self.last = -1
            del self.stk[-2]
            self.br_if(depth)
            self.push_slot(r)
            return
        # br_on_non_null, br_on_cast(_fail): branch with the reference
        r = self.stk[-1]
        t = self.push()
        if op == 0xD6:
            self.code.add(I.EXT, t, _ext(I.MEMX + 0xD1), 0, 0, r, 0, 0)
        else:
            self.code.add(I.EXT, t, _ext(0xFB14 if op == 0xFB18 else 0x1FB14), imm[1], 0,
                          r, 0, 0)
        self.last = -1
        self.br_if(depth)
        if op == 0xD6:
            self.pop()

    def throw(self, op, imm):
        if op == 0x08:
            n = len(self.module.types[self.module.tags[imm]].params)
            self.materialize(len(self.stk) - n)
            base = HBASE + len(self.stk) - n
            self.code.add(I.EXT, 0, _ext(0x08), imm, n, base, 0, 0)
        else:
            self.code.add(I.EXT, 0, _ext(0x0A), 0, 0, self.pop(), 0, 0)
        self.dead = True
        self.last = -1

    def try_table(self, params, results, catches):
        code = self.code
        self.materialize()
        code.add(I.BR, 0)
        skip = len(code) - 1
        hs = []
        for kind, tag, depth in catches:
            f = self.frames[-1 - depth]
            stub = len(code)
            code.add(I.BR, 0)
            self._target(f, stub + 1)
            hs.append((kind, tag, stub, HBASE + f.height, f.nlabel))
        code[skip] = len(code)
        self.last = -1
        np = len(params)
        f = _Frame(0x02, len(self.stk) - np, np, len(results), len(results))
        f.handler = [len(code), 0, hs]
        if self.handlers is None:
            self.handlers = []
        self.handlers.append(f.handler)
        self.frames.append(f)

    def end(self):
        h = getattr(self.frames[-1], "handler", None)
        if h is not None:
            h[1] = len(self.code)
        Emitter.end(self)

    def finish(self):
        c = Emitter.finish(self)
        if self.handlers is not None:
            d = self.nloc + len(self.consts) - HBASE
            c.handlers = [(h[0], h[1], [(k, t, p, dst + d, n) for k, t, p, dst, n in h[2]])
                          for h in self.handlers]
        return c


def _based():
    from .interp_gc import BASED
    return BASED
