import annotationlib
import sys

import pytest

from tsafe import Markup, html
from tsafe.render import number


def test_interpolations_are_escaped_and_static_parts_kept() -> None:
    name = "<script>alert('x')</script>"
    assert html(t"<p class='greeting'>Hi {name}</p>") == (
        "<p class='greeting'>Hi &lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;</p>"
    )


def test_a_nested_template_is_rendered_not_escaped() -> None:
    items = [t"<li>{item}</li>" for item in ("a&b", "c")]
    inner = Markup("".join(html(item) for item in items))
    assert html(t"<ul>{inner}</ul>") == "<ul><li>a&amp;b</li><li>c</li></ul>"
    assert html(t"<div>{t'<b>{1 < 2}</b>'}</div>") == "<div><b>True</b></div>"


def test_conversion_and_format_spec_apply_before_escaping() -> None:
    price, label = 3.14159, "<x>"
    assert html(t"{price:.2f} {label!r}") == "3.14 &#x27;&lt;x&gt;&#x27;"


def test_a_plain_string_is_refused() -> None:
    with pytest.raises(TypeError, match="template string"):
        html("<p>not a template</p>")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "spec", "expected"),
    [
        ("2.5", ".1f", "2.5"),
        ("1e3", ",.0f", "1,000"),
        ("ten", "", ""),
        (None, "", ""),
        ("1", "q", ""),
    ],
)
def test_number_formats_or_gives_nothing(text: object, spec: str, expected: str) -> None:
    assert number(text, spec) == expected


def test_annotations_are_evaluated_lazily() -> None:
    """PEP 649/749: an annotation naming something not yet defined is fine until it is asked for."""

    def handler(request: Request) -> Response:  # noqa: F821 - defined nowhere, on purpose
        return request

    names = annotationlib.get_annotations(handler, format=annotationlib.Format.STRING)
    assert names == {"request": "Request", "return": "Response"}


def test_runs_on_314_or_newer() -> None:
    assert sys.version_info >= (3, 14)
