import pytest
from django.contrib.auth.hashers import identify_hasher
from django.test import Client, override_settings
from django.urls import reverse

from tests.conftest import PASSWORD

LOGIN = reverse("accounts:login")


def test_login_with_email_and_password(owner):
    client = Client()
    response = client.post(LOGIN, {"username": "OWNER@acme.test", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("visitors:list")
    assert client.get(reverse("visitors:list")).status_code == 200


def test_wrong_password_is_a_clear_error(owner):
    response = Client().post(LOGIN, {"username": "owner@acme.test", "password": "nope"})
    assert response.status_code == 200
    assert "That e-mail and password do not match an account." in response.content.decode()


def test_throttled_after_ten_failures_for_that_account_and_ip(owner):
    client = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(10):
        assert (
            client.post(LOGIN, {"username": "owner@acme.test", "password": "bad"}).status_code
            == 200
        )
    response = client.post(LOGIN, {"username": "owner@acme.test", "password": PASSWORD})
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "Too many failed attempts. Try again in 15 minutes." in response.content.decode()
    # Another IP, or another account from this IP, is not locked out.
    other_ip = Client(REMOTE_ADDR="203.0.113.10")
    assert (
        other_ip.post(LOGIN, {"username": "owner@acme.test", "password": PASSWORD}).status_code
        == 302
    )
    assert client.post(LOGIN, {"username": "someone@acme.test", "password": "x"}).status_code == 200


def test_success_clears_earlier_failures(owner):
    client = Client(REMOTE_ADDR="203.0.113.20")
    for _ in range(9):
        client.post(LOGIN, {"username": "owner@acme.test", "password": "bad"})
    assert (
        client.post(LOGIN, {"username": "owner@acme.test", "password": PASSWORD}).status_code == 302
    )
    client.logout()
    for _ in range(9):
        client.post(LOGIN, {"username": "owner@acme.test", "password": "bad"})
    assert (
        client.post(LOGIN, {"username": "owner@acme.test", "password": PASSWORD}).status_code == 302
    )


def test_one_ip_trying_many_accounts_is_throttled_across_accounts(owner, settings):
    """One address trying a password on many accounts: after `login_per_ip` failures, whatever
    the accounts, every try from it is refused with 429, the right password included."""
    failures, window = settings.RATE_LIMITS["login_per_ip"]
    assert failures > settings.RATE_LIMITS["login_per_account"][0]
    client = Client(REMOTE_ADDR="198.51.100.7")
    for n in range(failures):
        response = client.post(LOGIN, {"username": f"user{n}@acme.test", "password": "Summer2026"})
        assert response.status_code == 200
    response = client.post(LOGIN, {"username": "fresh@acme.test", "password": "Summer2026"})
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= window
    assert "Too many failed attempts. Try again in 15 minutes." in response.content.decode()
    response = client.post(LOGIN, {"username": "owner@acme.test", "password": PASSWORD})
    assert response.status_code == 429
    # Other addresses are not locked out.
    other_ip = Client(REMOTE_ADDR="198.51.100.8")
    assert (
        other_ip.post(LOGIN, {"username": "owner@acme.test", "password": PASSWORD}).status_code
        == 302
    )


def test_logins_that_succeed_do_not_count_against_the_ip(owner, settings):
    """An office behind one address: members who log in are not counted, failures are."""
    failures, _window = settings.RATE_LIMITS["login_per_ip"]
    client = Client(REMOTE_ADDR="198.51.100.9")
    for _ in range(failures + 5):
        assert (
            client.post(LOGIN, {"username": "owner@acme.test", "password": PASSWORD}).status_code
            == 302
        )
        client.logout()
    for n in range(failures - 1):
        client.post(LOGIN, {"username": f"user{n}@acme.test", "password": "typo"})
    assert (
        client.post(LOGIN, {"username": "owner@acme.test", "password": PASSWORD}).status_code == 302
    )


def test_a_form_without_a_password_is_not_a_try(owner, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login_per_ip": (2, 900)}
    client = Client(REMOTE_ADDR="198.51.100.10")
    for _ in range(5):
        assert client.post(LOGIN, {"username": "owner@acme.test"}).status_code == 200
        assert (
            client.post(LOGIN, {"username": "not an address", "password": "x"}).status_code == 200
        )
    assert (
        client.post(LOGIN, {"username": "owner@acme.test", "password": PASSWORD}).status_code == 302
    )


@override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.Argon2PasswordHasher"])
def test_passwords_are_hashed_with_argon2(db):
    from tertulia.accounts.models import User

    user = User.objects.create_user("argon@acme.test", "correct horse battery")
    assert identify_hasher(user.password).algorithm == "argon2"
    assert user.check_password("correct horse battery")


def test_logout_is_a_post(owner_client):
    assert owner_client.get(reverse("accounts:logout")).status_code == 405
    assert owner_client.post(reverse("accounts:logout")).status_code == 302
    assert owner_client.get(reverse("visitors:list")).status_code == 302


def test_user_without_workspace_is_refused(db):
    from tertulia.accounts.models import User

    client = Client()
    client.force_login(User.objects.create_user("loner@x.test", PASSWORD))
    assert client.get(reverse("visitors:list")).status_code == 403


@pytest.mark.parametrize("zone", ["Mars/Olympus", ""])
def test_unknown_time_zone_is_rejected(db, zone):
    from django.core.exceptions import ValidationError

    from tertulia.accounts.models import User

    user = User(email="tz@x.test", timezone=zone)
    with pytest.raises(ValidationError):
        user.full_clean()


def test_member_sets_language_and_time_zone(owner_client, owner):
    url = reverse("accounts:profile")
    assert owner_client.get(url).status_code == 200
    response = owner_client.post(
        url, {"name": "Olga", "language": "es", "timezone": "America/Mexico_City"}
    )
    assert response.status_code == 302
    owner.user.refresh_from_db()
    assert (owner.user.language, owner.user.timezone) == ("es", "America/Mexico_City")
    html = owner_client.get(url).content.decode()
    assert '<html lang="es">' in html


def test_profile_rejects_unknown_values(owner_client, owner):
    response = owner_client.post(
        reverse("accounts:profile"), {"name": "x", "language": "klingon", "timezone": "Mars/Base"}
    )
    assert response.status_code == 200
    assert response.content.decode().count('class="field__error"') == 2
    owner.user.refresh_from_db()
    assert owner.user.language == ""
