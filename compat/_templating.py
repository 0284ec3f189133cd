"""Templates for locations and run names: ``str.format`` rules, minus the ways they can do harm.

A template such as ``"{flow_name}/{task_name}-{map_index}.pkl"`` is formatted with the
run's parameters, context and task inputs. Every template that meets user data goes through
:func:`format_template`, which adds three guards to the usual rules:

* a field may not reach a ``_``-prefixed attribute or key (``{obj._secret}``,
  ``{obj.__class__}``), nor the run's secrets, wherever they hang (``{secrets[TOKEN]}``,
  ``{config.context.secrets}``), so templates cannot read private state or credentials;
* widths and precisions in format specs, including specs taken from data (``{x:>{w}}``),
  are capped at :data:`MAX_SPEC_NUMBER`, so a template cannot ask for gigabytes of padding;
* specs nest one level, as in ``str.format``.

:func:`format_location` adds the path rules: an interpolated value may not contain a ``..``
path segment, be an absolute path or carry a URL scheme (``s3://other-bucket``), so a value
coming from data can neither move the location outside the result's directory nor choose
another storage, bucket or scheme. Only the literal template text can do that.
"""

from __future__ import annotations

import decimal
import re
import string
from _string import formatter_field_name_split  # the parser str.format itself uses
from collections.abc import Mapping
from typing import Any

from compat.exceptions import TemplateFieldError, TemplateSpecError, UnsafeLocationError

__all__ = ["MAX_SPEC_NUMBER", "check_relative_value", "format_location", "format_template"]

#: The largest width or precision a format spec may ask for (a file name is at most 255 bytes).
MAX_SPEC_NUMBER = 1024
#: Names a template may not read at any depth (``{secrets[X]}``, ``{config.context.secrets}``).
_CREDENTIAL_NAMES = frozenset({"secrets"})
#: Keys below the top level whose names say they hold a credential (``config.cloud.auth_token``,
#: which ``PREFECT__CLOUD__AUTH_TOKEN`` fills). Top-level names are the run's own parameters
#: and inputs, which a template may use whatever they are called.
_CREDENTIAL_KEY = re.compile(
    r"secret|token|passw|credential|api_?key|access_?key|private_?key", re.IGNORECASE
)
_DIGITS = re.compile(r"\d+")
_SCHEME_SEPARATOR = "://"

_FORMATTER = string.Formatter()
_DRIVE = re.compile(r"^[A-Za-z]:[\\/]")
_MAX_LISTED_KEYS = 25


def _available(kwargs: Mapping[str, Any]) -> str:
    names = sorted(k for k in kwargs if not k.startswith("_") and k not in _CREDENTIAL_NAMES)
    shown = ", ".join(names[:_MAX_LISTED_KEYS])
    return shown + (", ..." if len(names) > _MAX_LISTED_KEYS else "")


def _resolve(field_name: str, template: str, kwargs: Mapping[str, Any], what: str) -> Any:
    first, rest = formatter_field_name_split(field_name)
    if isinstance(first, int) or first == "":
        msg = (
            f"{what} {template!r} uses a positional field {{{field_name}}}; "
            "name the field instead, e.g. {task_name}"
        )
        raise TemplateFieldError(msg)
    if first.startswith("_"):
        msg = f"{what} {template!r} may not use the private field {first!r}"
        raise TemplateFieldError(msg)
    if first in _CREDENTIAL_NAMES:
        msg = (
            f"{what} {template!r} may not read {first!r}: it holds credentials; pass the "
            "value you need as a parameter or a context key of its own"
        )
        raise TemplateFieldError(msg)
    try:
        obj = kwargs[first]
    except KeyError:
        msg = (
            f"{what} {template!r} needs the field {first!r}, which is not "
            f"available here; available fields: {_available(kwargs)}"
        )
        raise TemplateFieldError(msg) from None
    for is_attribute, key in rest:
        kind = "attribute" if is_attribute else "key"
        if isinstance(key, str) and key.startswith("_"):
            msg = (
                f"{what} {template!r} may not reach the private {kind} {key!r} in {{{field_name}}}"
            )
            raise TemplateFieldError(msg)
        if isinstance(key, str) and _is_credential_key(key):
            msg = (
                f"{what} {template!r} may not read the {kind} {key!r} in {{{field_name}}}: "
                "its name says it holds a credential"
            )
            raise TemplateFieldError(msg)
        try:
            obj = getattr(obj, key) if is_attribute else obj[key]
        except (AttributeError, KeyError, IndexError, TypeError) as exc:
            msg = f"{what} {template!r}: cannot resolve {{{field_name}}} ({exc})"
            raise TemplateFieldError(msg) from exc
    if _holds_credentials(obj):
        msg = (
            f"{what} {template!r} may not render {{{field_name}}}: it contains secrets (a key "
            "such as 'secrets' or 'auth_token' inside it); name the part you need, e.g. "
            "{config.backend}"
        )
        raise TemplateFieldError(msg)
    return obj


