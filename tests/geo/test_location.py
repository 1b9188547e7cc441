"""IP address -> location, against the tests' tiny database (and once against the real one)."""

import logging

import pytest

from tertulia.core.net import is_public
from tertulia.geo.location import Location, database_path, locate
from tests.geo.mmdb import NOT_IN_DATABASE, PLACES


@pytest.mark.parametrize(("ip", "place"), PLACES.items())
def test_public_addresses_are_located(ip, place):
    assert locate(ip) == Location(*place)


def test_an_ipv4_address_written_as_ipv6_is_located_as_ipv4():
    assert locate("::ffff:2.139.0.1") == Location("ES", "Madrid", "Madrid")


@pytest.mark.parametrize(
    "ip",
    [
        "127.0.0.1",
        "::1",
        "10.1.2.3",
        "172.16.5.4",
        "192.168.1.20",
        "fd12:3456::1",
        "169.254.1.1",
        "fe80::1",
        "100.64.0.1",
        "0.0.0.0",  # noqa: S104
        "224.0.0.1",
        "::ffff:192.168.1.1",
        "",
        "not an ip",
        "999.1.1.1",
        "2.139.0.1; DROP TABLE",
    ],
)
def test_loopback_private_and_bad_addresses_get_no_location(ip):
    assert not is_public(ip)
    assert locate(ip) is None


def test_an_address_the_database_does_not_know_gets_no_location():
    assert is_public(NOT_IN_DATABASE)
    assert locate(NOT_IN_DATABASE) is None


def test_a_missing_database_means_no_locations_and_a_warning(settings, tmp_path, caplog):
    settings.GEOIP_DATABASE = str(tmp_path / "missing.mmdb")
    with caplog.at_level(logging.WARNING, logger="tertulia.geo.location"):
        assert locate("2.139.0.1") is None
    assert "missing.mmdb" in caplog.text


def test_a_file_that_is_not_a_database_means_no_locations(settings, tmp_path):
    garbage = tmp_path / "garbage.mmdb"
    garbage.write_bytes(b"\x00\xff not a MaxMind database " * 100)
    settings.GEOIP_DATABASE = str(garbage)
    assert locate("2.139.0.1") is None


def test_the_database_that_installs_with_the_project(settings):
    """DB-IP City Lite ships as a dependency: no download, and it knows Madrid."""
    settings.GEOIP_DATABASE = ""
    assert database_path().endswith("dbip-city-lite-latest.mmdb")
    assert locate("2.139.0.1") == Location("ES", "Madrid", "Madrid")
    assert locate("81.2.69.160") == Location("GB", "England", "London")
