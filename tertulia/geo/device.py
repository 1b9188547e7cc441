"""User agent -> browser with its version, operating system and device type (ua-parser)."""

import re
from dataclasses import dataclass
from functools import lru_cache

import ua_parser

FIELD_MAX = 80
# Cubot is a phone maker ("CUBOT X30"), not a robot.
BOT_MARKERS = re.compile(
    r"(?<!cu)bot\b|crawl|spider|slurp|facebookexternalhit|curl/|wget/|python-requests|httpx"
    r"|go-http-client|okhttp|java/",
    re.IGNORECASE,
)
TABLET_MARKERS = re.compile(r"ipad|tablet|kindle|silk/|playbook|sm-t\d", re.IGNORECASE)
MOBILE_MARKERS = re.compile(
    r"iphone|ipod|mobile|windows phone|blackberry|opera mini", re.IGNORECASE
)
OS_NAMES = {"Mac OS X": "macOS"}


@dataclass(frozen=True)
class Device:
    browser: str  # "Chrome 131", "Safari 17.5"
    os: str  # "Windows 10", "iOS 17.5", "Android 14"
    device_type: str  # "desktop", "mobile", "tablet", "bot", or "" when not known


def _named(family: str | None, *version: str | None) -> str:
    if not family or family == "Other":
        return ""
    numbers = [part for part in version if part]
    return " ".join([family, ".".join(numbers)] if numbers else [family])[:FIELD_MAX]


def _device_type(user_agent: str, result: ua_parser.Result) -> str:
    device = result.device.family if result.device else ""
    if device == "Spider" or BOT_MARKERS.search(user_agent):
        return "bot"
    if TABLET_MARKERS.search(user_agent) or (
        "Android" in user_agent and "Mobile" not in user_agent
    ):
        return "tablet"
    if MOBILE_MARKERS.search(user_agent):
        return "mobile"
    os_family = result.os.family if result.os else ""
    if os_family in ("Windows", "Mac OS X", "Linux", "Ubuntu", "Fedora", "Chrome OS", "FreeBSD"):
        return "desktop"
    return "desktop" if "Mozilla/5.0" in user_agent and os_family not in ("", "Other") else ""


@lru_cache(maxsize=1024)
def parse_device(user_agent: str) -> Device:
    """What a user-agent string says; empty fields for what it does not (never raises)."""
    user_agent = (user_agent or "").strip()
    if not user_agent:
        return Device("", "", "")
    result = ua_parser.parse(user_agent)
    browser, os = result.user_agent, result.os
    # Safari-like browsers are known by major.minor ("Safari 17.5"); others by their major.
    minor = browser.minor if browser and "Safari" in browser.family else None
    return Device(
        browser=_named(browser.family, browser.major, minor) if browser else "",
        os=_named(OS_NAMES.get(os.family, os.family), os.major, os.minor) if os else "",
        device_type=_device_type(user_agent, result),
    )
