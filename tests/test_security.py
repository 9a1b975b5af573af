"""Production settings pass Django's deployment checks; every response carries
the security headers; passwords are hashed with Argon2 and weak ones refused."""

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client, override_settings

import newsroom.settings
from tests.factories import ArticleFactory, UserFactory

ROOT = Path(__file__).resolve().parent.parent

# What a production deployment sets: nothing else, so every other setting is
# at its default. (A checkout's .env adds only what the environment lacks.)
PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "news.example.org",
}


POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={
            "PATH": os.environ["PATH"],
            "DJANGO_SETTINGS_MODULE": "newsroom.settings",
            **PRODUCTION_ENV,
            **env,
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def production_settings(*names: str, **env: str) -> dict:
    """Settings as a production process reads them from its environment."""
    code = (
        "import json; from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n) for n in {list(names)!r}}}, default=str))"
    )
    result = manage("shell", "--no-imports", "-c", code, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def test_production_settings_pass_the_deployment_checks():
    result = manage("check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_plain_http_switches_turn_off_exactly_the_https_settings():
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING", SECURE_SSL_REDIRECT="0", SECURE_COOKIES="0"
    )
    assert result.returncode == 1
    warnings = set(re.findall(r"\(security\.(W\d+)\)", result.stderr))
    # The redirect to https, the secure session cookie, the secure CSRF cookie.
    assert warnings == {"W008", "W012", "W016"}


def test_production_defaults():
    values = production_settings(
        "SECURE_SSL_REDIRECT",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
        "SECURE_PROXY_SSL_HEADER",
    )
    assert values == {
        "SECURE_SSL_REDIRECT": True,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SECURE_HSTS_SECONDS": 31_536_000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": True,
        "SECURE_PROXY_SSL_HEADER": None,
    }


@pytest.mark.django_db
@override_settings(SECURE_SSL_REDIRECT=True)
def test_http_is_redirected_to_https_but_for_the_health_check(client):
    response = client.get("/tags/")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/tags/"
    assert client.get("/healthz").status_code == 200


def test_development_serves_plain_http():
    values = production_settings(
        "SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "SECURE_HSTS_SECONDS", DEBUG="1"
    )
    assert values == {
        "SECURE_SSL_REDIRECT": False,
        "SESSION_COOKIE_SECURE": False,
        "SECURE_HSTS_SECONDS": 0,
    }


def test_the_environment_sets_the_proxy_header_and_hsts():
    values = production_settings(
        "SECURE_PROXY_SSL_HEADER",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_PRELOAD",
        SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO,https",
        SECURE_HSTS_SECONDS="3600",
        SECURE_HSTS_PRELOAD="0",
    )
    assert values == {
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "SECURE_HSTS_SECONDS": 3600,
        "SECURE_HSTS_PRELOAD": False,
    }


def test_a_malformed_proxy_header_is_refused():
    result = manage("check", SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO")
    assert result.returncode != 0
    assert "SECURE_PROXY_SSL_HEADER is a header and a value" in result.stderr


def test_x_forwarded_for_is_trusted_only_behind_the_proxies_the_environment_names():
    assert production_settings("TRUSTED_PROXY_COUNT") == {"TRUSTED_PROXY_COUNT": 0}
    assert production_settings("TRUSTED_PROXY_COUNT", TRUSTED_PROXY_COUNT="2") == {
        "TRUSTED_PROXY_COUNT": 2
    }
    result = manage("check", TRUSTED_PROXY_COUNT="-1")
    assert result.returncode != 0
    assert "TRUSTED_PROXY_COUNT is a number of proxies" in result.stderr


@pytest.mark.django_db
def test_pages_carry_the_security_headers(client):
    article = ArticleFactory()
    for path in ["/", article.get_absolute_url(), "/tags/", "/sources/", "/no-such-page/"]:
        response = client.get(path, secure=True)
        assert response["Content-Security-Policy"] == POLICY, path
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert (
            response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
        )


@pytest.mark.django_db
def test_the_admin_gets_a_nonce_for_its_styles_only(client):
    response = client.get("/admin/login/")
    policy = response["Content-Security-Policy"]
    nonce = re.search(r"style-src 'self' 'nonce-([\w-]+)'", policy).group(1)
    assert f'nonce="{nonce}"' in response.text
    assert "script-src 'self';" in policy
    # A fresh one each response.
    assert nonce not in client.get("/admin/login/")["Content-Security-Policy"]


# The suite hashes with MD5 for speed (tests/settings.py); these tests use the
# hashers production has.
production_hashers = override_settings(PASSWORD_HASHERS=newsroom.settings.PASSWORD_HASHERS)


@pytest.mark.django_db
@production_hashers
def test_a_new_password_is_stored_with_argon2():
    user = UserFactory(password="a long and unusual passphrase")
    assert user.password.startswith("argon2$argon2id$")
    assert user.check_password("a long and unusual passphrase")


@pytest.mark.django_db
@production_hashers
def test_an_older_pbkdf2_hash_becomes_argon2_at_the_next_login(client):
    user = UserFactory(is_staff=True)
    user.password = make_password("an older passphrase", hasher="pbkdf2_sha256")
    user.save()

    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": user.username, "password": "an older passphrase"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$")
    assert user.check_password("an older passphrase")


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short1!", "This password is too short. It must contain at least 8 characters."),
        ("password123", "This password is too common."),
        ("40217385916", "This password is entirely numeric."),
        ("user-somebody", "The password is too similar to the username."),
    ],
)
def test_weak_passwords_are_refused(password, message):
    with pytest.raises(ValidationError) as refused:
        validate_password(password, user=User(username="user-somebody"))
    assert message in refused.value.messages


