"""The integration hub's control plane (trục liên thông nội tỉnh, LGSP): members and systems,
services and their operations, consumers' credentials, data-sharing agreements, config
snapshots for the gateways, and the evidence log they ship back (ADR 0013)."""
