# Micro-service registry (resource URL -> owner) and pub/sub event table.
#
# Owners and subscribers are ids: an app's id (1, 2, ...), protocol.ID_HOST
# or protocol.ID_APP_MGR.  Resource lookup follows WAMR's check_url_start
# rule ("/a" serves "/a", "/a/x", "/a?q" but not "/ab"); when several
# registered URLs match, the longest one wins (WAMR took the most recently
# registered, which made the outcome depend on install order).  Event URLs
# match exactly, ignoring one leading '/' so "alert/x" and "/alert/x" are
# the same event (WAMR compared the raw strings, so a host subscription made
# through "/event/..." could never see the manager's "/applets" event).

from .protocol import check_url_start


class RegistryFull(Exception):
    pass


def event_key(url):
    return url[1:] if url.startswith("/") else url


class Resources:
    def __init__(self, max_per_owner=16, max_url_len=256):
        self.max_per_owner = max_per_owner
        self.max_url_len = max_url_len
        self._res = []          # [url, owner, handler]

    def register(self, url, owner, handler=None):
        """False when the URL is taken by another owner, too long or the
        owner has too many registrations.  Re-registering one's own URL is
        fine (WAMR's app library re-registers on a second
        api_register_resource_handler)."""
        if not url or len(url) > self.max_url_len:
            return False
        count = 0
        for r in self._res:
            if r[0] == url:
                if r[1] == owner:
                    r[2] = handler
                    return True
                return False
            if r[1] == owner:
                count += 1
        if count >= self.max_per_owner:
            return False
        self._res.append([url, owner, handler])
        return True

    def lookup(self, url):
        """(registered url, owner, handler) of the best match, or None."""
        best = None
        blen = -1
        for r in self._res:
            if check_url_start(url, r[0]) > 0:
                n = len(r[0].strip("/"))
                if n > blen:
                    best = r
                    blen = n
        return None if best is None else (best[0], best[1], best[2])

    def unregister_owner(self, owner):
        self._res = [r for r in self._res if r[1] != owner]

    def owned_by(self, owner):
        return [r[0] for r in self._res if r[1] == owner]

    def __len__(self):
        return len(self._res)


class Events:
    def __init__(self, max_per_subscriber=16, max_url_len=256):
        self.max_per_subscriber = max_per_subscriber
        self.max_url_len = max_url_len
        self._ev = {}           # key -> [subscriber ids, in order]

    def subscribe(self, url, sub):
        key = event_key(url)
        if not key or len(key) > self.max_url_len:
            return False
        subs = self._ev.get(key)
        if subs is not None and sub in subs:
            return True
        n = 0
        for s in self._ev.values():
            if sub in s:
                n += 1
        if n >= self.max_per_subscriber:
            return False
        if subs is None:
            subs = self._ev[key] = []
        subs.append(sub)
        return True

    def unsubscribe(self, url, sub):
        """url None: every subscription of `sub`."""
        keys = list(self._ev) if url is None else [event_key(url)]
        for k in keys:
            subs = self._ev.get(k)
            if subs and sub in subs:
                subs.remove(sub)
                if not subs:
                    del self._ev[k]
        return True

    def subscribers(self, url):
        return list(self._ev.get(event_key(url), ()))

    def is_registered(self, url):
        return event_key(url) in self._ev

    def subscriptions_of(self, sub):
        return [k for k, s in self._ev.items() if sub in s]
