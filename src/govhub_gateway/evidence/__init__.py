"""What every exchange leaves behind, and its way to the control plane.

The hash-chained evidence record (exchange contract §10): its canonical JSON written field by
field (``canonical``), the durable local spool (``spool``, ``spool_files``: fsynced in groups,
checked offline by ``python -m govhub_gateway verify-spool``) and the ``shipper`` that sends it
to the control plane, so that a control-plane outage loses nothing. Beside it, the per-exchange
access-log line (``access_log``) and the Prometheus series (``metrics``).
"""
