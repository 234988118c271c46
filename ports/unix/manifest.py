# Base of the frozen-module manifest for wamr-mpy on the unix port: the
# port's own frozen modules.  build/BOARD/manifest.py (tools/build) includes
# this file, then freezes the board's selected wamr_mpy modules and port
# glue.  Add port-wide extras here (e.g. require("aioble")).
include("$(PORT_DIR)/variants/manifest.py")
