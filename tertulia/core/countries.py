"""Country names in the reader's language, from the stored ISO 3166-1 code."""

from functools import cache

from babel import Locale, UnknownLocaleError
from django.utils import translation


@cache
def _territories(language: str) -> dict[str, str]:
    try:
        return Locale.parse(language.replace("-", "_")).territories
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en").territories


def country_name(code: str, language: str | None = None) -> str:
    """ "ES" -> "Spain" or "España"; unknown codes come back as they are."""
    if not code:
        return ""
    names = _territories(language or translation.get_language() or "en")
    return names.get(code.upper(), code)
