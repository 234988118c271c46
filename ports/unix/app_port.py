# Unix port drivers for the app framework: simulated sensors whose readings
# the host (or a test) controls.
#
#   sensor_test/0   WAMR's reference test sensor: {"name": "read test
#                   sensor", "seq": n}, default interval 1 s
#   temperature/0   {"temperature": 25.0, "seq": n}, default interval 1 s
#
# PUT /sim/sensor?name=NAME[&instance=N] with an attr-container payload
# (e.g. `host_tool -r "/sim/sensor?name=temperature" -A PUT -p v.json`)
# merges the payload's keys into the sensor's next readings; with
# &readings=N the sensor gives N more readings and then none until the next
# PUT (so a test gets an exact number of events however slow the machine
# is).  GET returns the current values and the last configuration the apps
# sent.

from wamr_mpy.app import attr, protocol as P
from wamr_mpy.app.sensors import Sensor


class SimSensor:
    def __init__(self, values):
        self.values = dict(values)
        self.config = {}
        self.seq = 0
        self.left = None        # readings still to give (None: no limit)

    def read(self, sensor):
        if self.left is not None:
            if self.left <= 0:
                return None
            self.left -= 1
        self.seq += 1
        items = list(self.values.items())
        items.append(("seq", attr.INT, self.seq))
        return items

    def configure(self, sensor, cfg):
        self.config.update(cfg)
        return True


def setup(mgr):
    sims = {}

    def add(name, tag, values, description):
        sim = SimSensor(values)
        s = Sensor(name, 0, sim.read, sim.configure, 1000, description, tag)
        mgr.sensors.add(s)
        sims[(name, 0)] = sim

    add("sensor_test", "read test sensor data", {"name": "read test sensor"},
        "This is a sensor for test")
    add("temperature", "temperature", {"temperature": 25.0},
        "Simulated temperature in degrees Celsius")

    def sim_resource(req):
        q = P.query_of(req.url, "/sim/sensor")
        name = P.find_key_value(q, "name")
        try:
            inst = int(P.find_key_value(q, "instance") or "0")
        except ValueError:
            inst = -1
        sim = sims.get((name, inst))
        if sim is None:
            mgr.respond(req, P.NOT_FOUND, msg="no simulated sensor %r" % name)
            return
        if req.action in (P.PUT, P.POST):
            left = P.find_key_value(q, "readings")
            if left is not None:
                try:
                    sim.left = int(left)
                except ValueError:
                    mgr.respond(req, P.BAD_REQUEST,
                                msg="readings=%s is not a number" % left)
                    return
            if req.payload:
                try:
                    sim.values.update(attr.to_dict(req.payload))
                except ValueError as e:
                    mgr.respond(req, P.BAD_REQUEST, msg=str(e))
                    return
            mgr.respond(req, P.CHANGED)
        elif req.action == P.GET:
            items = list(sim.values.items())
            for k, v in sim.config.items():
                items.append(("config." + k, v))
            mgr.respond(req, P.CONTENT, attr.encode(name, items), P.FMT_ATTR)
        else:
            mgr.respond(req, P.METHOD_NOT_ALLOWED, msg="GET or PUT")

    mgr.register_resource("/sim/sensor", sim_resource)
    return sims
