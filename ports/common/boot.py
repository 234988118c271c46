# boot.py (wamr-mpy; tools/build puts it at the root of the board's
# filesystem): runs first after every reset, before main.py.  Keep it small:
# an error here stops the board before main.py.
import micropython

# Room to report an exception raised where the heap is locked (IRQ handlers).
micropython.alloc_emergency_exception_buf(128)
