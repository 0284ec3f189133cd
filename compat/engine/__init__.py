"""The engine: results, handlers, serializers, states, signals and runners.

Submodules are imported on use (``compat.engine.results``), never here.
"""

__all__: list[str] = []
