"""Newsroom settings, read from the environment.

Defaults are safe for development; every variable is listed with its default
in the README's settings table.
"""

import re
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from newsroom.release import code_release

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A checkout's own .env (written by `make run`) holds its secret key; variables
# already in the environment win over it.
if (BASE_DIR / ".env").is_file():
    env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY is not set. Set it in the environment (or run `make run`, "
        "which writes a random one to .env)."
    )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    # Search on PostgreSQL; harmless on SQLite, where search uses FTS5.
    "django.contrib.postgres",
    "django.contrib.sitemaps",
    "django_filters",
    "django_countries",
    "simple_history",
    "axes",
    "articles",
    # After articles, whose `db_worker` command wraps this app's.
    "django_tasks_db",
]

MIDDLEWARE = [
    # Outermost, so that every response forbids framing: static files, which
    # whitenoise answers before the rest, and the 400 for a host not allowed,
    # which SecurityMiddleware's redirect or CommonMiddleware raises.
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A query string with too many fields, a body too large for its address:
    # an answer that says so, before anything reads them.
    "newsroom.request_limits.RequestLimitsMiddleware",
    # ETags on responses, and 304 Not Modified for a revisit that has them.
    "django.middleware.http.ConditionalGetMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Records who made each change that history keeps.
    "simple_history.middleware.HistoryRequestMiddleware",
    # Turns a refused login into the lockout page; last, as django-axes asks.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "newsroom.urls"
WSGI_APPLICATION = "newsroom.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                # csp_nonce, for the inline <style>s of the admin and Django's
                # CSRF failure page (see SECURE_CSP).
                "django.template.context_processors.csp",
            ],
        },
    },
]

# SQLite in the project by default; PostgreSQL (or any database Django knows)
# when DATABASE_URL says so.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            # WAL lets readers go on while one writer writes; IMMEDIATE makes a
            # writer wait for the lock up front instead of failing mid-transaction.
            # Reads go through a memory map of the file (shared by every process)
            # and a page cache of 64 MB a connection.
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                "PRAGMA mmap_size=1073741824; PRAGMA cache_size=-65536;"
            ),
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
    # Each thread of each worker keeps its connection (Django's connections
    # are a thread's own), and with it its warm page cache.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
elif env.int("DATABASE_POOL_SIZE", default=0):
    # psycopg's pool, shared by a process's threads (it should have as many
    # connections as there are threads). Pooled connections are not also
    # kept by Django.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1,
        "max_size": env.int("DATABASE_POOL_SIZE"),
        "timeout": 10,
    }
else:
    # Each of gunicorn's threads serves one request at a time: one persistent
    # connection a thread is their pool.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A search's matches are found as a bitmap of the two search indexes. In
    # PostgreSQL's default 4 MB, the bitmap of a common word at a million
    # articles is lossy, and every article on a lossy page has its search
    # vector read again to check it: each of the search's counts took
    # seconds. In 64 MB it is exact, and they take a tenth of that.
    work_mem = env.str("DATABASE_WORK_MEM", default="64MB")
    if not re.fullmatch(r"[1-9][0-9]*(kB|MB|GB)", work_mem):
        raise ImproperlyConfigured(
            "DATABASE_WORK_MEM is an amount of memory such as 64MB (in kB, MB or GB), "
            f"not {work_mem!r}"
        )
    options = DATABASES["default"].setdefault("OPTIONS", {})
    # Two things PostgreSQL starts for a query it prices high (a cold list's
    # or article's at a million) cost a page more than they saved: compiling
    # it (30 ms of an article page's 100), and parallel workers, which take
    # the cores that the other app processes serve pages on (an article page
    # under load: 8 a second with them, 25 without). Both off, unless
    # DATABASE_URL's own options, which come after and are kept, say
    # otherwise; work_mem last.
    defaults = "-c jit=off -c max_parallel_workers_per_gather=0"
    given = options.get("options", "")
    options["options"] = " ".join(filter(None, [defaults, given, f"-c work_mem={work_mem}"]))

# The code's release, in every cache key: a deploy never serves the pages of
# the code before it, even from a Redis that both share. By default a digest
# of the templates, static files and Python code (newsroom/release.py).
RELEASE = env.str("RELEASE", default="") or code_release(BASE_DIR)
# Local memory (one cache a process) by default; Redis, shared by every
# process, when REDIS_URL is set. Either way the data state, which says what
# is current, is kept in the database (articles/caching.py).
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "newsroom.redis_cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": f"{env.str('CACHE_KEY_PREFIX', default='newsroom')}:{RELEASE}",
            "OPTIONS": {
                # Short: a Redis that hangs costs a request this, and then is
                # left alone for a while (newsroom/redis_cache.py).
                "socket_connect_timeout": 0.5,
                "socket_timeout": 0.5,
                # Read by every public request (articles/caching.py).
                "LEASED_KEYS": ["data-state"],
            },
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "newsroom",
            "KEY_PREFIX": RELEASE,
            "OPTIONS": {"MAX_ENTRIES": 5000},
        }
    }
