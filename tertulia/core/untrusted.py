"""Input from strangers (the widget's requests and socket frames): JSON read without surprises,
and text that every database can store.

Two things are valid JSON and yet not text a database keeps: a lone half of a surrogate pair
(`"\\ud800"`: PostgreSQL and SQLite cannot encode it, and `json.dumps` passes it on) and the NUL
character (`"\\u0000"`: PostgreSQL's text and jsonb refuse it). Both become U+FFFD, the
replacement character, as browsers themselves do when they turn such a string into bytes
(TextEncoder, URLs, form posts): a visitor's message or page title with half an emoji in it is
kept, with one visible mark where the broken character was, instead of being refused as a whole.
"""

import json
import re

REPLACEMENT = "\ufffd"
# Deeper than this is no message of ours; it would only cost stack (json.loads itself raises
# RecursionError, not ValueError, around a thousand levels).
MAX_DEPTH = 20

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class BadJSON(ValueError):
    """The input is not JSON: bad syntax or encoding, NaN or Infinity, or nested too deep."""


def storable_text(text: str) -> str:
    """`text` with lone surrogates and NUL characters replaced by U+FFFD."""
    return _UNSTORABLE.sub(REPLACEMENT, text)


def parse_json(raw: bytes | str) -> object:
    """The JSON value in `raw`, with every string (keys too) storable; BadJSON otherwise."""
    try:
        value = json.loads(raw, parse_constant=_not_json)
    except (ValueError, RecursionError) as error:  # UnicodeDecodeError is a ValueError
        raise BadJSON(type(error).__name__) from None
    return _storable(value, 0)


def _not_json(constant: str):
    raise ValueError(f"{constant} is not JSON")


def _storable(value: object, depth: int) -> object:
    if isinstance(value, str):
        return storable_text(value)
    if isinstance(value, list | dict) and depth >= MAX_DEPTH:
        raise BadJSON("nested too deep")
    if isinstance(value, list):
        return [_storable(item, depth + 1) for item in value]
    if isinstance(value, dict):
        return {storable_text(k): _storable(v, depth + 1) for k, v in value.items()}
    return value
