"""The Redis cache's copy, in each process, of the keys every request reads
(newsroom/redis_cache.py), against a real Redis. Each backend made here
stands for one process: a client, a pool and a listening connection of its own.
"""

import time

import pytest
from django.conf import settings

from newsroom.redis_cache import RedisCache
from tests.test_servers import _redis_answers

pytestmark = pytest.mark.skipif(
    not _redis_answers(settings.TEST_REDIS_URL), reason=f"no Redis at {settings.TEST_REDIS_URL}"
)

PREFIX = "watched-test"


def process(*, watched: bool = True) -> RedisCache:
    options = {"socket_timeout": 1, "socket_connect_timeout": 1}
    if watched:
        options["WATCHED_KEYS"] = ["state"]
    return RedisCache(
        settings.TEST_REDIS_URL, {"KEY_PREFIX": PREFIX, "TIMEOUT": None, "OPTIONS": options}
    )


@pytest.fixture
def redis():
    """A plain client on the same database, to look at what the caches leave there."""
    cache = process(watched=False)
    client = cache._cache.get_client(write=True)
    client.delete(cache.make_key("state"), cache.make_key("other"))
    yield client
    client.delete(cache.make_key("state"), cache.make_key("other"))


def idle_seconds(redis, cache: RedisCache, key: str) -> int:
    """Seconds since any client last read or wrote `key` in Redis."""
    return redis.object("idletime", cache.make_key(key))


def test_a_watched_key_is_read_from_redis_once_a_process(redis):
    one, plain = process(), process(watched=False)
    one.set("state", {"token": "t1"})
    assert one.get("state") == {"token": "t1"}
    time.sleep(2.1)
    # Read again and again: served from the process, Redis is not asked.
    assert all(one.get("state") == {"token": "t1"} for _ in range(20))
    assert idle_seconds(redis, one, "state") >= 1
    # A key that is not watched, or a cache without the option, asks each time.
    plain.get("state")
    assert idle_seconds(redis, one, "state") == 0


def test_a_key_that_is_not_watched_is_read_from_redis_each_time(redis):
    one = process()
    one.set("other", "x")
    one.get("other")
    time.sleep(2.1)
    assert one.get("other") == "x"
    assert idle_seconds(redis, one, "other") == 0


def test_what_one_process_writes_the_other_reads_at_once(redis):
    one, two = process(), process()
    for turn in range(200):
        writer, reader = (one, two) if turn % 2 else (two, one)
        writer.set("state", turn)
        assert reader.get("state") == turn
        # And the writer, whose own copy is dropped before it tells anyone.
        assert writer.get("state") == turn


def test_deleting_adding_and_clearing_are_heard_too(redis):
    one, two = process(), process()
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


def test_a_write_made_without_the_cache_is_not_heard(redis):
    """The limit the module states: only writes through the cache are told."""
    one = process()
    one.set("state", "t1")
    assert one.get("state") == "t1"
    redis.set(one.make_key("state"), one._cache._serializer.dumps("t2"))
    assert one.get("state") == "t1"
    assert process().get("state") == "t2"


def test_a_lost_listening_connection_sends_reads_back_to_redis(redis):
    one, two = process(), process()
    one.set("state", "t1")
    assert two.get("state") == "t1"
    # Redis drops the connection two listens on; what one publishes now
    # never reaches it.
    host, port = two._cache._watch._pubsub.connection._sock.getsockname()
    assert redis.client_kill_filter(addr=f"{host}:{port}") == 1
    one.set("state", "t2")
    assert two.get("state") == "t2"
    # It listens again, and copies again.
    one.set("state", "t3")
    assert two.get("state") == "t3"
    assert two._cache._watch._pubsub is not None
