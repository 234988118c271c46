"""The host's side of the `exceptions` sample: runs the app's `main` (its
exceptions are thrown and caught in wasm), then calls `fail`, whose exception
no try_table catches: it reaches Python as wamr_mpy.WasmException, with the
tag (compared with the tag the app exports as "error") and its values.

    micropython samples/exceptions/embed.py [app.wasm]
"""
import sys

try:
    import wamr_mpy
except ImportError:
    # run from anywhere: the repo root is two levels above this file
    _here = __file__.rsplit("/", 1)[0] if "/" in __file__ else "."
    sys.path.append(_here + "/../..")
    import wamr_mpy


def main(argv):
    if len(argv) > 1:
        path = argv[1]
    else:
        path = (__file__.rsplit("/", 1)[0] if "/" in __file__ else ".") + "/app.wasm"
    with open(path, "rb") as f:
        inst = wamr_mpy.load(f.read()).instantiate()
    print("main returned %d" % inst.call("main"))
    try:
        inst.call("fail", -5)
        print("fail(-5) returned")
    except wamr_mpy.WasmException as e:
        mine = e.tag is inst.exports["error"]
        print("host caught WasmException: tag %s, values %s"
              % ("'error'" if mine else repr(e.tag), list(e.values)))
    print("fail(4) = %d" % inst.call("fail", 4))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