@pytest.mark.django_db
def test_the_admin_refuses_a_weak_password_for_a_new_account(admin_client):
    response = admin_client.post(
        "/admin/auth/user/add/",
        {
            "username": "newcomer",
            "usable_password": "true",
            "password1": "password123",
            "password2": "password123",
        },
    )
    assert response.status_code == 200
    assert "This password is too common." in response.text
    assert not User.objects.filter(username="newcomer").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/articles/no-such-story/", "/tags/?page=x"])
def test_a_host_not_allowed_gets_the_400_page_not_a_500(path):
    """The error page must not ask the request for the host it was refused for."""
    client = Client(raise_request_exception=False)
    response = client.get(path, headers={"host": "attacker.example"})
    assert response.status_code == 400
    assert "That request could not be understood" in response.text
    assert "attacker.example" not in response.text


FRAME_ANCESTORS = "frame-ancestors 'none'"


@pytest.mark.django_db
@override_settings(WHITENOISE_USE_FINDERS=True, WHITENOISE_AUTOREFRESH=True)
@pytest.mark.parametrize(
    ("path", "host", "status"),
    [
        ("/static/css/site.css", "testserver", 200),
        ("/no-such-page/", "testserver", 404),
        ("/", "attacker.example", 400),
        ("/tags/", "attacker.example", 400),
    ],
)
@pytest.mark.parametrize("secure", [True, False])
def test_no_response_may_be_framed(path, host, status, secure):
    """Static files answer before most middleware, and a refused host before
    the view: both must still forbid framing, as every page does."""
    client = Client(raise_request_exception=False)
    response = client.get(path, headers={"host": host}, secure=secure)
    assert response.status_code == status
    assert response["X-Frame-Options"] == "DENY"
    assert FRAME_ANCESTORS in response["Content-Security-Policy"]


@pytest.mark.django_db
@override_settings(SECURE_SSL_REDIRECT=True)
def test_a_refused_host_over_plain_http_may_not_be_framed_either():
    """Where the redirect to https is the first to ask for the host."""
    response = Client(raise_request_exception=False).get("/", headers={"host": "attacker.example"})
    assert response.status_code == 400
    assert response["X-Frame-Options"] == "DENY"
    assert FRAME_ANCESTORS in response["Content-Security-Policy"]
