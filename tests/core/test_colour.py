import pytest
from hypothesis import given
from hypothesis import strategies as st

from tertulia.core.colour import (
    WHITE,
    contrast_ratio,
    is_readable_accent,
    parse_hex,
    readable_accent,
    relative_luminance,
)

colours = st.integers(min_value=0, max_value=0xFFFFFF).map(lambda value: f"#{value:06x}")


def test_luminance_and_contrast_match_the_wcag_figures():
    assert relative_luminance("#000000") == 0
    assert relative_luminance("#FFFFFF") == 1
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21)
    assert contrast_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    assert contrast_ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)
    assert contrast_ratio("#2563eb", WHITE) == contrast_ratio(WHITE, "#2563eb")


def test_a_readable_colour_is_kept():
    assert readable_accent("#2563EB") == "#2563eb"
    assert readable_accent("#b45309") == "#b45309"
    assert is_readable_accent("#b45309")


def test_a_light_colour_is_darkened_just_enough():
    darker = readable_accent("#f59e0b")  # amber: 2.15:1 with white
    assert darker != "#f59e0b"
    assert contrast_ratio(WHITE, darker) >= 4.5
    assert contrast_ratio(WHITE, darker) < 4.6
    assert not is_readable_accent("#f59e0b")
    assert readable_accent("#ffffff") == "#767676"


def test_the_hue_stays():
    red, green, blue = parse_hex(readable_accent("#22c55e"))  # a green stays green
    assert green > red and green > blue


def test_anything_but_a_hex_colour_is_refused():
    for value in ["2563eb", "#abc", "#12345g", "", "red"]:
        with pytest.raises(ValueError, match="Not a #rrggbb colour"):
            readable_accent(value)


@given(colours)
def test_white_text_is_always_readable_on_the_result(colour):
    assert contrast_ratio(WHITE, readable_accent(colour)) >= 4.5


@given(colours)
def test_a_colour_that_was_readable_comes_back_unchanged(colour):
    if contrast_ratio(WHITE, colour) >= 4.5:
        assert readable_accent(colour) == colour
    else:
        assert readable_accent(colour) != colour


@given(colours)
def test_a_darkened_colour_is_only_just_dark_enough(colour):
    if readable_accent(colour) != colour:
        assert contrast_ratio(WHITE, readable_accent(colour)) < 4.6