def _is_credential_key(key: str) -> bool:
    return key in _CREDENTIAL_NAMES or _CREDENTIAL_KEY.search(key) is not None


def _holds_credentials(value: Any) -> bool:
    """Whether ``value`` is a container with a credential key (``secrets``...) at any depth.

    ``{config}`` or ``{config.context}`` would otherwise print ``context.secrets`` whole.
    The walk visits each container once (cycles and shared nodes are fine); its cost is that
    of the ``str()`` the formatter would do anyway.
    """
    if type(value) in _SCALARS:  # the common case, kept cheap: one lookup per field
        return False
    pending = [value]
    seen: set[int] = set()
    while pending:
        node = pending.pop()
        if isinstance(node, Mapping):
            children: Any = node.values()
            if any(isinstance(key, str) and _is_credential_key(key) for key in node):
                return True
        elif isinstance(node, (list, tuple, set, frozenset)):
            children = node
        else:
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        pending.extend(child for child in children if isinstance(child, _CONTAINERS))
    return False


_CONTAINERS = (Mapping, list, tuple, set, frozenset)
_SCALARS = frozenset({str, int, float, bool, type(None)})


def _check_spec(spec: str, field_name: str, template: str, what: str) -> None:
    """Refuse widths and precisions (any number in the spec) above :data:`MAX_SPEC_NUMBER`."""
    if len(spec) > MAX_SPEC_NUMBER:  # a spec taken from data ({d:{fmt}}, fmt="%c" * 10**6)
        msg = (
            f"{what} {template!r}: the format spec of {{{field_name}}} is {len(spec)} "
            f"characters long, above {MAX_SPEC_NUMBER}; use a shorter spec"
        )
        raise TemplateSpecError(msg)
    for digits in _DIGITS.findall(spec):
        # Compare the text first: int() of a huge digit string is itself slow.
        if len(digits.lstrip("0")) > len(str(MAX_SPEC_NUMBER)) or int(digits) > MAX_SPEC_NUMBER:
            shown = spec if len(spec) <= 40 else spec[:40] + "..."
            msg = (
                f"{what} {template!r}: the format spec {shown!r} of {{{field_name}}} asks for "
                f"a width or precision above {MAX_SPEC_NUMBER}; use a smaller number"
            )
            raise TemplateSpecError(msg)


def _check_fixed_point(value: Any, spec: str, field_name: str, template: str, what: str) -> None:
    """Refuse a fixed-point spec on a ``Decimal`` that would print more digits than the cap.

    ``format(Decimal("1e999999999"), "f")`` writes every digit (a gigabyte), with no width
    or precision in the spec to cap; a float cannot (at most 309 digits).
    """
    if not isinstance(value, decimal.Decimal) or not value.is_finite() or not value:
        return
    if not spec or spec[-1] not in "fF%":
        return
    exponent = value.adjusted()
    if exponent > MAX_SPEC_NUMBER or (exponent < -MAX_SPEC_NUMBER and "." not in spec):
        msg = (
            f"{what} {template!r}: the format spec {spec[:40]!r} of {{{field_name}}} would "
            f"print a Decimal of magnitude 1e{exponent} with more than {MAX_SPEC_NUMBER} "
            "digits; use an 'e' or 'g' spec, or a precision"
        )
        raise TemplateSpecError(msg)


