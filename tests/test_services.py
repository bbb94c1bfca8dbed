"""The suite's second run (CI) uses the real PostgreSQL and Redis: prove it really does."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from conftest import require_service
from django.core.cache import cache
from django.db import connection


@pytest.mark.services
@pytest.mark.django_db
def test_suite_runs_on_postgresql() -> None:
    url = require_service("GOVHUB_DATABASE_URL")
    assert url.startswith(("postgres://", "postgresql://"))
    assert connection.vendor == "postgresql"


@pytest.mark.services
def test_cache_and_rate_limits_live_in_redis() -> None:
    import redis

    url = require_service("GOVHUB_REDIS_URL")
    key = f"probe-{uuid.uuid4().hex}"
    cache.set(key, "có dấu", timeout=30)
    raw = redis.Redis.from_url(url)
    stored = [k for k in raw.scan_iter(match=f"*{key}*")]
    assert stored, "the Django cache did not write to the Redis at GOVHUB_REDIS_URL"
    assert cache.get(key) == "có dấu"
    cache.delete(key)


@pytest.mark.services
def test_throttle_counts_are_shared_through_redis(client: Any, tree: Any,
                                                  make_official: Any, settings: Any) -> None:
    """Two web processes must share one quota: the counter lives in Redis, not in memory."""
    import redis

    url = require_service("GOVHUB_REDIS_URL")
    official = make_official(tree.commune_a)
    client.force_login(official)
    client.get("/api/identity/me")
    keys = list(redis.Redis.from_url(url).scan_iter(match=f"*throttle*{official.pk}*"))
    assert keys
