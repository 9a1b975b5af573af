"""Django's Redis cache, with one redis-py client a connection pool, and a
copy in each process of the few keys every request reads.

Django's client makes a new `redis.Redis` for every call, and building one
(its table of response callbacks) cost more than the round trip itself: a
cached page, one read of the data state, spent 0.2 ms on it. A client is
safe to share between threads, so one is made for each pool and kept.

Every public request reads the data state (articles/caching.py), and with
Redis that read was a third of what a cached page cost. The keys named in
OPTIONS["WATCHED_KEYS"] are therefore kept in each process as well, for as
long as no process writes them: see `KeyWatch`.
"""

import contextlib
import os
import threading

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisCacheClient
from django.utils.functional import cached_property
from redis import Redis
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry

_ABSENT = b""  # a key Redis does not have: what a real value never pickles to


class KeyWatch:
    """Copies, in this process, of watched keys, dropped when any process writes one.

    Whoever writes a watched key publishes on `channel` once Redis has it.
    Each process listens on a connection of its own and, before it trusts a
    copy, reads what has arrived on it: a look at the socket, not a round
    trip. It is subscribed before it reads a value from Redis, so a write
    made after that read is always heard before the copy is used again; the
    publisher's reply and the listeners' messages leave Redis in the same
    turn of its loop, so a reader told of a write by its writer has heard of
    it too. Any trouble with the listening connection drops it and every
    copy: reads then go to Redis, as they would with no copies at all.

    Writes that bypass this class (redis-cli, another program) are not heard.
    """

    def __init__(self, url: str, channel: str, options: dict):
        self._url = url
        self._channel = channel
        self._options = options
        self._lock = threading.Lock()
        self._pid = 0
        self._client = self._pubsub = None
        self._copies: dict[str, bytes] = {}
        # Changes with every write heard or made, and every lost connection:
        # a value read from Redis before it changed must not be kept.
        self._generation = 0

    def _forget(self) -> None:
        self._copies.clear()
        self._generation += 1

    def _reconnected(self, connection) -> None:
        self._forget()

    def _listening(self) -> bool:
        """Whether the copies can be trusted, having read every message so far."""
        if self._pid != os.getpid():
            # A forked worker must not read its parent's socket.
            self._pid, self._client, self._pubsub = os.getpid(), None, None
            self._forget()
        try:
            if self._pubsub is None:
                self._forget()
                # No retries: redis-py would reconnect and subscribe again in
                # silence, and the messages sent meanwhile would be lost.
                client = Redis.from_url(self._url, retry=Retry(NoBackoff(), 0), **self._options)
                pubsub = client.pubsub()
                pubsub.subscribe(self._channel)
                # Should it connect again all the same, what was said meanwhile is lost.
                pubsub.connection.register_connect_callback(self._reconnected)
                # The client too: its pool, and so the connection, close with it.
                self._client, self._pubsub = client, pubsub
                reply = pubsub.get_message(timeout=self._options.get("socket_timeout") or 1)
                if reply is None or reply["type"] != "subscribe":
                    self._drop()
                    return False
            while self._pubsub.get_message(timeout=0) is not None:
                self._forget()
        except (RedisError, OSError):
            self._drop()
            return False
        return True

    def _drop(self) -> None:
        pubsub, client = self._pubsub, self._client
        self._client = self._pubsub = None
        self._forget()
        if pubsub is not None:
            with contextlib.suppress(RedisError, OSError):
                pubsub.close()
                client.close()

    def read(self, key: str, fetch) -> bytes | None:
        """The raw value of `key`: this process's copy, or `fetch()` from Redis, then kept."""
        with self._lock:
            listening = self._listening()
            if listening and key in self._copies:
                raw = self._copies[key]
                return None if raw == _ABSENT else raw
            generation = self._generation
        raw = fetch()
        if listening:
            with self._lock:
                if self._generation == generation:
                    self._copies[key] = _ABSENT if raw is None else raw
        return raw

    def written(self, client: Redis) -> None:
        """Tell every process, this one first, that a watched key has changed."""
        with self._lock:
            self._forget()
        client.publish(self._channel, b"changed")


class RedisCacheClient(DjangoRedisCacheClient):
    def __init__(self, *args, watched: frozenset[str] = frozenset(), channel: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}
        self._watched = watched
        self._watch = None
        if watched:
            timeouts = {
                name: kwargs[name]
                for name in ("socket_timeout", "socket_connect_timeout")
                if name in kwargs
            }
            self._watch = KeyWatch(self._servers[0], channel, timeouts)

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client

    def _written(self, keys) -> None:
        if self._watch is not None and not self._watched.isdisjoint(keys):
            self._watch.written(self.get_client(write=True))

    def get(self, key, default):
        if key not in self._watched:
            return super().get(key, default)
        raw = self._watch.read(key, lambda: self.get_client(key).get(key))
        return default if raw is None else self._serializer.loads(raw)

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
        self._written(self._watched)
        return cleared


class RedisCache(DjangoRedisCache):
    """OPTIONS: Django's, plus WATCHED_KEYS, keys to copy in each process."""

    def __init__(self, server, params):
        options = dict(params.get("OPTIONS", {}))
        self._watched_names = options.pop("WATCHED_KEYS", ())
        super().__init__(server, {**params, "OPTIONS": options})
        self._class = RedisCacheClient

    @cached_property
    def _cache(self):
        return self._class(
            self._servers,
            watched=frozenset(self.make_key(name) for name in self._watched_names),
            channel=self.make_key("watched-keys-changed"),
            **self._options,
        )
