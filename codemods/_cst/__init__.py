"""The machinery the rules share: traversal, per-statement code and positions, metadata,
import edits, name resolution and the rule base class.

``codemods.rules`` holds the five rules and nothing else; the engine (``codemods._engine``)
drives them through what is here.
"""

__all__: list[str] = []
