"""User agent -> device, on real user-agent strings."""

import pytest

from tertulia.geo.device import Device, parse_device

USER_AGENTS = [
    # Desktop browsers
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
        ("Chrome 131", "Windows 10", "desktop"),
    ),
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.86",
        ("Edge 131", "Windows 10", "desktop"),
    ),
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
        ("Firefox 133", "Windows 10", "desktop"),
    ),
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 OPR/115.0.0.0",
        ("Opera 115", "Windows 10", "desktop"),
    ),
    (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
        ("Safari 17.5", "macOS 10.15", "desktop"),
    ),
    (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
        ("Chrome 131", "macOS 10.15", "desktop"),
    ),
    (
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
        ("Chrome 131", "Linux", "desktop"),
    ),
    (
        "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
        ("Firefox 133", "Ubuntu", "desktop"),
    ),
    (
        "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
        ("Chrome 131", "Chrome OS 14541.0", "desktop"),
    ),
    # Our own browser tests: headless is still a desktop browser
    (
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.6778.33 Safari/537.36",
        ("HeadlessChrome 131", "Linux", "desktop"),
    ),
    # Phones
    (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
        ("Mobile Safari 17.5", "iOS 17.5", "mobile"),
    ),
    (
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.81 Mobile Safari/537.36",
        ("Chrome Mobile 131", "Android 14", "mobile"),
    ),
    (
        "Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36",
        ("Samsung Internet 26", "Android 14", "mobile"),
    ),
    (
        "Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0",
        ("Firefox Mobile 133", "Android 14", "mobile"),
    ),
    (  # a phone maker's name is not a robot's
        "Mozilla/5.0 (Linux; Android 10; CUBOT X30) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/88.0.4324.181 Mobile Safari/537.36",
        ("Chrome Mobile 88", "Android 10", "mobile"),
    ),
    # Tablets
    (
        "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
        ("Mobile Safari 17.5", "iOS 17.5", "tablet"),
    ),
    (
        "Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
        ("Chrome 131", "Android 13", "tablet"),
    ),
    (
        "Mozilla/5.0 (Linux; Android 9; KFTRWI) AppleWebKit/537.36 (KHTML, like Gecko) Silk/131.2.1 like Chrome/131.0.6778.135 Safari/537.36",
        ("Amazon Silk 131", "Android 9", "tablet"),
    ),
    (
        "Mozilla/5.0 (Android 14; Tablet; rv:133.0) Gecko/133.0 Firefox/133.0",
        ("Firefox Mobile 133", "Android 14", "tablet"),
    ),
    # Robots and scripts
    (
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        ("Googlebot 2", "", "bot"),
    ),
    (
        "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; Googlebot/2.1; +http://www.google.com/bot.html) Chrome/131.0.6778.69 Safari/537.36",
        ("Googlebot 2", "", "bot"),
    ),
    (
        "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
        ("bingbot 2", "", "bot"),
    ),
    ("curl/8.5.0", ("curl 8", "", "bot")),
    ("python-requests/2.32.3", ("Python Requests 2", "", "bot")),
    # Nothing to go on
    ("", ("", "", "")),
    ("}{ <script>alert(1)</script> ☃", ("", "", "")),
]


@pytest.mark.parametrize(("user_agent", "expected"), USER_AGENTS)
def test_user_agents(user_agent, expected):
    assert parse_device(user_agent) == Device(*expected)


def test_long_strings_are_clipped():
    device = parse_device("Mozilla/5.0 (Windows NT 10.0) " + "Firefox/133.0 " + "x" * 5000)
    assert len(device.browser) <= 80 and len(device.os) <= 80
