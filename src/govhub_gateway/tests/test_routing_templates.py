"""Compiled REST operation templates (OpenAPI path templating)."""

from __future__ import annotations

from govhub_contracts.snapshot import Operation, Service
from govhub_gateway.policy.routing import compile_service, compile_template


def test_a_parameter_matches_exactly_one_path_segment() -> None:
    pattern = compile_template("/parcels/{parcel_id}/owners/{owner}")
    assert pattern is not None
    assert pattern.fullmatch("/parcels/7%2F1/owners/x")
    assert not pattern.fullmatch("/parcels/7/1/owners/x")
    assert not pattern.fullmatch("/parcels//owners/x")
    assert compile_template("/parcels") is None


def test_template_literals_are_not_regular_expressions() -> None:
    pattern = compile_template("/v1.0/items/{id}")
    assert pattern is not None
    assert pattern.fullmatch("/v1.0/items/3")
    assert not pattern.fullmatch("/v1x0/items/3")


def test_literal_paths_win_over_templates_and_trailing_slashes_do_not_matter() -> None:
    service = compile_service(Service(
        member="m", system="s", code="c", endpoints=["http://h:8080/base/"],
        operations=[Operation(code="byId", path="/items/{id}"),
                    Operation(code="search", path="/items/search/"),
                    Operation(code="create", method="post", path="items")]))
    assert service.match_rest("GET", "/items/search") == ("search", [])
    assert service.match_rest("GET", "/items/9") == ("byId", [])
    assert service.match_rest("POST", "/items") == ("create", [])
    assert service.match_rest("PUT", "/items/9") == (None, ["GET"])
    assert service.match_rest("GET", "/other") == (None, [])
    assert (service.base_path, service.port, service.host_header) == ("/base", 8080, "h:8080")
