"""Normalising text for search: case and accents do not matter, nor phone formatting."""

import re
import unicodedata

_PHONE_LIKE = re.compile(r"^[\d\s()+.\-/]+$")


def fold(text: str) -> str:
    """Lower-case and strip accents, so "José" matches "jose"."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def search_text_for(name: str | None, email: str, phone_digits: str) -> str:
    """The single column the search box looks in."""
    return "\n".join(part for part in (fold(name or ""), fold(email), phone_digits) if part)


def search_term(query: str) -> str:
    """What to look for in `search_text`: digits for something that looks like a phone number."""
    query = query.strip()
    if _PHONE_LIKE.match(query) and any(ch.isdigit() for ch in query):
        return "".join(ch for ch in query if ch.isdigit())
    return fold(query)


def digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())
