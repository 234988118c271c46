# Stand-ins for the parts of the app framework a board leaves out
# (APP_MESSAGING, APP_TIMERS, APP_SENSORS, APP_CONNECTIONS off in its
# configuration).  They have the methods the manager and the port drivers
# call on the real registries and refuse everything the way the real ones
# refuse when a limit is hit (False, None, INVALID), so the manager runs
# unchanged.  The app-facing natives report the refusal (natives.py); these
# stay quiet except for what a port registers at start.  Each is defined
# only when its part is off, so a board's build carries only the stand-ins
# it uses.
from .. import config

INVALID = 0xFFFFFFFF


if not config.APP_MESSAGING:
    class NoResources:
        """messaging.Resources without messaging: nothing is registered, every
        lookup misses."""

        def register(self, url, owner, handler=None):
            return False

        def lookup(self, url):
            return None

        def unregister_owner(self, owner):
            pass

        def owned_by(self, owner):
            return []

        def __len__(self):
            return 0


if not config.APP_MESSAGING:
    class NoEvents:
        """messaging.Events without messaging: nobody is subscribed."""

        def subscribe(self, url, sub):
            return False

        def unsubscribe(self, url, sub):
            return True

        def subscribers(self, url):
            return []

        def is_registered(self, url):
            return False

        def subscriptions_of(self, sub):
            return []


if not config.APP_TIMERS:
    class NoTimers:
        """timers.TimerSet without timers: an app gets no timer."""

        limit = 0

        def create(self, interval, periodic, auto_start):
            return INVALID

        def get(self, tid):
            return None

        def active(self, tid):
            return False

        def cancel(self, tid):
            return False

        def restart(self, tid, interval):
            return False

        def destroy(self, tid):
            return False

        def close(self):
            pass

        def __len__(self):
            return 0


if not config.APP_CONNECTIONS:
    class NoConnections:
        """connections.Connections without connections: nothing opens."""

        def open(self, owner, kind, args):
            return INVALID

        def close(self, owner, handle):
            return False

        def send(self, owner, handle, data):
            return -1

        def config(self, owner, handle, args):
            return False

        def close_all(self, owner):
            pass

        def stop(self):
            pass

        def owned_by(self, owner):
            return []


if not config.APP_SENSORS:
    class NoSensors:
        """sensors.Sensors without the sensor framework: a port's sensors are
        not registered (one log line each), apps open none."""

        def __init__(self, log):
            self.log = log

        def add(self, sensor):
            self.log("sensors are off in this build (APP_SENSORS): %s/%d not "
                     "registered" % (sensor.name, sensor.instance))
            return sensor

        def all(self):
            return []

        def find(self, name, instance=0):
            return None

        def by_id(self, sid):
            return None

        def open(self, owner, name, instance):
            return INVALID

        def config(self, owner, sid, interval, bit_cfg, delay):
            return False

        def config_attr(self, owner, sid, payload):
            return False

        def close(self, owner, sid):
            return False

        def close_all(self, owner):
            pass

        def stop(self):
            pass
