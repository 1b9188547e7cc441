"""Fewer bytes on the wire: static files with a year's cache for hashed names, bodies compressed
once for views that serve a fixed file, and the choice of encoding from Accept-Encoding.

JSON responses of the widget are gzipped per request by Django's `gzip_page`; HTML pages are not
compressed at all, because they can carry a CSRF token next to text from the request (BREACH)."""

import gzip
import hashlib
import logging
from dataclasses import dataclass

import brotli
from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import http_date
from whitenoise.middleware import WhiteNoiseMiddleware

ONE_YEAR = 365 * 24 * 60 * 60

logger = logging.getLogger(__name__)


class StaticFilesMiddleware(WhiteNoiseMiddleware):
    """WhiteNoise, with names carrying a hash of their content cached for a year (immutable)
    rather than its ten; other static files for a minute. Says so when the server starts without
    the files collected, rather than leaving every page to fail on its own."""

    FOREVER = ONE_YEAR

    def __init__(self, get_response=None, settings=settings):
        super().__init__(get_response, settings)
        if not_collected():
            logger.warning(
                "The static files are not collected in %s, so pages cannot be shown: run "
                "`tertulia collectstatic --no-input` (again after every upgrade).",
                settings.STATIC_ROOT,
            )


def not_collected() -> bool:
    """Pages name static files by the hashed names that `collectstatic` records (not with
    DEBUG: then they name the plain files, which are served from the package)."""
    return (
        not settings.DEBUG
        and hasattr(staticfiles_storage, "read_manifest")
        and staticfiles_storage.read_manifest() is None
    )


def accepted_codings(header: str) -> dict[str, float]:
    """Accept-Encoding as {coding: weight}: "gzip, br;q=0.5, *;q=0" -> {gzip: 1, br: 0.5, *: 0}."""
    codings: dict[str, float] = {}
    for item in header.split(","):
        name, _, parameters = item.partition(";")
        name = name.strip().lower()
        if not name:
            continue
        weight = 1.0
        for parameter in parameters.split(";"):
            key, _, value = parameter.partition("=")
            if key.strip().lower() == "q":
                try:
                    weight = min(max(float(value.strip()), 0.0), 1.0)
                except ValueError:
                    weight = 0.0
        codings["gzip" if name == "x-gzip" else name] = weight
    return codings


def preferred_coding(header: str, offered: tuple[str, ...]) -> str:
    """Which of `offered` (ours, best first) to answer with, or "" for none: the accepted one
    with the highest weight; on equal weights the first offered."""
    codings = accepted_codings(header)
    chosen, chosen_weight = "", 0.0
    for coding in offered:
        weight = codings.get(coding, codings.get("*", 0.0))
        if weight > chosen_weight:
            chosen, chosen_weight = coding, weight
    return chosen


@dataclass(frozen=True)
class Precompressed:
    """A body and its Brotli and gzip versions, compressed once at the highest levels, with the
    validators that let a browser revalidate its copy (304)."""

    body: bytes
    encoded: tuple[tuple[str, bytes], ...]  # (coding, bytes), best first; only those smaller
    etag: str  # weak: the same for every coding of the body
    last_modified: int  # seconds since the epoch

    @classmethod
    def of(cls, body: bytes, *, last_modified: float) -> "Precompressed":
        candidates = (
            ("br", brotli.compress(body, quality=11)),
            ("gzip", gzip.compress(body, compresslevel=9, mtime=0)),
        )
        return cls(
            body=body,
            encoded=tuple((coding, data) for coding, data in candidates if len(data) < len(body)),
            etag=f'W/"{hashlib.sha256(body).hexdigest()[:24]}"',
            last_modified=int(last_modified),
        )

    def response(self, request: HttpRequest, *, content_type: str) -> HttpResponse:
        """The body in the best coding the client accepts (always `Vary: Accept-Encoding`), or
        304 Not Modified when the client's copy is current."""
        encoded = dict(self.encoded)
        coding = preferred_coding(request.headers.get("Accept-Encoding", ""), tuple(encoded))
        response = HttpResponse(encoded.get(coding, self.body), content_type=content_type)
        if coding:
            response["Content-Encoding"] = coding
        response["ETag"] = self.etag
        response["Last-Modified"] = http_date(self.last_modified)
        patch_vary_headers(response, ("Accept-Encoding",))
        return get_conditional_response(
            request, etag=self.etag, last_modified=self.last_modified, response=response
        )
