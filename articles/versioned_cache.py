"""A cache for what is kept under a data version: a copy in each process in
front of the shared one.

Every key stored here holds the data version's token (articles/caching.py),
so an entry never changes once written: a change to the data makes a new
token, and the old entries are never asked for again. A copy kept in the
process is therefore never stale, and saves the round trip, and with Redis
the transfer of a 140 KB page, that each request would otherwise make, and
it answers while the shared cache is down. The data state itself, which does
change, is kept in the database and copied in the shared cache (`default`),
never here.
"""

from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from django.core.cache.backends.locmem import LocMemCache


class VersionedCache(BaseCache):
    """OPTIONS: `SHARED`, the alias of the shared cache (`default`), and
    `MAX_ENTRIES` of the copy in each process."""

    def __init__(self, name, params):
        super().__init__(params)
        options = params.get("OPTIONS", {})
        self._shared_alias = options.get("SHARED", "default")
        self._local = LocMemCache(
            f"versioned-{name}",
            {
                # This cache's own default (300 s unless TIMEOUT says), not
                # Django's "use the default" marker, which is no number.
                "TIMEOUT": self.default_timeout,
                "OPTIONS": {"MAX_ENTRIES": options.get("MAX_ENTRIES", 1000)},
            },
        )

    @property
    def _shared(self) -> BaseCache:
        return caches[self._shared_alias]

    def _tiers(self) -> list[BaseCache]:
        shared = self._shared
        # A shared cache that is itself in this process needs no copy.
        return [shared] if isinstance(shared, LocMemCache) else [self._local, shared]

    def get(self, key, default=None, version=None):
        tiers = self._tiers()
        for depth, tier in enumerate(tiers):
            value = tier.get(key, version=version)
            if value is not None:
                for nearer in tiers[:depth]:
                    nearer.set(key, value, version=version)
                return value
        return default

    def get_many(self, keys, version=None):
        found = {}
        missing = list(keys)
        tiers = self._tiers()
        for depth, tier in enumerate(tiers):
            if not missing:
                break
            values = tier.get_many(missing, version=version)
            if depth and values:
                for nearer in tiers[:depth]:
                    nearer.set_many(values, version=version)
            found.update(values)
            missing = [key for key in missing if key not in values]
        return found

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        for tier in self._tiers():
            tier.set(key, value, timeout=timeout, version=version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        for tier in self._tiers():
            tier.set_many(data, timeout=timeout, version=version)
        return []

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        added = self._shared.add(key, value, timeout=timeout, version=version)
        if added and len(self._tiers()) > 1:
            self._local.set(key, value, timeout=timeout, version=version)
        return added

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        # Every tier, even when one has lost the key.
        return all([tier.touch(key, timeout=timeout, version=version) for tier in self._tiers()])

    def delete(self, key, version=None):
        return any([tier.delete(key, version=version) for tier in self._tiers()])

    def has_key(self, key, version=None):
        return any(tier.has_key(key, version=version) for tier in self._tiers())

    def clear(self):
        self._local.clear()
        self._shared.clear()
