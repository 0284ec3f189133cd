"""Built-in tasks: functions, constants, operators and secrets (``prefect.tasks``)."""

__all__: list[str] = []
