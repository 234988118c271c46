# RP2040 / RP2350 drivers for the app framework: the chip's internal
# temperature sensor (ADC input 4) as sensor "temperature" (instance 0).
# Readings: {"temperature": degrees Celsius (float), "raw": ADC value}.

from wamr_mpy.app import attr
from wamr_mpy.app.sensors import Sensor

# RP2040 datasheet 4.9.5: T = 27 - (V - 0.706) / 0.001721, V = 3.3 V * raw
_VREF = 3.3
_V27 = 0.706
_SLOPE = 0.001721


def _make_read():
    import machine
    adc = machine.ADC(4)

    def read(sensor):
        raw = adc.read_u16()
        volts = raw * _VREF / 65535
        t = 27 - (volts - _V27) / _SLOPE
        return [("temperature", attr.FLOAT, t), ("raw", attr.INT, raw)]
    return read


def setup(mgr):
    try:
        read = _make_read()
    except Exception as e:      # not an rp2 (or no ADC 4)
        mgr.log("rp2: no temperature sensor: %s" % e)
        return
    mgr.sensors.add(Sensor("temperature", 0, read, None, 1000,
                           "RP2 internal temperature (ADC 4)"))
