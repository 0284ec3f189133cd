"""Client-side helpers (secrets), named as in ``prefect.client``."""

from compat.client.secrets import Secret

__all__ = ["Secret"]
