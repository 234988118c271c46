# The "fast" tier: a @micropython.viper dispatch loop over pre-decoded
# 32-bit code (wamr_mpy/interp_fast_*.py, docs/fast-interp.md).  On a port
# without the native emitter (viper unavailable) or when the board's
# configuration leaves the tier out, AVAILABLE is False and run() is the
# portable interpreter, so selecting "fast" is always safe.

from . import config

AVAILABLE = False
_loop = None
_rt = None

if getattr(config, "TIER_FAST", True):
    try:
        from . import interp_fast_loop as _fl
        from . import interp_fast_run as _rt
        _loop = _fl.loop
        AVAILABLE = True
    except (ImportError, SyntaxError, ValueError, NotImplementedError):
        # no native emitter in this firmware, or a .mpy built for another arch
        _rt = None


def run(inst, f, vals):
    """Runs wasm function f of instance inst with internal values; returns
    the internal result list (the tier interface of instance.py)."""
    if not AVAILABLE:
        from .instance import run_interp
        return run_interp(inst, f, vals)
    return _rt.run(inst, f, vals, _loop)
