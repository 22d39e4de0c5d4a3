"""Clearing the cache on Redis leaves the broker's queue (and other prefixes' keys) alone."""

from __future__ import annotations

import uuid

import pytest
from django.conf import settings
from django.core.cache import cache, caches

from ilp_platform.core.cache import BrokerSafeRedisCache

pytestmark = pytest.mark.skipif(not settings.REDIS_URL, reason="the cache is on Redis")


def _client():
    return cache._cache.get_client(None, write=True)


def test_clear_deletes_the_caches_keys_and_leaves_a_waiting_task_in_the_queue():
    assert isinstance(caches["default"], BrokerSafeRedisCache)
    client = _client()
    queue = f"test-queue-{uuid.uuid4().hex}"  # stands for the broker's "celery" list
    client.rpush(queue, b"a task someone is waiting for")
    for number in range(1200):  # more than one batch
        cache.set(f"key-{number}", number, 60)
    cache.set("versioned", "old", 60, version=2)
    try:
        assert cache.get("key-7") == 7
        cache.clear()
        assert cache.get("key-7") is None and cache.get("key-1199") is None
        assert cache.get("versioned", version=2) is None
        assert client.lrange(queue, 0, -1) == [b"a task someone is waiting for"]
    finally:
        client.delete(queue)


def test_clear_leaves_another_prefixs_keys(settings):
    other_prefix = f"other-{uuid.uuid4().hex[:8]}"
    settings.CACHES = {
        **settings.CACHES,
        "other": {**settings.CACHES["default"], "KEY_PREFIX": other_prefix},
    }
    other = caches.create_connection("other")
    other.set("kept", "yes", 60)
    cache.set("gone", "yes", 60)
    try:
        cache.clear()
        assert cache.get("gone") is None
        assert other.get("kept") == "yes"
    finally:
        other.clear()
    assert other.get("kept") is None


def test_a_prefix_with_glob_characters_matches_itself_only():
    odd = BrokerSafeRedisCache(settings.REDIS_URL, {"KEY_PREFIX": "a*[b]?"})
    assert odd.own_keys_pattern() == "a\\*\\[b\\]\\?:*"
    with pytest.raises(ValueError, match="KEY_FUNCTION"):
        BrokerSafeRedisCache(settings.REDIS_URL, {"KEY_FUNCTION": "x.y"})
