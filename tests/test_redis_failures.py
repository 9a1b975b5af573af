"""A Redis that fails costs speed, never an error (newsroom/redis_cache.py):
against a redis-server of the test's own, stopped or frozen."""

import pytest

from newsroom import redis_cache
from newsroom.redis_cache import RedisCache
from tests.redis_server import RedisServer


@pytest.fixture(autouse=True)
def _no_back_off_left():
    """The back-off is kept per process by server address: a port that an
    earlier test's server had must not start this one resting, on another clock."""
    redis_cache._resting.clear()
    yield
    redis_cache._resting.clear()


def process(server: RedisServer, clock=None) -> RedisCache:
    """The cache as one process has it; its back-off measured by `clock`."""
    cache = RedisCache(
        server.url,
        {"OPTIONS": {"socket_timeout": 0.2, "socket_connect_timeout": 0.2, "BACKOFF": 5}},
    )
    if clock is not None:
        cache.clock = clock
    return cache


def test_every_error_of_redis_reads_as_a_miss():
    with RedisServer() as server:
        cache = process(server)
        cache.set("page", "<html>")
        server.process.terminate()
        server.process.wait(timeout=30)
        assert cache.get("page", "missing") == "missing"
        assert cache.get_many(["page"]) == {}
        assert not cache.has_key("page")
        assert cache.set("page", "<html>") is None
        assert cache.set_many({"a": 1, "b": 2}) == ["a", "b"]
        assert not cache.add("other", 1)
        assert not cache.delete("page")
        assert not cache.touch("page")
        assert cache.delete_many(["page"]) is None
        assert not cache.clear()


def test_after_a_failure_redis_is_left_alone_for_the_back_off():
    """A Redis that hangs costs one request its socket timeout, not every one."""
    now = [1000.0]
    with RedisServer() as server:
        cache = process(server, clock=lambda: now[0])
        cache.set("page", "<html>")
        server.freeze()
        assert cache.get("page") is None  # after the socket timeout
        server.thaw()
        assert server.answers()
        # Within the back-off Redis is not asked: what it holds is not read.
        now[0] += 4.9
        assert cache.get("page") is None
        assert cache.get_many(["page"]) == {}
        assert not cache.add("other", 1)
        # Every thread of the process leaves it alone: each has its own cache.
        assert process(server, clock=lambda: now[0]).get("page") is None
        now[0] += 0.2
        assert cache.get("page") == "<html>"
        assert cache.add("other", 1)
