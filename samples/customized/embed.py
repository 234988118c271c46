"""The board vendor's side of the `customized` sample: an embedder that
extends wamr-mpy with its own natives and runs an app that calls them.

    micropython samples/customized/embed.py [customized.wasm]

Natives receive the calling instance first, then the converted arguments
(signature letters: i i32, I i64, f f32, F f64, * app buffer, ~ its length,
$ NUL-terminated app string).
"""
import sys

try:
    import wamr_mpy
except ImportError:
    # run from anywhere: the repo root is two levels above this file
    _here = __file__.rsplit("/", 1)[0] if "/" in __file__ else "."
    sys.path.append(_here + "/../..")
    import wamr_mpy
from wamr_mpy import native

_count = [0]


def customized(inst):
    """The vendor API from the seed: here, count how often it was called."""
    _count[0] += 1
    print("native customized() call #%d" % _count[0])
    return 40 + _count[0]


# Table form, like WAMR's NativeSymbol arrays.
native.register_natives("env", [("customized", customized, "()i")])


# Decorator form: registers vendor_log("($)i") in module "env".
@native.export("($)i")
def vendor_log(inst, msg):
    print("[vendor] app says: %s" % msg)
    return len(msg)


def main(argv):
    if len(argv) > 1:
        path = argv[1]
    else:
        path = (__file__.rsplit("/", 1)[0] if "/" in __file__ else ".") \
            + "/customized.wasm"
    with open(path, "rb") as f:
        module = wamr_mpy.load(f.read())
    inst = module.instantiate()
    ret = inst.call("main", 0, 0)
    print("main returned %d" % ret)
    inst.deinstantiate()
    module.unload()
    return ret


if __name__ == "__main__":
    sys.exit(main(sys.argv))
