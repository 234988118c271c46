# A device's presence message (MQTT transport): JSON, published retained
# on <prefix>/<id>/presence at connect, after every install/uninstall and
# every APP_MQTT_PRESENCE_S seconds; the broker publishes the last-will form
# (online false) when the device drops off.  Host tools list a fleet from
# these (tools/fleet list) and pick the devices of a group.

import gc
import json

from .. import config


def runtime_version():
    try:
        from .. import __version__
        return "wamr-mpy " + __version__
    except ImportError:
        return "wamr-mpy"


def offline(device_id, groups):
    # the last will: groups too, so a group operation lists the device
    return json.dumps({"id": device_id, "online": False, "groups": groups})


def online(mgr, device_id, groups):
    store = mgr.store
    apps = []
    for a in mgr.apps:
        item = {"name": a.name, "heap": a.heap}
        if store is not None:
            e = store.get(a.name)
            if e is not None:
                item["sum"] = e.sum
            prev = getattr(store, "prevs", {}).get(a.name)
            if prev is not None:
                item["prev"] = prev.sum
        apps.append(item)
    gc.collect()
    return json.dumps({
        "id": device_id, "online": True,
        "board": getattr(config, "BOARD", ""),
        "port": getattr(config, "PORT", ""),
        "runtime": runtime_version(),
        "heap_free": gc.mem_free(),
        "groups": groups,
        "apps": apps})
