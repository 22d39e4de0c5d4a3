"""The cache on Redis, sharing its database with the task broker.

Django's ``RedisCache.clear()`` empties the whole Redis database (``FLUSHDB``): on the database
the broker uses, that also throws away every task waiting in the queue, so a job someone
requested would stay "queued" for ever. Here ``clear()`` deletes only the cache's own keys
(those its key function writes: ``<KEY_PREFIX>:<version>:<key>``), in batches, and leaves the
broker's lists and everything else in the database alone.
"""

from __future__ import annotations

from typing import Any

from django.core.cache.backends.redis import RedisCache

from ilp_platform.core.errors import MisuseError

# Keys deleted per round trip while clearing.
CLEAR_BATCH = 500


class BrokerSafeRedisCache(RedisCache):
    """``django.core.cache.backends.redis.RedisCache`` whose ``clear()`` deletes its own keys
    only. Its keys must carry the default key function's ``prefix:version:`` shape."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        if params.get("KEY_FUNCTION"):
            raise MisuseError(
                "BrokerSafeRedisCache clears by the default key shape: set no KEY_FUNCTION."
            )
        super().__init__(server, params)

    def own_keys_pattern(self) -> str:
        # A glob pattern: escape the characters SCAN MATCH reads as wildcards.
        prefix = "".join(f"\\{c}" if c in "*?[]\\" else c for c in self.key_prefix)
        return f"{prefix}:*"

    def clear(self) -> None:
        # ``_cache`` is RedisCache's client wrapper (not in the type stubs).
        client = self._cache.get_client(None, write=True)  # type: ignore[attr-defined]
        batch: list[bytes] = []
        for key in client.scan_iter(match=self.own_keys_pattern(), count=CLEAR_BATCH):
            batch.append(key)
            if len(batch) >= CLEAR_BATCH:
                client.delete(*batch)
                batch = []
        if batch:
            client.delete(*batch)
