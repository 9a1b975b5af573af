"""Django's Redis cache, with one redis-py client a connection pool, and a
short-lived copy in each process of the few keys every request reads.

Django's client makes a new `redis.Redis` for every call, and building one
(its table of response callbacks) cost more than the round trip itself: a
cached page, one read of the data state, spent 0.2 ms on it. A client is
safe to share between threads, so one is made for each pool and kept.

Every public request reads the data state (articles/caching.py), and with
Redis that round trip was a third of what a cached page cost. The keys named
in OPTIONS["LEASED_KEYS"] are read from Redis at most once a lease
(OPTIONS["LEASE"] seconds, 0.01 by default) in each process, and a write of
one returns only once the lease has run out. Whoever learns of a write from
its writer (the editor whose save returned, a process told by it) therefore
finds no copy older than the write anywhere: the copies made before it have
lapsed. Readers who have not heard of it may be served the old value for
at most a lease, as if they had asked a moment earlier.
"""

import time

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisCacheClient
from django.utils.functional import cached_property


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
    and LEASE, the seconds a copy is trusted (0.01)."""

    def __init__(self, server, params):
        options = dict(params.get("OPTIONS", {}))
        self._leased_names = options.pop("LEASED_KEYS", ())
        self._lease = options.pop("LEASE", 0.01)
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