# What is kept under a data version (pages, counts, fragments): with Redis,
# a copy in each process too (articles/versioned_cache.py).
CACHES["versioned"] = {
    "BACKEND": "articles.versioned_cache.VersionedCache",
    "OPTIONS": {"SHARED": "default", "MAX_ENTRIES": 2000},
}
# Seconds a public page or a count may be kept; a change to the data makes
# them stale at once whatever this says (articles/caching.py).
CACHE_TTL = env.int("CACHE_TTL", default=600)
# Seconds the default cache keeps a copy of the data state: the longest a
# change can take to show in another process when the cache does not share
# it (local memory) or failed when it was written.
CACHE_STATE_TTL = env.int("CACHE_STATE_TTL", default=2)
# Anonymous pages from the cache; counts, facets and charts memoised.
CACHE_PAGES = env.bool("CACHE_PAGES", default=True)
CACHE_AGGREGATES = env.bool("CACHE_AGGREGATES", default=True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Argon2 for new passwords; a password stored with another hasher still works
# and is hashed again with Argon2 at its next login.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Logins: django-axes counts failures and refuses a username from an address
# after 5 of them, for 30 minutes (templates/axes/lockout.html says so), with
# status 429. The lock is per username and address together: someone guessing
# cannot lock an editor out from everywhere. A login that succeeds clears the
# count; an editor lifts a lock in the admin (Axes > Access attempts).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=30)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "axes/lockout.html"
AXES_HTTP_RESPONSE_CODE = 429
# Every failure kept for the admin, not only the running count.
AXES_ENABLE_ACCESS_FAILURE_LOG = True
# The client's address: the connection's own, unless the app is reached
# through this many reverse proxies, each adding to X-Forwarded-For the
# address it was reached from; the client's is then the one the outermost
# proxy added (newsroom/client_ip.py). Left at 0, X-Forwarded-For is ignored,
# since anyone can send it.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT is a number of proxies: 0 or more")
AXES_CLIENT_IP_CALLABLE = "newsroom.client_ip.client_ip_address"

LANGUAGE_CODE = "en"
TIME_ZONE = env.str("TIME_ZONE", default="America/Toronto")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Background jobs: django.tasks with a queue in the database, so the default
# set-up needs no broker; `manage.py db_worker` runs them.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

# Bringing coverage in (articles/services/fetch.py). Private, loopback and
# link-local addresses are refused unless this is on: only tests and local
# benchmarks, whose pages are served from this machine, turn it on.
IMPORT_ALLOW_PRIVATE_ADDRESSES = env.bool("IMPORT_ALLOW_PRIVATE_ADDRESSES", default=False)
IMPORT_TIMEOUT = env.float("IMPORT_TIMEOUT", default=20.0)
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=5_000_000)
# A pasted page is held to that same limit, by the import form, which says so.
# The form posts multipart, where a field counts its UTF-8 bytes, and its
# textarea lets a browser send IMPORT_MAX_BYTES characters of up to three bytes
# each: the request may be that large, so that any paste reaches the form.
# Every other address keeps Django's default (newsroom/request_limits.py).
DATA_UPLOAD_MAX_MEMORY_SIZE = 3 * IMPORT_MAX_BYTES + 64 * 1024
IMPORT_MAX_REDIRECTS = env.int("IMPORT_MAX_REDIRECTS", default=5)
# Seconds a running import may take before anyone may take its worker for
# stopped and mark it failed: well over IMPORT_TIMEOUT and an extraction.
IMPORT_LEASE = env.int("IMPORT_LEASE", default=300)
if IMPORT_LEASE < 1:
    raise ImproperlyConfigured("IMPORT_LEASE is a number of seconds: 1 or more")
IMPORT_USER_AGENT = env.str(
    "IMPORT_USER_AGENT",
    default="NewsroomBot/0.1 (news clipping for editors; fetches one page when asked)",
)

# HTTPS. On by default whenever DEBUG is off, so production is secure unless
# told otherwise; each can be turned off by the environment for a deployment
# served over plain http (`make serve` on 127.0.0.1, a local benchmark).
# Redirect every http request to https, but for the health check, which a
# load balancer or a proxy on the same machine may ask over plain http.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# Session and CSRF cookies only over https (over plain http, browsers keep them
# for localhost alone, and scripts and other clients not at all).
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=not DEBUG)
SESSION_COOKIE_HTTPONLY = True
# HSTS: browsers that saw the site over https refuse plain http for this long.
# Browsers ignore the header on plain http, and Django sends it only on https.
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
# Behind a proxy that terminates TLS, the header by which it says the client
# used https, as Django names it: "HTTP_X_FORWARDED_PROTO,https". Only when
# the proxy always sets that header and nothing reaches the app around it.
_proxy_ssl_header = env.list("SECURE_PROXY_SSL_HEADER", default=[])
if _proxy_ssl_header and len(_proxy_ssl_header) != 2:
    raise ImproperlyConfigured(
        "SECURE_PROXY_SSL_HEADER is a header and a value, e.g. HTTP_X_FORWARDED_PROTO,https"
    )
SECURE_PROXY_SSL_HEADER = tuple(_proxy_ssl_header) or None
SECURE_CONTENT_TYPE_NOSNIFF = True
# Other sites (the outlets we link to) learn only that a reader came from this
# site, never the page, whose query string may hold a search; nothing at all
# goes from https to http.
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy on every response: scripts, styles and everything
# else from this site only, no inline script or style. Django's few inline
# <style>s (a change list without actions, the CSRF failure page) carry a
# nonce, which the `csp` context processor gives templates as csp_nonce; it is
# in the header only on pages that used it. Article bodies may show the
# outlets' images, hence https: images.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "https:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}
