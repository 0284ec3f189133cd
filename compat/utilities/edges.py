"""``unmapped``: pass an argument whole to every mapped child (``task.map(x, unmapped(y))``)."""

from compat.core.edge import unmapped

__all__ = ["unmapped"]
