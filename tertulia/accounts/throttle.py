"""Login throttling over the one limiter (core/ratelimit.py): failed tries per account and IP
address (`login_per_account`), and per IP address whatever the accounts (`login_per_ip`), so one
address trying a password against many accounts is stopped too.

A try is counted before the password is checked (atomically, so concurrent guesses cannot all
slip past the check) and given back when the password was right: only failures count.
"""

from tertulia.core import ratelimit

PER_ACCOUNT = "login_per_account"
PER_IP = "login_per_ip"


def _limits(email: str, ip: str) -> tuple[tuple[str, str], ...]:
    return ((PER_ACCOUNT, f"{email.strip().lower()}|{ip}"), (PER_IP, ip))


def begin(*, email: str, ip: str) -> int:
    """Count one try; 0 when it may go ahead, else the seconds to wait (and nothing is counted)."""
    limits = _limits(email, ip)
    waits = [ratelimit.hit(name, key) for name, key in limits]
    if any(waits):
        for name, key in limits:
            ratelimit.undo(name, key)
    return max(waits)


def succeeded(*, email: str, ip: str) -> None:
    """The password was right: forget this account's failures from this IP, and give the IP its
    try back (its failures on other accounts still count)."""
    ratelimit.clear(PER_ACCOUNT, _limits(email, ip)[0][1])
    ratelimit.undo(PER_IP, ip)
