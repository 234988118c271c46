# ports/qemu's own frozen modules (none): tools/build's manifest for a QEMU
# board includes this file, as it includes a real port's manifest.
