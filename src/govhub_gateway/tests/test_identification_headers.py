"""The X-Road identification headers: what is accepted and what is named as wrong."""

from __future__ import annotations

import pytest

from govhub_gateway.policy.identification import Identification, identify_rest

GOOD = [("x-road-client", "000.00.00.H12.05/onegate"), ("x-road-id", "3f2c-11:ab_9.z"),
        ("x-road-userid", "officer-17"), ("x-road-issue", " 1.004227.000.00.00.H12 ")]


def with_header(name: str, value: str | None) -> list[tuple[str, str]]:
    headers = [(k, v) for k, v in GOOD if k != name]
    return headers if value is None else [*headers, (name, value)]


def test_valid_headers_give_the_identification_with_the_issue_trimmed() -> None:
    found = identify_rest([*GOOD, ("x-road-protocol-version", "1.0")])
    assert found == Identification(client="000.00.00.H12.05/onegate", request_id="3f2c-11:ab_9.z",
                                   user_id="officer-17", issue="1.004227.000.00.00.H12",
                                   protocol_version="1.0")


@pytest.mark.parametrize(("name", "value"), [
    ("x-road-client", "onegate"), ("x-road-client", "/onegate"), ("x-road-client", "a/"),
    ("x-road-client", "a b/c"), ("x-road-client", "a/b/c"), ("x-road-id", "x" * 129),
    ("x-road-id", "id with space"), ("x-road-id", "id/slash"), ("x-road-userid", "u" * 129),
    ("x-road-userid", "tab\there"), ("x-road-issue", "Cấp giấy phép"), ("x-road-issue", None),
    ("x-road-id", None), ("x-road-userid", "   "),
])
def test_each_bad_header_is_named_in_the_errors(name: str, value: str | None) -> None:
    errors = identify_rest(with_header(name, value))
    assert isinstance(errors, list)
    assert [e.pointer for e in errors] == [f"/headers/{name}"]
    assert errors[0].code == ("missing" if value is None or not value.strip() else "invalid")


def test_first_value_of_a_repeated_header_wins() -> None:
    found = identify_rest([*GOOD, ("x-road-id", "second")])
    assert isinstance(found, Identification)
    assert found.request_id == "3f2c-11:ab_9.z"
