"""Core tasks: ``FunctionTask``, ``Constant``, ``GetItem``."""

__all__: list[str] = []
