"""TERTULIA_DB_POOL_*: the PostgreSQL connection pool of each process, or none."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from tertulia.config.settings import _pool_options


def test_defaults():
    assert _pool_options({}) == {
        "min_size": 1,
        "max_size": 10,
        "timeout": 10,
        "max_idle": 300,
        "max_lifetime": 3600,
    }


def test_set_by_the_environment():
    pool = _pool_options(
        {"TERTULIA_DB_POOL_MAX": "4", "TERTULIA_DB_POOL_MIN": "9", "TERTULIA_DB_POOL_TIMEOUT": "3"}
    )
    assert (pool["min_size"], pool["max_size"], pool["timeout"]) == (4, 4, 3)


def test_zero_means_no_pool():
    assert _pool_options({"TERTULIA_DB_POOL_MAX": "0"}) is None


@pytest.mark.parametrize(
    "variable, value",
    [
        ("TERTULIA_DB_POOL_MAX", "ten"),
        ("TERTULIA_DB_POOL_MAX", "-1"),
        ("TERTULIA_DB_POOL_MIN", "1.5"),
        ("TERTULIA_DB_POOL_TIMEOUT", "0"),
    ],
)
def test_a_bad_value_is_named(variable, value):
    with pytest.raises(ImproperlyConfigured, match=f"{variable}='{value}'"):
        _pool_options({variable: value})
