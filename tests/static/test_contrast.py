"""Text in our stylesheets is readable: every dark text colour on every light background they use,
and every light one on every dark background, reach WCAG AA's 4.5:1. (axe-core checks the rendered
pages in tests/browser; this catches a colour change wherever it would land.)"""

import re
from pathlib import Path

import pytest

from tertulia.core.colour import contrast_ratio, relative_luminance

STATIC = Path(__file__).resolve().parents[2] / "tertulia" / "static"
HEX = r"#[0-9a-fA-F]{6}\b|#[0-9a-fA-F]{3}\b"
VALUE = rf"({HEX}|var\(--[\w-]+\))"


# Status dots are colour marks with no text in them.
NO_TEXT = re.compile(r"^\.dot\b")


def colours(css: str, property_pattern: str) -> set[str]:
    """The colours a stylesheet gives a property, with its custom properties resolved."""
    tokens = dict(re.findall(rf"--([\w-]+):\s*({HEX})", css))

    def resolve(value: str) -> str | None:
        if value.startswith("var("):
            value = tokens.get(value[6:-1], "")
        if re.fullmatch(r"#[0-9a-fA-F]{3}", value):
            value = "#" + "".join(digit * 2 for digit in value[1:])
        return value.lower() or None

    found = set()
    for selectors, declarations in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        if all(NO_TEXT.match(selector.strip()) for selector in selectors.split(",")):
            continue
        values = re.findall(rf"{property_pattern}:\s*{VALUE}", declarations)
        found |= {resolve(value) for value in values}
    return found - {None}


@pytest.mark.parametrize("stylesheet", ["tertulia/app.css", "widget/chat.css"])
def test_text_colours_are_readable_on_the_backgrounds(stylesheet):
    css = (STATIC / stylesheet).read_text()
    texts = colours(css, r"(?<![-\w])color")
    backgrounds = colours(css, r"background(?:-color)?")
    assert texts and backgrounds
    too_faint = [
        f"{text} on {background}: {contrast_ratio(text, background):.2f}:1"
        for text in texts
        for background in backgrounds
        # Dark text sits on light backgrounds and light text on dark ones.
        if (relative_luminance(text) < 0.5) != (relative_luminance(background) < 0.5)
        and contrast_ratio(text, background) < 4.5
    ]
    assert not too_faint, f"{stylesheet}: " + "; ".join(sorted(too_faint))
