"""HTML from template strings: static parts as written, interpolations escaped."""

from tsafe.render import Markup, html

__all__ = ["Markup", "html"]
