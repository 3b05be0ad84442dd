"""Render a `string.templatelib.Template` to HTML (PEP 750 template strings, Python 3.14)."""

from html import escape
from string.templatelib import Interpolation, Template

_CONVERTERS = {"r": repr, "s": str, "a": ascii}


class Markup(str):
    """Text that is already HTML: interpolated as it is, never escaped again."""

    __slots__ = ()


def _value(part: Interpolation) -> str:
    value = part.value
    if isinstance(value, Template):
        return html(value)
    if isinstance(value, Markup):
        return value
    if part.conversion is not None:
        value = _CONVERTERS[part.conversion](value)
    return escape(format(value, part.format_spec), quote=True)


def html(template: Template) -> Markup:
    """The HTML of `template`: its strings as written, its interpolations escaped."""
    if not isinstance(template, Template):
        raise TypeError(f"html() takes a template string (t'...'), not {type(template).__name__}")
    parts: list[str] = []
    for part in template:
        parts.append(_value(part) if isinstance(part, Interpolation) else part)
    return Markup("".join(parts))


def number(text: object, spec: str = "") -> str:
    """`text` as a formatted number, or an empty string when it is not one."""
    try:
        return format(float(text), spec)  # type: ignore[arg-type]
    except TypeError, ValueError:  # PEP 758 (3.14): several exceptions without parentheses
        return ""
