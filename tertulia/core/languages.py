"""The product's languages are `settings.LANGUAGES`; this maps what a browser asks for onto them."""

from django.conf import settings
from django.utils import translation


def supported_language(asked: object) -> str:
    """`asked` ("es-ES") as one of settings.LANGUAGES, else the default language."""
    try:
        return translation.get_supported_language_variant(
            asked.strip().lower() if isinstance(asked, str) else ""
        )
    except LookupError:
        return settings.LANGUAGE_CODE
