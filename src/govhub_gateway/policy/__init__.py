"""The exchange contract enforced per request: what the gateway decides once a head is parsed.

``gateway_policy.GatewayPolicy`` implements the engine's ``Policy`` seam: the config snapshot
compiled into plain lookups (``routing``), X-Road identification (``identification``, and
``soap`` for the SOAP header), consumer authentication (``credentials``: API keys, RFC 9068
JWTs, mTLS), quotas (``quotas``), the metaservices the gateway answers itself
(``metaservices``) and refusals as problem+json or SOAP Faults (``refusals``). When an exchange
completes it hands the outcome to ``evidence``.
"""
