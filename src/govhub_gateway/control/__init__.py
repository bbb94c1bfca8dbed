"""The gateway's side of the control plane ↔ data plane link (ADR 0006).

``snapshot_client``: the config snapshot fetched with the gateway's own token (ETag polling
and the push trigger), swapped atomically, the last good one kept on disk, and heartbeats.
``admin_server``: the loopback admin port (``/metrics``, ``/healthz``, ``/snapshot/refresh``).
"""
