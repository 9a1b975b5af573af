"""Failed logins lock a username from an address (django-axes), editors lift
the lock in the admin, and the client's address cannot be forged."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.contrib.auth.models import Group
from django.db.models import F
from django.test import RequestFactory, override_settings

from newsroom.client_ip import client_ip_address
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LOGIN_URL = "/admin/login/?next=/admin/"
PASSWORD = "newsroom-editor"


def log_in(client, username="editor", password=PASSWORD, **headers):
    return client.post(LOGIN_URL, {"username": username, "password": password}, **headers)


def fail(client, times, username="editor", **headers) -> list[int]:
    """Log in with a wrong password `times` times; the status of each answer."""
    statuses = []
    for _ in range(times):
        response = log_in(client, username, "not the password", **headers)
        if response.status_code == 200:
            assert "Please enter the correct username and password" in response.text
        statuses.append(response.status_code)
    return statuses


def logged_in(response) -> bool:
    return response.status_code == 302 and response.url == "/admin/"


def assert_locked(response):
    assert response.status_code == 429
    # The admin's login page was rendered; the lockout page replaced it.
    assert {"axes/lockout.html", "base.html"} <= {t.name for t in response.templates}
    assert "Username:" not in response.text
    assert "Login locked for 30 minutes" in response.text
    assert "ask an editor or an administrator to lift the lock" in response.text


def test_five_failures_lock_the_username_from_that_address(client, editor):
    # The fifth failure is answered with the lockout page already.
    assert fail(client, 5) == [200, 200, 200, 200, 429]
    response = log_in(client)
    assert_locked(response)
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302
    assert AccessFailureLog.objects.filter(username="editor").count() == 6


def test_four_failures_do_not_lock_and_a_success_clears_them(client, editor):
    assert fail(client, 4) == [200] * 4
    assert logged_in(log_in(client))
    assert not AccessAttempt.objects.exists()
    client.logout()
    assert fail(client, 4) == [200] * 4
    assert logged_in(log_in(client))


def test_the_lock_lifts_itself_30_minutes_after_the_last_try(client, editor):
    assert fail(client, 5)[-1] == 429
    attempt = AccessAttempt.objects.get()
    AccessAttempt.objects.update(attempt_time=attempt.attempt_time - timedelta(minutes=29))
    # A try while locked starts the 30 minutes again.
    assert_locked(log_in(client))
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=29))
    assert_locked(log_in(client))
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=31))
    assert logged_in(log_in(client))


def test_the_lock_holds_for_that_username_and_address_only(client, editor):
    UserFactory(username="colleague", password=PASSWORD, is_staff=True)
    fail(client, 5)
    assert_locked(log_in(client))
    assert logged_in(log_in(client, REMOTE_ADDR="192.0.2.44"))
    client.logout()
    assert logged_in(log_in(client, "colleague"))


def test_a_forged_forwarded_for_does_not_dodge_the_lock(client, editor):
    statuses = [fail(client, 1, HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")[0] for n in range(5)]
    assert statuses == [200, 200, 200, 200, 429]
    assert_locked(log_in(client, HTTP_X_FORWARDED_FOR="198.51.100.99"))
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"127.0.0.1"}


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_a_trusted_proxy_the_forwarded_address_counts(client, editor):
    proxy = {"REMOTE_ADDR": "10.0.0.5"}
    # The client forged the first entry; the proxy appended the real one.
    fail(client, 5, HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.7", **proxy)
    assert_locked(log_in(client, HTTP_X_FORWARDED_FOR="203.0.113.7", **proxy))
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.7"}
    # Another reader behind the same proxy is not locked out.
    assert logged_in(log_in(client, HTTP_X_FORWARDED_FOR="203.0.113.8", **proxy))


@pytest.mark.parametrize(
    ("count", "meta", "address"),
    [
        (0, {"REMOTE_ADDR": "192.0.2.1"}, "192.0.2.1"),
        (0, {"REMOTE_ADDR": "192.0.2.1", "HTTP_X_FORWARDED_FOR": "203.0.113.7"}, "192.0.2.1"),
        (1, {"REMOTE_ADDR": "10.0.0.5", "HTTP_X_FORWARDED_FOR": "203.0.113.7"}, "203.0.113.7"),
        (
            1,
            {"REMOTE_ADDR": "10.0.0.5", "HTTP_X_FORWARDED_FOR": "1.2.3.4, 203.0.113.7"},
            "203.0.113.7",
        ),
        (
            2,
            {"REMOTE_ADDR": "10.0.0.5", "HTTP_X_FORWARDED_FOR": "1.2.3.4,203.0.113.7, 10.0.0.9"},
            "203.0.113.7",
        ),
        (1, {"REMOTE_ADDR": "10.0.0.5", "HTTP_X_FORWARDED_FOR": "2001:db8::7"}, "2001:db8::7"),
        # Not through every proxy, or not an address: the connection's own.
        (2, {"REMOTE_ADDR": "10.0.0.5", "HTTP_X_FORWARDED_FOR": "203.0.113.7"}, "10.0.0.5"),
        (1, {"REMOTE_ADDR": "10.0.0.5"}, "10.0.0.5"),
        (1, {"REMOTE_ADDR": "10.0.0.5", "HTTP_X_FORWARDED_FOR": "unknown"}, "10.0.0.5"),
        (1, {"REMOTE_ADDR": "10.0.0.5", "HTTP_X_FORWARDED_FOR": "  , "}, "10.0.0.5"),
    ],
)
def test_client_ip_address(count, meta, address):
    request = RequestFactory().get("/", **meta)
    with override_settings(TRUSTED_PROXY_COUNT=count):
        assert client_ip_address(request) == address


def test_an_editor_sees_the_lock_in_the_admin_and_lifts_it(client, editor):
    fail(client, 5, username="writer")
    UserFactory(username="writer", password=PASSWORD, is_staff=True)
    assert_locked(log_in(client, "writer"))

    chief = UserFactory(username="chief", is_staff=True)
    chief.groups.add(Group.objects.get(name="Editors"))
    assert not chief.is_superuser
    client.force_login(chief)
    listing = client.get("/admin/axes/accessattempt/")
    assert listing.status_code == 200
    assert "writer" in listing.text
    assert "Locked Out" in listing.text
    assert client.get("/admin/axes/accessfailurelog/").status_code == 200
    attempt = AccessAttempt.objects.get(username="writer")
    response = client.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()
    client.logout()

    assert logged_in(log_in(client, "writer"))


def test_a_contributor_cannot_see_or_lift_locks(client):
    writer = UserFactory(username="cory", is_staff=True)
    writer.groups.add(Group.objects.get(name="Contributors"))
    client.force_login(writer)
    assert client.get("/admin/axes/accessattempt/").status_code == 403
