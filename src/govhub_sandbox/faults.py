"""Fault injection shared by the simulators: an endpoint made slow, failing until cleared,
or failing its next N answers — as the real central services are at times (docs/vietnam.md:
central services fail at times). Each simulator parses its own endpoint names and builds its
own 503 body (a brandname gateway and an OpenID provider answer errors differently)."""

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import asdict, replace
from typing import Any

from aiohttp import web


class FaultInjector:
    def __init__(self, unavailable: Callable[[str], web.Response],
                 faults: Mapping[str, Any] | None = None) -> None:
        self._unavailable = unavailable
        self.set(faults or {})

    def set(self, faults: Mapping[str, Any]) -> None:
        # Copies: fail_next counts down, and the configuration it came from must not.
        self._faults = {name: replace(fault) for name, fault in faults.items()}

    def as_dict(self) -> dict[str, dict[str, Any]]:
        return {name: asdict(fault) for name, fault in self._faults.items() if fault.is_active}

    async def interfere(self, endpoint: str) -> web.Response | None:
        """Delay as configured, then the simulator's 503 if the endpoint is to fail."""
        fault = self._faults.get(endpoint)
        if fault is None:
            return None
        if fault.delay_seconds:
            await asyncio.sleep(fault.delay_seconds)
        if fault.fail_next > 0:
            fault.fail_next -= 1
        elif not fault.fail:
            return None
        return self._unavailable(endpoint)
