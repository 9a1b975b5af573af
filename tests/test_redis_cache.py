"""The Redis cache's short-lived copy, in each process, of the keys every
request reads (newsroom/redis_cache.py), against a real Redis. Each backend
made here stands for one process: a client, a pool and copies of its own.
"""

import time

import pytest
from django.conf import settings

from newsroom.redis_cache import RedisCache
from tests.test_servers import _redis_answers

pytestmark = pytest.mark.skipif(
    not _redis_answers(settings.TEST_REDIS_URL), reason=f"no Redis at {settings.TEST_REDIS_URL}"
)

PREFIX = "leased-test"


def process(*, lease: float | None = None) -> RedisCache:
    """A cache as one process has it; with `lease`, "state" is copied for that long."""
    options = {"socket_timeout": 1, "socket_connect_timeout": 1}
    if lease is not None:
        options |= {"LEASED_KEYS": ["state"], "LEASE": lease}
    return RedisCache(
        settings.TEST_REDIS_URL, {"KEY_PREFIX": PREFIX, "TIMEOUT": None, "OPTIONS": options}
    )


@pytest.fixture
def redis():
    """A plain client on the same database, to look at what the caches leave there."""
    cache = process()
    client = cache._cache.get_client(write=True)
    keys = [cache.make_key("state"), cache.make_key("other")]
    client.delete(*keys)
    yield client
    client.delete(*keys)


def idle_seconds(redis, key: str) -> int:
    """Whole seconds since any client last read or wrote `key` in Redis."""
    return redis.object("idletime", process().make_key(key))


def test_a_leased_key_is_read_from_redis_once_a_lease(redis):
    process().set("state", {"token": "t1"})
    one = process(lease=3)
    assert one.get("state") == {"token": "t1"}
    time.sleep(1.1)
    # Within the lease: served from the process, Redis is not asked.
    assert all(one.get("state") == {"token": "t1"} for _ in range(20))
    assert idle_seconds(redis, "state") >= 1
    # Once it has run out, asked again.
    time.sleep(2)
    assert one.get("state") == {"token": "t1"}
    assert idle_seconds(redis, "state") == 0


def test_a_key_that_is_not_leased_is_read_from_redis_each_time(redis):
    one = process(lease=3)
    one.set("other", "x")
    one.get("other")
    time.sleep(1.1)
    assert one.get("other") == "x"
    assert idle_seconds(redis, "other") == 0


def test_once_a_write_returns_every_process_reads_it(redis):
    """The whole promise: whoever hears of a write from its writer finds it
    everywhere, on a machine however busy, since the writer outwaits the
    copies made before it."""
    one, two = process(lease=0.01), process(lease=0.01)
    for turn in range(100):
        writer, reader = (one, two) if turn % 2 else (two, one)
        assert reader.get("state") == (turn - 1 if turn else None)
        writer.set("state", turn)
        assert reader.get("state") == turn
        assert writer.get("state") == turn


def test_a_write_waits_for_the_lease(redis):
    one = process(lease=0.3)
    started = time.monotonic()
    one.set("state", "t1")
    assert time.monotonic() - started >= 0.3
    started = time.monotonic()
    one.set("other", "x")
    assert time.monotonic() - started < 0.3


def test_deleting_adding_and_clearing_are_outwaited_too(redis):
    one, two = process(lease=0.05), process(lease=0.05)
    one.set("state", "t1")
    assert two.get("state") == "t1"
    one.delete("state")
    assert two.get("state") is None
    assert one.add("state", "t2")
    assert two.get("state") == "t2"
    one.set_many({"state": "t3", "other": "x"})
    assert two.get("state") == "t3"
    one.delete_many(["state"])
    assert two.get("state", "gone") == "gone"
    one.set("state", "t4")
    assert two.get("state") == "t4"
    one.clear()
    assert two.get("state") is None
