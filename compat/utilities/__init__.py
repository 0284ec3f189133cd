"""Utilities: configuration, context and helpers shared by the models and the runtime."""

__all__: list[str] = []
