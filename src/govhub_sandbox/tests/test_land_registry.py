"""The sandbox land registry on a real socket: searching by map sheet and parcel number, a
parcel with and without its owners (personal data), planning, errors as problem+json, the
X-Road identification it insists on, and its OpenAPI document checked by
openapi-spec-validator."""

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from openapi_spec_validator import validate

from govhub_sandbox.land import create_app
from govhub_sandbox.serving import RunningApp, start_in_thread

IDENTIFIED = {"X-Road-Client": "000.00.00.H12/MOTCUA", "X-Road-Id": "6f1d-0001",
              "X-Road-UserId": "canbo.motcua.01", "X-Road-Issue": "1.004227",
              "X-Road-Service": "000.00.00.H12/DATDAI/land/getParcel"}
PARCEL = "32002-012-0145"


@pytest.fixture(scope="module")
def registry() -> Iterator[RunningApp]:
    with start_in_thread(create_app(), name="land-sandbox-test") as running:
        yield running


@pytest.fixture(autouse=True)
def _forget(registry: RunningApp) -> Iterator[None]:
    yield
    requests.delete(f"{registry.url}/_requests", timeout=5).raise_for_status()


def get(registry: RunningApp, path: str, headers: dict[str, str] | None = None,
        **params: str) -> requests.Response:
    return requests.get(f"{registry.url}{path}", params=params, timeout=5,
                        headers=IDENTIFIED if headers is None else headers)


def test_parcels_are_found_by_map_sheet_and_parcel_number(registry: RunningApp) -> None:
    response = get(registry, "/parcels", commune_code="32002", sheet="12", parcel="145")
    assert response.status_code == 200
    [found] = response.json()["parcels"]
    assert found["parcel_id"] == PARCEL
    assert found["commune"] == {"code": "32002", "name": "Phường An Xuyên"}
    assert (found["map_sheet"], found["parcel_number"]) == (12, 145)
    whole_sheet = get(registry, "/parcels", commune_code="32002", sheet="12").json()
    assert {p["parcel_number"] for p in whole_sheet["parcels"]} == {145, 146}
    commune = get(registry, "/parcels", commune_code="32152").json()
    assert commune["count"] == 5
    assert get(registry, "/parcels", commune_code="32248").json() == {"count": 0,
                                                                      "parcels": []}


def test_a_parcel_has_its_uses_and_certificate_but_no_owner_by_default(
        registry: RunningApp) -> None:
    response = get(registry, f"/parcels/{PARCEL}")
    assert response.status_code == 200
    parcel = response.json()
    assert parcel["area_m2"] == 184.5
    assert parcel["land_uses"] == [
        {"code": "ODT", "name": "Đất ở tại đô thị", "area_m2": 120.0},
        {"code": "CLN", "name": "Đất trồng cây lâu năm", "area_m2": 64.5}]
    assert parcel["certificate"] == {"number": "DĐ 512034", "issued_on": "2016-05-10"}
    assert "owners" not in parcel
    assert "096085000101" not in response.text
    assert response.headers["Cache-Control"] == "public, max-age=300"


def test_owners_only_on_request_and_then_never_cached(registry: RunningApp) -> None:
    response = get(registry, f"/parcels/{PARCEL}", include_owner="true")
    assert response.json()["owners"] == [
        {"name": "Nguyễn Văn Hùng", "so_dinh_danh": "096085000101", "birth_year": 1985}]
    # Personal Data Protection Law 91/2025: no intermediary may keep it.
    assert response.headers["Cache-Control"] == "no-store"


def test_aquaculture_land_in_dam_doi(registry: RunningApp) -> None:
    parcel = get(registry, "/parcels/32152-031-0009").json()
    assert parcel["commune"]["name"] == "Xã Đầm Dơi"
    assert parcel["land_uses"][0]["code"] == "NTS"
    assert parcel["land_uses"][0]["name"] == "Đất nuôi trồng thủy sản"


def test_planning_tells_whether_the_parcel_is_affected(registry: RunningApp) -> None:
    kept = get(registry, f"/parcels/{PARCEL}/planning").json()
    assert kept["is_affected"] is False
    assert kept["planned_land_use"] == {"code": "ODT", "name": "Đất ở tại đô thị"}
    road = get(registry, "/parcels/32002-015-0027/planning").json()
    assert road["is_affected"] is True
    assert road["affected_area_m2"] == 18.0
    assert "đường Lý Bôn" in road["notes"]


def assert_problem(response: requests.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert (body["status"], body["code"]) == (status, code)
    assert body["title"]
    return body


def test_an_unknown_parcel_is_404_problem_json(registry: RunningApp) -> None:
    assert_problem(get(registry, "/parcels/32002-099-0001"), 404, "parcel_not_found")
    assert_problem(get(registry, "/parcels/32002-099-0001/planning"), 404, "parcel_not_found")


@pytest.mark.parametrize("params", [
    {}, {"commune_code": "Phường An Xuyên"}, {"commune_code": "32002", "sheet": "0"},
    {"commune_code": "32002", "parcel": "abc"}])
def test_bad_search_parameters_are_400(registry: RunningApp, params: dict[str, str]) -> None:
    assert_problem(get(registry, "/parcels", **params), 400, "invalid_parameter")


def test_include_owner_must_be_a_boolean(registry: RunningApp) -> None:
    assert_problem(get(registry, f"/parcels/{PARCEL}", include_owner="yes"), 400,
                   "invalid_parameter")


@pytest.mark.parametrize("missing", ["X-Road-Client", "X-Road-Id"])
def test_a_call_without_hub_identification_is_refused(registry: RunningApp,
                                                      missing: str) -> None:
    headers = {k: v for k, v in IDENTIFIED.items() if k != missing}
    body = assert_problem(get(registry, f"/parcels/{PARCEL}", headers), 400,
                          "missing_identification")
    assert missing in body["detail"]
    # The probe and the description need none: the hub calls them as itself.
    assert get(registry, "/health", {}).json() == {"status": "ok"}
    assert get(registry, "/openapi.json", {}).status_code == 200


def test_the_request_log_shows_what_the_provider_received(registry: RunningApp) -> None:
    get(registry, f"/parcels/{PARCEL}")
    get(registry, "/parcels/32002-099-0001", {"X-Road-Client": "x/y"})
    [refused, answered] = requests.get(f"{registry.url}/_requests", timeout=5).json()["requests"]
    assert answered["headers"] == IDENTIFIED
    assert (answered["method"], answered["path"], answered["status"]) == (
        "GET", f"/parcels/{PARCEL}", 200)
    assert refused["status"] == 400
    assert refused["headers"]["X-Road-Id"] is None


def test_the_log_keeps_the_last_100_calls(registry: RunningApp) -> None:
    for number in range(105):
        get(registry, "/parcels", commune_code="32002", sheet=str(number + 1))
    log = requests.get(f"{registry.url}/_requests", timeout=5).json()["requests"]
    assert len(log) == 100
    assert log[0]["query"] == "commune_code=32002&sheet=105"
    assert log[-1]["query"] == "commune_code=32002&sheet=6"


def test_the_openapi_document_is_valid_and_names_the_operations(registry: RunningApp) -> None:
    document = get(registry, "/openapi.json", {}).json()
    validate(document)  # raises on an invalid OpenAPI 3.1 document
    operations = {op["operationId"] for path in document["paths"].values()
                  for op in path.values()}
    assert operations == {"searchParcels", "getParcel", "getParcelPlanning", "health"}
    assert document["servers"] == [{"url": registry.url}]
