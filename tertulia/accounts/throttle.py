"""Login throttling: a limited number of failed tries per account and IP address."""

import hashlib
import math
import time

from django.conf import settings
from django.core.cache import cache


def _key(email: str, ip: str) -> str:
    digest = hashlib.sha256(f"{email.strip().lower()}|{ip}".encode()).hexdigest()
    return f"login-fail:{digest}"


def seconds_locked(*, email: str, ip: str) -> int:
    """Seconds until this account may be tried again from this IP; 0 when not locked."""
    failures = cache.get(_key(email, ip)) or []
    window_start = time.time() - settings.LOGIN_WINDOW_SECONDS
    recent = [t for t in failures if t > window_start]
    if len(recent) < settings.LOGIN_MAX_ATTEMPTS:
        return 0
    return max(1, math.ceil(recent[0] - window_start))


def record_failure(*, email: str, ip: str) -> None:
    """Remember one failed try."""
    key = _key(email, ip)
    window_start = time.time() - settings.LOGIN_WINDOW_SECONDS
    failures = [t for t in (cache.get(key) or []) if t > window_start]
    failures.append(time.time())
    cache.set(key, failures[-settings.LOGIN_MAX_ATTEMPTS :], settings.LOGIN_WINDOW_SECONDS)


def clear(*, email: str, ip: str) -> None:
    """Forget the failures after a successful login."""
    cache.delete(_key(email, ip))
