"""JSON payloads for results and states, in shapes compatible with Prefect's schemas."""

__all__: list[str] = []