def check_relative_value(text: str, *, what: str) -> None:
    """Refuse ``text`` if it is an absolute path, contains a ``..`` segment or a URL scheme."""
    if _is_absolute(text):
        msg = f"{what} is an absolute path ({text!r}); it would leave the result's directory"
        raise UnsafeLocationError(msg)
    if _parent_segments(text):
        msg = f"{what} contains '..' ({text!r}); it would leave the result's directory"
        raise UnsafeLocationError(msg)
    if _SCHEME_SEPARATOR in text:
        msg = (
            f"{what} contains '://' ({text!r}); an interpolated value may not choose the "
            "storage, scheme or bucket, only the result's own URL or literal location can"
        )
        raise UnsafeLocationError(msg)


def _render(
    template: str,
    kwargs: Mapping[str, Any],
    *,
    what: str,
    check_values: bool,
    outer: str | None = None,
) -> str:
    pieces: list[str] = []
    for literal, field_name, spec, conversion in _FORMATTER.parse(template):
        pieces.append(literal)
        if field_name is None:
            continue
        shown = outer if outer is not None else template
        value = _resolve(field_name, shown, kwargs, what)
        if conversion:
            value = _FORMATTER.convert_field(value, conversion)
        spec_text = ""
        if spec:
            if outer is not None and _has_fields(spec):  # str.format nests one level, as here
                msg = f"{what} {shown!r} nests format specs more than one level deep"
                raise TemplateSpecError(msg)
            spec_text = _render(spec, kwargs, what=what, check_values=False, outer=shown)
            _check_spec(spec_text, field_name, shown, what)
            _check_fixed_point(value, spec_text, field_name, shown, what)
        text = format(value, spec_text)
        if check_values:
            check_relative_value(text, what=f"the value of {{{field_name}}} in {template!r}")
        pieces.append(text)
    return "".join(pieces)


def _has_fields(text: str) -> bool:
    return any(field_name is not None for _, field_name, _, _ in _FORMATTER.parse(text))


def format_template(template: str, kwargs: Mapping[str, Any], *, what: str = "template") -> str:
    """Format ``template`` with the field, credential and spec guards (no path rules).

    ``what`` names the template in error messages (``"task_run_name"``, ...).
    """
    return _render(template, kwargs, what=what, check_values=False)


def _is_absolute(text: str) -> bool:
    return text.startswith(("/", "\\")) or bool(_DRIVE.match(text))


def _parent_segments(text: str) -> int:
    return re.split(r"[\\/]", text).count("..")


def format_location(template: str, kwargs: Mapping[str, Any]) -> str:
    """Format a location template safely (see the module docstring for the rules)."""
    rendered = _render(template, kwargs, what="location template", check_values=True)
    # Values can also escape together, with each other or with the literal text around them
    # (".{x}" with x="."; "{a}{b}" with a="s3:", b="//k"): compare with the template's own
    # literal skeleton.
    skeleton = "".join(
        literal + ("x" if field_name is not None else "")
        for literal, field_name, _, _ in _FORMATTER.parse(template)
    )
    if (
        _parent_segments(rendered) > _parent_segments(skeleton)
        or (_is_absolute(rendered) and not _is_absolute(skeleton))
        or rendered.count(_SCHEME_SEPARATOR) > skeleton.count(_SCHEME_SEPARATOR)
    ):
        msg = (
            f"location template {template!r} renders to {rendered!r}, which would leave the "
            "result's directory or choose another storage"
        )
        raise UnsafeLocationError(msg)
    return rendered
