"""Per-consumer quotas: 429 + Retry-After, and the window freeing up again."""

from __future__ import annotations

import json

from govhub_contracts.snapshot import Quota
from govhub_gateway.engine.exchange import Forward, Respond
from govhub_gateway.tests.policy_builders import (
    CONSUMER,
    OTHER_KEY,
    PARCELS,
    harness,
    head,
    identification,
    snapshot,
)

URL = f"/r1/{PARCELS}/parcels/42"


def test_quota_exceeded_is_429_with_retry_after_then_allowed_after_the_window() -> None:
    h = harness(snapshot(quotas=[Quota(client=CONSUMER, requests=3, per_seconds=60)]))
    for _ in range(3):
        assert isinstance(h.policy.decide(head(URL)), Forward)
    h.clock.advance(15.5)
    decision = h.policy.decide(head(URL))
    assert isinstance(decision, Respond)
    assert decision.status == 429
    body = json.loads(decision.body)
    assert body["type"] == "https://hub.test/problems/gateway-quota-exceeded"
    assert body["retryable"] is True
    assert ("retry-after", "45") in decision.headers  # 60 - 15.5, rounded up
    h.clock.advance(44)
    refused = h.policy.decide(head(URL))
    assert isinstance(refused, Respond)
    assert ("retry-after", "1") in refused.headers  # never 0: the slot is not free yet
    h.clock.advance(1)
    assert isinstance(h.policy.decide(head(URL)), Forward)


def test_quota_is_per_consumer() -> None:
    other = f"{CONSUMER.split('/')[0]}/hrm"
    h = harness(snapshot(quotas=[Quota(client=CONSUMER, requests=1, per_seconds=60)]))
    assert isinstance(h.policy.decide(head(URL)), Forward)
    assert isinstance(h.policy.decide(head(URL)), Respond)
    # Another system is not slowed by it (it is refused for lack of a grant, not a quota).
    decision = h.policy.decide(head(URL, headers=identification(client=other), auth=OTHER_KEY))
    assert isinstance(decision, Respond)
    assert decision.status == 403


def test_counters_survive_an_unrelated_snapshot_swap_but_reset_on_a_new_limit() -> None:
    quota = Quota(client=CONSUMER, requests=1, per_seconds=60)
    h = harness(snapshot(quotas=[quota]))
    assert isinstance(h.policy.decide(head(URL)), Forward)
    h.policy.update_snapshot(snapshot(version=2, quotas=[quota]))
    assert isinstance(h.policy.decide(head(URL)), Respond)
    h.policy.update_snapshot(snapshot(version=3, quotas=[
        Quota(client=CONSUMER, requests=5, per_seconds=60)]))
    assert isinstance(h.policy.decide(head(URL)), Forward)
