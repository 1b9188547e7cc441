"""A tiny City database in MaxMind's format, written for the tests (the real one is 100 MB)."""

from pathlib import Path

from mmdb_writer import MMDBWriter
from netaddr import IPSet

# network -> (country, region, city); a record without a region or city leaves them out.
NETWORKS = {
    "2.139.0.0/24": ("ES", "Madrid", "Madrid"),
    "81.2.69.160/27": ("GB", "England", "London"),
    "200.1.1.0/24": ("MX", "Jalisco", "Guadalajara"),
    "88.0.0.0/16": ("ES", "Andalusia", "Málaga"),
    "5.1.0.0/16": ("FR", "", ""),
    "2a02:9130::/32": ("ES", "Catalonia", "Barcelona"),
}
# An address to look up -> what the lookup must say.
PLACES = {
    "2.139.0.1": ("ES", "Madrid", "Madrid"),
    "2.139.0.255": ("ES", "Madrid", "Madrid"),
    "81.2.69.170": ("GB", "England", "London"),
    "200.1.1.99": ("MX", "Jalisco", "Guadalajara"),
    "88.0.12.34": ("ES", "Andalusia", "Málaga"),
    "5.1.2.3": ("FR", "", ""),
    "2a02:9130:1::5": ("ES", "Catalonia", "Barcelona"),
}
NOT_IN_DATABASE = "8.8.8.8"
COUNTRY_NAMES = {"ES": "Spain", "FR": "France", "GB": "United Kingdom", "MX": "Mexico"}


def _record(country: str, region: str, city: str) -> dict:
    record = {"country": {"iso_code": country, "names": {"en": COUNTRY_NAMES[country]}}}
    if region:
        record["subdivisions"] = [{"names": {"en": region}}]
    if city:
        record["city"] = {"names": {"en": city}}
    return record


def write_city_database(path: Path) -> Path:
    """Write the networks above as a DB-IP-style City database (IPv6 tree, IPv4 inside it)."""
    writer = MMDBWriter(
        ip_version=6,
        ipv4_compatible=True,
        database_type="DBIP-City-Lite",
        languages=["en"],
        description="Tertulia test locations",
    )
    for network, place in NETWORKS.items():
        writer.insert_network(IPSet([network]), _record(*place))
    writer.to_db_file(str(path))
    return path
