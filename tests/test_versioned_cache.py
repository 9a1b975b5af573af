"""The caches of production with Redis, against a real Redis: the shared one
(newsroom/redis_cache.py), and in front of it a copy in each process of what
is kept under a data version (articles/versioned_cache.py)."""

import pytest
from django.conf import settings
from django.core.cache import caches
from django.test import override_settings

from articles.versioned_cache import VersionedCache
from tests.test_servers import _redis_answers

pytestmark = pytest.mark.skipif(
    not _redis_answers(settings.TEST_REDIS_URL), reason=f"no Redis at {settings.TEST_REDIS_URL}"
)

SHARED = {
    "default": {
        "BACKEND": "newsroom.redis_cache.RedisCache",
        "LOCATION": settings.TEST_REDIS_URL,
        "KEY_PREFIX": "versioned-test",
    }
}


def process(name: str) -> VersionedCache:
    """A VersionedCache as another process has it: a copy of its own."""
    return VersionedCache(name, {"OPTIONS": {"SHARED": "default"}})


@pytest.fixture
def redis():
    with override_settings(CACHES=SHARED):
        caches["default"].clear()
        yield caches["default"]
        caches["default"].clear()


def test_what_one_process_keeps_every_process_finds(redis):
    one, two = process("one"), process("two")
    one.set("page:t1:a", "<html>a</html>", 60)
    assert redis.get("page:t1:a") == "<html>a</html>"
    assert two.get("page:t1:a") == "<html>a</html>"
    assert two.get_many(["page:t1:a", "page:t1:b"]) == {"page:t1:a": "<html>a</html>"}


def test_a_process_keeps_a_copy_and_asks_the_shared_cache_no_more(redis):
    one = process("one")
    one.set_many({"card:t1:1": "one", "card:t1:2": "two"}, 60)
    other = process("other")
    assert other.get_many(["card:t1:1", "card:t1:2"]) == {"card:t1:1": "one", "card:t1:2": "two"}
    # Gone from Redis (evicted, or Redis restarted): each copy still answers,
    # which is right because an entry under a token never changes.
    redis.clear()
    assert other.get("card:t1:1") == "one" and one.get("card:t1:2") == "two"
    assert process("new").get("card:t1:1") is None


def test_over_a_cache_in_the_process_there_is_no_second_copy():
    versioned = process("alone")
    assert versioned._tiers() == [caches["default"]]
    versioned.set("k", "v", 60)
    assert caches["default"].get("k") == "v"


def test_the_shared_cache_makes_one_client_and_keeps_it(redis):
    """Django's makes one for every call, which cost more than the round trip."""
    client = redis._cache.get_client()
    assert redis._cache.get_client(write=True) is client
    redis.set("state", {"token": "t1"}, 60)
    assert redis.get("state") == {"token": "t1"}
    assert redis.get_many(["state", "other"]) == {"state": {"token": "t1"}}
    assert redis._cache.get_client() is client


def test_the_copy_in_the_process_keeps_entries_as_long_as_the_cache_says():
    assert VersionedCache("short", {"TIMEOUT": 60})._local.default_timeout == 60
    assert VersionedCache("plain", {})._local.default_timeout == 300
