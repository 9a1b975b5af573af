import os

# A fixed key so tests need no .env; never used outside tests.
os.environ.setdefault("SECRET_KEY", "tests-only-not-secret")
# The test client and the live server speak plain http, like `make serve` on
# 127.0.0.1: no redirect to https, cookies that work without it. Production's
# defaults are proved by tests/test_security.py, with `check --deploy`.
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("SECURE_COOKIES", "0")

from newsroom.settings import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "versioned": {"BACKEND": "articles.versioned_cache.VersionedCache"},
}
# The suite's own Redis database, for the tests that run app servers on Redis.
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Tests serve static files through the finders; nothing is collected.
STATIC_ROOT = None

# Tasks run inline unless a test says otherwise; "database" is the real
# queue, for the tests that run the worker.
TASKS = {
    "default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"},
    "database": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]},
}
# Import tests serve their pages from a local HTTP server, which the import's
# address checks refuse everywhere else.
IMPORT_ALLOW_PRIVATE_ADDRESSES = True
IMPORT_TIMEOUT = 2.0
