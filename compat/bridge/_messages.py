"""What every \"the bridge is missing here\" error tells the user to do."""

#: How to give a process the bridge.
FIX = (
    "start dask workers with `--preload compat.bridge`, set PREFECT_RESULT_COMPAT_BRIDGE=1 in "
    "their environment with prefect-result-compat installed from its wheel, or call "
    "compat.bridge.install() in the process"
)
