"""Django's Redis cache, with one redis-py client a connection pool, a
short-lived copy in each process of the few keys every request reads, and
Redis's failures read as misses.

A cache that fails must cost speed, never an error: every error of Redis is
logged and answered as a miss (a write is dropped), and Redis is then left
alone for OPTIONS["BACKOFF"] seconds (5 by default) in the whole process, so
that a Redis that hangs costs one request a socket timeout each time, not
every request. Nothing is lost by it: what a page is made from is in the
database, and the data state too (articles/caching.py).

Django's client makes a new `redis.Redis` for every call, and building one
(its table of response callbacks) cost more than the round trip itself: a
cached page, one read of the data state, spent 0.2 ms on it. A client is
safe to share between threads, so one is made for each pool and kept.

Every public request reads the copy of the data state (articles/caching.py;
the database holds the state), and with Redis that round trip was a third of
what a cached page cost. The keys named
in OPTIONS["LEASED_KEYS"] are read from Redis at most once a lease
(OPTIONS["LEASE"] seconds, 0.01 by default) in each process, and a write of
one returns only once the lease has run out. Whoever learns of a write from
its writer (the editor whose save returned, a process told by it) therefore
finds no copy older than the write anywhere: the copies made before it have
lapsed. Readers who have not heard of it may be served the old value for
at most a lease, as if they had asked a moment earlier.
"""

import logging
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisCacheClient
from django.utils.functional import cached_property
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# Servers (the LOCATION's) to leave alone until then (time.monotonic()):
# shared by the threads of a process, each of which has its own cache.
_resting: dict[tuple[str, ...], float] = {}


class RedisCacheClient(DjangoRedisCacheClient):
    def __init__(self, *args, leased: frozenset[str] = frozenset(), lease: float = 0.0, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}
        self._leased = leased
        self._lease = lease
        # key: (raw value or None, monotonic time the copy lapses)
        self._copies: dict[str, tuple[bytes | None, float]] = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client

    def get(self, key, default):
        if key not in self._leased:
            return super().get(key, default)
        # The lease runs from before the question: the answer may be that old.
        now = time.monotonic()
        copy = self._copies.get(key)
        if copy is not None and now < copy[1]:
            raw = copy[0]
        else:
            raw = self.get_client(key).get(key)
            self._copies[key] = (raw, now + self._lease)
        return default if raw is None else self._serializer.loads(raw)

    def _written(self, keys) -> None:
        if self._leased.isdisjoint(keys):
            return
        for key in self._leased:
            self._copies.pop(key, None)
        # Every process's copy from before the write lapses meanwhile.
        time.sleep(self._lease)

    def add(self, key, value, timeout):
        added = super().add(key, value, timeout)
        if added:
            self._written([key])
        return added

    def set(self, key, value, timeout):
        super().set(key, value, timeout)
        self._written([key])

    def delete(self, key):
        deleted = super().delete(key)
        self._written([key])
        return deleted

    def incr(self, key, delta):
        value = super().incr(key, delta)
        self._written([key])
        return value

    def set_many(self, data, timeout):
        super().set_many(data, timeout)
        self._written(data)

    def delete_many(self, keys):
        super().delete_many(keys)
        self._written(keys)

    def clear(self):
        cleared = super().clear()
        self._written(self._leased)
        return cleared


class RedisCache(DjangoRedisCache):
    """OPTIONS: Django's, plus LEASED_KEYS, the keys to copy in each process,
    LEASE, the seconds a copy is trusted (0.01), and BACKOFF, the seconds
    Redis is left alone after it failed (5)."""

    # What the back-off is measured by.
    clock = staticmethod(time.monotonic)

    def __init__(self, server, params):
        options = dict(params.get("OPTIONS", {}))
        self._leased_names = options.pop("LEASED_KEYS", ())
        self._lease = options.pop("LEASE", 0.01)
        self._backoff = options.pop("BACKOFF", 5.0)
        super().__init__(server, {**params, "OPTIONS": options})
        self._class = RedisCacheClient

    @cached_property
    def _cache(self):
        return self._class(
            self._servers,
            leased=frozenset(self.make_key(name) for name in self._leased_names),
            lease=self._lease,
            **self._options,
        )

    def _guarded(self, miss, operation, *args, **kwargs):
        """`operation`, or `miss` when Redis fails or is resting after failing."""
        servers = tuple(self._servers)
        if self.clock() < _resting.get(servers, 0.0):
            return miss
        try:
            return operation(*args, **kwargs)
        except RedisError as error:
            # Logged once a back-off, not once a request.
            _resting[servers] = self.clock() + self._backoff
            logger.warning(
                "Redis failed (%s: %s): read as a miss, and left alone for %s s",
                type(error).__name__,
                error,
                self._backoff,
            )
            return miss

    def get(self, key, default=None, version=None):
        return self._guarded(default, super().get, key, default, version)

    def get_many(self, keys, version=None):
        return self._guarded({}, super().get_many, keys, version)

    def has_key(self, key, version=None):
        return self._guarded(False, super().has_key, key, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guarded(False, super().add, key, value, timeout, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guarded(None, super().set, key, value, timeout, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guarded(list(data), super().set_many, data, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guarded(False, super().touch, key, timeout, version)

    def delete(self, key, version=None):
        return self._guarded(False, super().delete, key, version)

    def delete_many(self, keys, version=None):
        return self._guarded(None, super().delete_many, keys, version)

    def clear(self):
        return self._guarded(False, super().clear)
