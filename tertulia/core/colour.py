"""Colour contrast as WCAG 2 defines it, and an accent colour that white text stays readable on."""

import re

WHITE = "#ffffff"
READABLE = 4.5  # WCAG AA for normal text
_HEX = re.compile(r"^#([0-9a-fA-F]{6})$")
_STEPS = 4096  # how finely a colour is darkened: far below one step of a channel


def parse_hex(colour: str) -> tuple[int, int, int]:
    """`#rrggbb` (either case) as its three channels, 0 to 255."""
    match = _HEX.match(colour)
    if not match:
        raise ValueError(f"Not a #rrggbb colour: {colour!r}")
    digits = match.group(1)
    return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)


def to_hex(rgb: tuple[int, int, int]) -> str:
    """Three channels, 0 to 255, as `#rrggbb` in lower case."""
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def _linear(channel: int) -> float:
    value = channel / 255
    return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4


def relative_luminance(colour: str) -> float:
    """WCAG relative luminance: 0 for black, 1 for white."""
    red, green, blue = (_linear(channel) for channel in parse_hex(colour))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_ratio(first: str, second: str) -> float:
    """WCAG contrast ratio of two colours, from 1 (the same) to 21 (black on white)."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def _shade(rgb: tuple[int, int, int], step: int) -> str:
    return to_hex(tuple(round(channel * step / _STEPS) for channel in rgb))


def readable_accent(colour: str, *, minimum: float = READABLE) -> str:
    """`colour` itself when white text on it reaches `minimum` contrast, else the lightest shade of
    it (same hue, channels scaled towards black) that does."""
    rgb = parse_hex(colour)
    if contrast_ratio(WHITE, colour) >= minimum:
        return to_hex(rgb)
    # Shades darken as the step falls, so the lightest readable one is found by bisection;
    # step 0 is black, which reaches 21:1.
    low, high = 0, _STEPS
    while high - low > 1:
        middle = (low + high) // 2
        if contrast_ratio(WHITE, _shade(rgb, middle)) >= minimum:
            low = middle
        else:
            high = middle
    return _shade(rgb, low)


def is_readable_accent(colour: str) -> bool:
    """Whether white text on `colour` reaches the readable contrast as it is."""
    return contrast_ratio(WHITE, colour) >= READABLE
