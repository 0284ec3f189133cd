"""Rewrite Prefect 0.x ``result_handler`` code to ``Result`` code (placeholder until the codemods land)."""

__all__: list[str] = []
