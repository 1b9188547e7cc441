"""Hypothesis strategies for what a stranger can send the public side: any JSON, broken text,
numbers where text belongs and the other way round, bodies that are not JSON at all."""

import json

from hypothesis import strategies as st

# Lone halves of a surrogate pair: valid in a JSON string ("\ud800"), not encodable as UTF-8.
surrogates = st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)
# Characters databases and encoders trip on, besides surrogates.
awkward = st.sampled_from(["\x00", "\x1f", "\u2028", "\u202e", "\ufeff", "\uffff", "💬", "ñ"])
hostile_chars = st.one_of(st.characters(), surrogates, awkward)


class Long(str):
    """A long text that reports itself short (failing examples stay readable)."""

    def __repr__(self):
        return f"Long({self[:1]!r} * {len(self)})"


class Blob(bytes):
    """The same for bytes."""

    def __repr__(self):
        return f"Blob({bytes(self[:60])!r}... {len(self)} bytes)"


hostile_text = st.one_of(
    st.text(hostile_chars, max_size=30),
    # Huge values: one character many times (cheap to build, past every limit).
    st.builds(lambda c, n: Long(c * n), hostile_chars, st.sampled_from([2_000, 5_000, 40_000])),
)

huge_ints = st.sampled_from([2**31, 2**63, -(2**63) - 1, 2**64, 10**100, -(10**300)])
numbers = st.one_of(
    st.integers(min_value=-(10**6), max_value=10**6),
    huge_ints,
    st.floats(allow_nan=True, allow_infinity=True),
)
json_scalars = st.one_of(st.none(), st.booleans(), numbers, hostile_text)

json_values = st.recursive(
    json_scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.text(hostile_chars, max_size=8), children, max_size=4),
    ),
    max_leaves=12,
)


def maybe(right):
    """The right kind of value for a field, or anything at all."""
    return st.one_of(right, json_values)


client_ids = maybe(st.uuids().map(str))

page_reports = st.fixed_dictionaries(
    {},
    optional={
        "url": maybe(st.sampled_from(["https://shop.example/a", "http://[::1", "javascript:x"])),
        "title": maybe(hostile_text),
        "referrer": maybe(st.just("https://www.google.com/")),
        "languages": maybe(st.lists(maybe(st.sampled_from(["es-ES", "en"])), max_size=12)),
        "language": maybe(st.just("es")),
        "timezone": maybe(st.just("Europe/Madrid")),
        "screen": maybe(st.lists(maybe(st.integers(0, 5000)), max_size=3)),
    },
)


def actions(kind: str):
    """A `kind` action whose every field is right or wrong: text, choose, submit, page, typing."""
    fields = {
        "text": {"text": maybe(hostile_text)},
        "choose": {
            "node": maybe(st.sampled_from(["topic", "contact"])),
            "option": maybe(st.sampled_from(["sales", "support", "other"])),
        },
        "submit": {
            "node": maybe(st.just("contact")),
            "values": maybe(
                st.fixed_dictionaries(
                    {},
                    optional={
                        "name": maybe(hostile_text),
                        "email": maybe(st.sampled_from(["ana@example.com", "ana@ex\x00.com"])),
                        "phone": maybe(st.sampled_from(["+34 600 000 000", "0" * 600])),
                    },
                )
            ),
        },
        "typing": {},
    }
    if kind == "page":
        return page_reports.map(lambda page: {"type": "page", **page})
    return st.fixed_dictionaries(
        {"type": st.just(kind)}, optional={"client_id": client_ids, **fields[kind]}
    )


open_bodies = st.fixed_dictionaries(
    {},
    optional={
        "token": maybe(st.just("x")),
        "origin": maybe(st.sampled_from(["https://shop.example", "null", "http://[::1"])),
        "resume": maybe(st.booleans()),
        "page": maybe(page_reports),
    },
)


def encode(value, ascii_only: bool = True) -> bytes:
    """`value` as a JSON body: escaped (\\ud800 stays valid JSON), or raw bytes that are not
    UTF-8 when a string holds a surrogate."""
    return Blob(json.dumps(value, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass"))


def bodies(values):
    """JSON bodies of `values`, each either escaped or raw."""
    return st.builds(encode, values, st.booleans())


def nested(depth: int, opener: str = "[", closer: str = "]") -> str:
    """JSON nested `depth` levels: parsers run out of stack long before memory."""
    return opener * depth + closer * depth


DEEP_DOCUMENTS = [
    nested(10_000),
    nested(100_000),  # past the size limit too
    '{"a":' * 5_000 + "1" + "}" * 5_000,
    '{"type": "text", "client_id": "c", "text": ' + nested(3_000) + "}",
    "[" * 20_000,  # never closed
]

NOT_JSON = [
    b"",
    b" ",
    b"{not json",
    b"\xff\xfe\x00",
    b'{"type": "text", "text": "\xed\xa0\x80"}',  # a surrogate written as UTF-8 bytes
    b'"\\ud800"',
    b"NaN",
    b"Infinity",
    b"1" * 5_000,  # an integer past Python's digit limit
    b'{"type": "text", "client_id": "c", "text": 1e999}',
    b"\x00" * 10,
]

raw_bodies = st.one_of(
    st.binary(max_size=200),
    st.sampled_from(NOT_JSON).map(Blob),
    st.sampled_from(DEEP_DOCUMENTS).map(lambda text: Blob(text.encode())),
    bodies(json_values),
)
