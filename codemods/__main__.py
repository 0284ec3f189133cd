"""``python -m codemods``: the same command as ``prefect-result-upgrade``."""

from __future__ import annotations

from codemods.cli import main

__all__: list[str] = []

if __name__ == "__main__":
    raise SystemExit(main())
