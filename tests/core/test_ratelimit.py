"""The one rate limiter, on the in-process cache and on Redis (what several processes share)."""

import time
import uuid

import pytest
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured

from tertulia.config.settings import _rate_limits
from tertulia.core import ratelimit

CACHES = {
    "memory": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "redis": {
        "BACKEND": "tertulia.core.cache.RedisCache",
        "LOCATION": "redis://127.0.0.1:6379/0",
    },
}


@pytest.fixture(params=sorted(CACHES))
def limits(request, settings):
    """A cache of each kind (Redis keys under a prefix of their own, which expire by themselves),
    and two test limits: 3 a minute, and 2 a second."""
    settings.CACHES = {"default": {**CACHES[request.param], "KEY_PREFIX": uuid.uuid4().hex}}
    settings.RATE_LIMITS = {"three_a_minute": (3, 60), "two_a_second": (2, 1)}


def test_events_over_the_limit_wait_for_the_rest_of_the_window(limits):
    assert [ratelimit.hit("three_a_minute", "a") for _ in range(3)] == [0, 0, 0]
    wait = ratelimit.hit("three_a_minute", "a")
    assert 59 <= wait <= 60
    # Keys and limits are counted apart.
    assert ratelimit.hit("three_a_minute", "b") == 0
    assert ratelimit.hit("two_a_second", "a") == 0


def test_the_window_opens_with_the_first_event_and_starts_again_after_it(limits):
    assert [ratelimit.hit("two_a_second", "a") for _ in range(3)][2] == 1
    time.sleep(1.1)
    assert [ratelimit.hit("two_a_second", "a") for _ in range(3)] == [0, 0, 1]


def test_wait_answers_without_counting(limits):
    for _ in range(5):
        assert ratelimit.wait("three_a_minute", "a") == 0
    for _ in range(3):
        ratelimit.hit("three_a_minute", "a")
    assert 59 <= ratelimit.wait("three_a_minute", "a") <= 60
    assert ratelimit.wait("three_a_minute", "b") == 0


def test_undo_gives_an_event_back_and_clear_forgets_the_key(limits):
    for _ in range(3):
        ratelimit.hit("three_a_minute", "a")
    ratelimit.undo("three_a_minute", "a")
    assert ratelimit.hit("three_a_minute", "a") == 0
    assert ratelimit.hit("three_a_minute", "a") > 0
    ratelimit.clear("three_a_minute", "a")
    assert ratelimit.wait("three_a_minute", "a") == 0
    assert [ratelimit.hit("three_a_minute", "a") for _ in range(4)][3] > 0
    # Nothing to take back: no error, and no count below zero.
    ratelimit.undo("three_a_minute", "unseen")
    assert [ratelimit.hit("three_a_minute", "unseen") for _ in range(4)][3] > 0


def test_a_count_that_outlived_its_window_starts_a_new_one(limits):
    """A count left without its window's start (a cache that lost one of the two) heals."""
    for _ in range(4):
        ratelimit.hit("three_a_minute", "a")
    _count_key, start_key = ratelimit._keys("three_a_minute", "a")
    cache.delete(start_key)
    assert ratelimit.wait("three_a_minute", "a") == 0
    assert [ratelimit.hit("three_a_minute", "a") for _ in range(4)] == [0, 0, 0, 60]


def test_limits_come_from_the_environment():
    defaults = {"login_per_account": (10, 900), "messages_per_ip": (300, 60)}
    assert _rate_limits(defaults, {}) == defaults
    assert _rate_limits(
        defaults,
        {"TERTULIA_RATE_LOGIN_PER_ACCOUNT": "5/3600", "TERTULIA_RATE_MESSAGES_PER_IP": " 1000 "},
    ) == {"login_per_account": (5, 3600), "messages_per_ip": (1000, 60)}
    for wrong in ("0", "ten", "5/0", "-1/60", "5/"):
        with pytest.raises(ImproperlyConfigured, match="TERTULIA_RATE_MESSAGES_PER_IP"):
            _rate_limits(defaults, {"TERTULIA_RATE_MESSAGES_PER_IP": wrong})
