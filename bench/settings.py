"""The production settings, plus the benchmark's ceiling view (bench/urls.py).

The app itself has no benchmark-only URL: it is added here, for `bench/run.py`.
"""

from newsroom.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"

# Production settings, measured over plain http on loopback: no redirect to https.
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = False
