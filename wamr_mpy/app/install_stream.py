# An install received as it arrives (the framer's stream sink for PUT
# /applet frames): the package goes straight into the store's
# NAME.wasm.tmp, chunk by chunk, so no copy of it is held in RAM and the
# largest app a board takes is set by its flash.  Without a store (RAM-only
# apps) it is received into one buffer of its size.  The answer goes out as
# soon as the outcome is known: a refusal (name taken, too big, no room on
# the filesystem) before the package is received, a failed write when it
# happens, the install's result when the last byte is in.

from .. import config
from .runner import InstallError

if config.APP_STORE:
    from .store import StoreError
else:
    StoreError = OSError


class InstallStream:
    def __init__(self, mgr, req, size):
        self.mgr = mgr
        self.req = req
        self.size = size
        self.head = bytearray()     # the package's first bytes: its type
        self.w = None               # store Writer
        self.buf = None             # or the RAM buffer
        self.pos = 0
        self.done = False
        self.name = None
        why = mgr.type_error(req.url)
        if why is not None:
            self._fail(why, "")
            return
        try:
            self.name = mgr.check_install(req.url, size)
        except InstallError as e:
            self._fail(e.message)
            return
        try:
            if mgr.store is not None:
                self.w = mgr.store.writer(self.name, size)
            else:
                self.buf = bytearray(size)
        except MemoryError:
            self._fail("out of memory for a %d-byte app" % size)
            return
        except (StoreError, OSError) as e:
            self._fail("saving the app failed: %s" % (e,))
            return
        mgr.receiving.append(self.name)

    def _fail(self, message, lead="Install WASM app failed: "):
        self._release()
        if self.w is not None:
            self.w.discard()
            self.w = None
        self.buf = None
        if not self.done:
            self.done = True
            self.mgr.install_failed(self.req, message, lead)

    def _release(self):
        if self.name in self.mgr.receiving:
            self.mgr.receiving.remove(self.name)

    def write(self, mv):
        if len(self.head) < 4:
            self.head += mv[:4 - len(self.head)]
        if self.done:
            return              # refused: the rest is read and dropped
        n = len(mv)
        if self.w is not None:
            try:
                self.w.write(mv)
            except Exception as e:
                self.w = None       # it removed its file
                self._fail("saving the app failed: %s" % (e,))
                return
        else:
            self.buf[self.pos:self.pos + n] = mv
        self.pos += n

    def end(self):
        """The last byte is in: install."""
        if self.done:
            return
        self.done = True
        self._release()
        mgr = self.mgr
        try:
            mgr.check_package(self.head)
            if self.w is None:
                app = mgr._install(self.req.url, self.buf)
                self.buf = None
            else:
                app = self._install_from_store()
        except InstallError as e:
            self.done = False
            self._fail(e.message)
            return
        mgr.installed(self.req, app)

    def _install_from_store(self):
        mgr = self.mgr
        w = self.w
        try:
            size, csum = w.finish()
        except Exception as e:
            raise InstallError("saving the app failed: %s" % (e,))
        try:
            app = mgr._install(self.req.url, w.dst, persist=False,
                               size=size)
        except BaseException:
            w.discard()
            self.w = None
            raise
        try:
            mgr.store.commit(self.name, size, csum, app.heap,
                             app.timers_max, app.wd)
        except Exception as e:
            mgr.remove_failed(app)
            self.w = None       # commit removed the file
            raise InstallError("saving the app failed: %s" % (e,))
        self.w = None
        return app

    def abort(self):
        """The frame will not complete (the link closed or went quiet)."""
        if not self.done:
            self.done = True
            self._release()
            self.mgr.log("install of %s abandoned after %d of %d bytes" % (
                self.name, self.pos, self.size))
        if self.w is not None:
            self.w.discard()
            self.w = None
        self.buf = None
