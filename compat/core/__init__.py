"""The flow-building API: ``Task``, ``Flow``, ``Parameter`` and edges."""

__all__: list[str] = []
