"""Board side of the spec runner on a device (tests/spec/board_driver.py is
the host side): run_spec's SpecFile, fed one command at a time by the host,
which keeps the JSON file and sends each module's binary as a file of its
own.  Needs no clock and never holds a whole spec file.

    import board_side
    board_side.begin(name, source)     # a new file: fresh state
    board_side.step({...command...})   # prints run_spec's stream lines
    board_side.end()
"""
import run_spec

run_spec.TIER = None          # the tier is wamr_mpy.config.DEFAULT_TIER here


class BoardSpecFile(run_spec.SpecFile):
    def _load(self, filename):
        # the host sends a module compiled for tier aot as its .mpy, so a
        # load never compiles here; the .mpy loads from its file (the host's,
        # read as it goes), not from bytes read into the heap first
        if filename.endswith(".mpy"):
            return self.w.load(self.dir + "/" + filename)
        return self.w.load(self._read(filename))


_file = None


def begin(name, source, folder):
    global _file
    import wamr_mpy
    # the last file's instances go first: init() collects them and sets
    # config.MEMORY_LIMIT aside again, as a board's main program does
    _file = None
    wamr_mpy.init()
    _file = BoardSpecFile(folder + "/" + name + ".json", wamr_mpy, print)
    _file.result.source = source
    print("%s F %s %s" % (run_spec.STREAM_PREFIX, name, source))


def step(cmd):
    f = _file
    kind = cmd.get("type")
    line = cmd.get("line", 0)
    try:
        getattr(f, "cmd_" + kind)(cmd)
    except run_spec._Fail as e:
        f._record(line, kind, e.reason, e.msg_only)
        return
    except Exception as e:
        f._record(line, kind, "runner error: " + run_spec.describe_exc(e))
        return
    f._record(line, kind)


def end():
    global _file
    _file = None
    print("%s T 0" % run_spec.STREAM_PREFIX)
    print("%s END" % run_spec.STREAM_PREFIX)
