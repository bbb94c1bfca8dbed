"""The HTTP engine: the first and lowest step of a request's path through the gateway.

Client connections parsed by llhttp (``connection``, ``request_state``, ``request_line``),
header hygiene and framing rules (``hygiene``, RFC 9110/9112), forwarded exchanges streamed
both ways (``forwarding``), per-origin upstream pools (``upstream``), the gateway's own answers
(``responses``) and resource limits (``limits``), assembled by ``server.start_server``.

It knows nothing of X-Road, keys, grants or evidence: for every request it asks a ``Policy``
(``exchange``, the seam) and reports the outcome back. import-linter keeps it so (the engine
is the lowest layer of ``govhub_gateway``), which lets it be benchmarked and tested alone.
"""
