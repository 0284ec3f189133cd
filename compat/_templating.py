"""Location templates: ``str.format`` rules, minus the ways a template can do harm.

A template such as ``"{flow_name}/{task_name}-{map_index}.pkl"`` is formatted with the
run's parameters, context and task inputs. Two guards apply on top of the usual rules:

* a field may not reach a ``_``-prefixed attribute or key (``{obj._secret}``,
  ``{obj.__class__}``), so templates cannot read private state;
* an interpolated value may not contain a ``..`` path segment or be an absolute path, so a
  value coming from data cannot move the location outside the result's directory.
"""

from __future__ import annotations

import re
import string
from _string import formatter_field_name_split  # the parser str.format itself uses
from collections.abc import Mapping
from typing import Any

from compat.exceptions import TemplateFieldError, UnsafeLocationError

__all__ = ["check_relative_value", "format_location"]

_FORMATTER = string.Formatter()
_DRIVE = re.compile(r"^[A-Za-z]:[\\/]")
_MAX_LISTED_KEYS = 25


def _available(kwargs: Mapping[str, Any]) -> str:
    names = sorted(k for k in kwargs if not k.startswith("_"))
    shown = ", ".join(names[:_MAX_LISTED_KEYS])
    return shown + (", ..." if len(names) > _MAX_LISTED_KEYS else "")


def _resolve(field_name: str, template: str, kwargs: Mapping[str, Any]) -> Any:
    first, rest = formatter_field_name_split(field_name)
    if isinstance(first, int) or first == "":
        msg = (
            f"location template {template!r} uses a positional field {{{field_name}}}; "
            "name the field instead, e.g. {task_name}"
        )
        raise TemplateFieldError(msg)
    if first.startswith("_"):
        msg = f"location template {template!r} may not use the private field {first!r}"
        raise TemplateFieldError(msg)
    try:
        obj = kwargs[first]
    except KeyError:
        msg = (
            f"location template {template!r} needs the field {first!r}, which is not "
            f"available here; available fields: {_available(kwargs)}"
        )
        raise TemplateFieldError(msg) from None
    for is_attribute, key in rest:
        if isinstance(key, str) and key.startswith("_"):
            msg = (
                f"location template {template!r} may not reach the private "
                f"{'attribute' if is_attribute else 'key'} {key!r} in {{{field_name}}}"
            )
            raise TemplateFieldError(msg)
        try:
            obj = getattr(obj, key) if is_attribute else obj[key]
        except (AttributeError, KeyError, IndexError, TypeError) as exc:
            msg = f"location template {template!r}: cannot resolve {{{field_name}}} ({exc})"
            raise TemplateFieldError(msg) from exc
    return obj


def check_relative_value(text: str, *, what: str) -> None:
    """Refuse ``text`` if it is an absolute path or contains a ``..`` segment."""
    if text.startswith(("/", "\\")) or _DRIVE.match(text):
        msg = f"{what} is an absolute path ({text!r}); it would leave the result's directory"
        raise UnsafeLocationError(msg)
    if ".." in re.split(r"[\\/]", text):
        msg = f"{what} contains '..' ({text!r}); it would leave the result's directory"
        raise UnsafeLocationError(msg)


def _render(template: str, kwargs: Mapping[str, Any], *, check_values: bool) -> str:
    pieces: list[str] = []
    for literal, field_name, spec, conversion in _FORMATTER.parse(template):
        pieces.append(literal)
        if field_name is None:
            continue
        value = _resolve(field_name, template, kwargs)
        if conversion:
            value = _FORMATTER.convert_field(value, conversion)
        spec_text = _render(spec, kwargs, check_values=False) if spec else ""
        text = format(value, spec_text)
        if check_values:
            check_relative_value(text, what=f"the value of {{{field_name}}} in {template!r}")
        pieces.append(text)
    return "".join(pieces)


def _is_absolute(text: str) -> bool:
    return text.startswith(("/", "\\")) or bool(_DRIVE.match(text))


def _parent_segments(text: str) -> int:
    return re.split(r"[\\/]", text).count("..")


def format_location(template: str, kwargs: Mapping[str, Any]) -> str:
    """Format a location template safely (see the module docstring for the rules)."""
    rendered = _render(template, kwargs, check_values=True)
    # Values can also escape together, with each other or with the literal text around them
    # (".{x}" with x="."): compare with the template's own literal skeleton.
    skeleton = "".join(
        literal + ("x" if field_name is not None else "")
        for literal, field_name, _, _ in _FORMATTER.parse(template)
    )
    if _parent_segments(rendered) > _parent_segments(skeleton) or (
        _is_absolute(rendered) and not _is_absolute(skeleton)
    ):
        msg = (
            f"location template {template!r} renders to {rendered!r}, which would leave the "
            "result's directory"
        )
        raise UnsafeLocationError(msg)
    return rendered
