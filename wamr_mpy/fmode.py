# The float mode in use: every name of the float-module interface
# (docs/internals.md) plus the integer helpers, as module attributes.
#
#     from . import fmode          # then fmode.f32_add(a, b), fmode.i32_div_s(a, b)
#     from .fmode import f64_add   # or bind the names you need once
#
# Mode: config.SOFT_FLOAT read once, at the first import of this module
# (0: hardfloat.py, the port's float is a C double; 1: softfloat.py, bit
# patterns and integer arithmetic).  Importing this module is what brings a
# float implementation into RAM, so integer-only code paths avoid it.  To force soft mode on the unix port,
# set `wamr_mpy.config.SOFT_FLOAT = 1` before anything imports fmode.
#
# Re-export: `from X import *` at module level copies X's public globals into
# this module; it works the same on MicroPython and CPython, costs one dict
# entry per name and no wrapper call.  numeric.py (the integer helpers) is
# re-exported too, so fmode offers the whole numeric interface.
from . import config as _config
from .numeric import *  # noqa: F401,F403

SOFT_FLOAT = 1 if _config.SOFT_FLOAT else 0

if SOFT_FLOAT:
    from .softfloat import *  # noqa: F401,F403
else:
    from .hardfloat import *  # noqa: F401,F403
