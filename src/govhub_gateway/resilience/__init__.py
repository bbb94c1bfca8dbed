"""Resilience of forwarded calls (docs/exchange-contract.md §3-§6); nothing here yet.

What belongs here, between ``policy`` (which decides a call may go through) and ``evidence``
(which records what happened), using the engine's ``Forward``/``Outcome`` seam only:

- retries of reads, at most twice, with jittered back-off, inside a retry budget per upstream
  so retries cannot multiply an outage (§4); writes are never retried blindly;
- circuit breakers per upstream operation, opening on provider-technical failures and
  answering with the operation's declared fallback (§5);
- stale serving: reference data may be answered from the last good response, labelled
  "data as of", when the provider fails; personal data is never cached (§6, Personal Data
  Protection Law 91/2025);
- store-and-forward of writes: accepted with their idempotency key (``X-Road-Id``) into a
  durable local queue and delivered when the provider is back (§4), acknowledged only once
  on disk, as the evidence spool is.

Per-attempt timeouts, the exchange deadline, bulkheads and failover to a service's further
endpoints already live in the engine (``engine.forwarding``, ``engine.upstream``).
"""
