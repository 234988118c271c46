# ESP32 family drivers for the app framework: the chip's internal
# temperature sensor as sensor "temperature" (instance 0).
# Readings: {"temperature": degrees Celsius (float)}.
# esp32.mcu_temperature() (S2, S3, C3, C6: Celsius) is preferred; the
# original ESP32 only has esp32.raw_temperature() (Fahrenheit, uncalibrated).

from wamr_mpy.app import attr
from wamr_mpy.app.sensors import Sensor


def _make_read():
    import esp32
    if hasattr(esp32, "mcu_temperature"):
        def read(sensor):
            return [("temperature", attr.FLOAT, esp32.mcu_temperature())]
    elif hasattr(esp32, "raw_temperature"):
        def read(sensor):
            f = esp32.raw_temperature()
            return [("temperature", attr.FLOAT, (f - 32) * 5 / 9)]
    else:
        raise OSError("esp32 module has no temperature function")
    return read


def setup(mgr):
    try:
        read = _make_read()
    except Exception as e:
        mgr.log("esp32: no temperature sensor: %s" % e)
        return
    mgr.sensors.add(Sensor("temperature", 0, read, None, 1000,
                           "ESP32 internal temperature"))
