"""The sandbox hydro-meteorological station on a real socket: a commune's forecast for today
and three days, the disaster warnings in force (and not the expired one), reference-data
caching headers, identification, faults, the request log, and its OpenAPI document checked by
openapi-spec-validator."""

from collections.abc import Iterator
from datetime import date, datetime, timedelta

import pytest
import requests
from openapi_spec_validator import validate

from govhub_sandbox.serving import RunningApp, start_in_thread
from govhub_sandbox.weather import Station, create_app
from govhub_sandbox.weather.forecast import SKIES, VIETNAM

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=VIETNAM)
IDENTIFIED = {"X-Road-Client": "000.00.00.H12/chinhquyenso", "X-Road-Id": "w-0001",
              "X-Road-UserId": "anonymous", "X-Road-Issue": "CARDS"}


@pytest.fixture(scope="module")
def station() -> Iterator[RunningApp]:
    with start_in_thread(create_app(station=Station(now=lambda: NOW)),
                         name="weather-sandbox-test") as running:
        yield running


@pytest.fixture(autouse=True)
def _no_faults(station: RunningApp) -> Iterator[None]:
    yield
    requests.delete(f"{station.url}/_faults", timeout=5).raise_for_status()


def get(service: RunningApp, path: str, headers: dict[str, str] | None = None,
        **params: str) -> requests.Response:
    return requests.get(f"{service.url}{path}", params=params, timeout=5,
                        headers=IDENTIFIED if headers is None else headers)


def test_forecast_covers_today_and_three_days_in_vietnamese(station: RunningApp) -> None:
    response = get(station, "/forecast", commune_code="32002")
    assert response.status_code == 200
    body = response.json()
    assert body["commune"] == {"code": "32002", "name": "Phường An Xuyên"}
    assert body["issued_at"] == "2026-11-27T04:30:00+07:00"  # the morning bulletin
    assert [d["date"] for d in body["days"]] == [
        str(date(2026, 11, 27) + timedelta(days=n)) for n in range(4)]
    for day in body["days"]:
        assert day["description"] in {sky[0] for sky in SKIES}  # Vietnamese prose
        assert 20 <= day["temperature_c"]["min"] < day["temperature_c"]["max"] <= 36
        assert 0 <= day["rain"]["probability_percent"] <= 100
        assert day["wind"]["direction"] in {"Đông Bắc", "Đông", "Tây Nam", "Tây"}
    # The bulletin does not change once issued.
    assert get(station, "/forecast", commune_code="32002").json() == body
    assert response.headers["Cache-Control"] == "public, max-age=600"


def test_an_unknown_or_missing_commune_is_400_problem_json(station: RunningApp) -> None:
    for params in ({}, {"commune_code": "99999"}):
        response = get(station, "/forecast", **params)
        assert response.status_code == 400
        assert response.headers["Content-Type"].startswith("application/problem+json")
        assert response.json()["code"] == "invalid_parameter"


def test_alerts_list_the_warnings_in_force_highest_risk_first(station: RunningApp) -> None:
    body = get(station, "/alerts").json()
    kinds = [a["kind"] for a in body["alerts"]]
    assert set(kinds) == {"high_tide", "saltwater_intrusion", "landslide"}
    assert "tropical_depression" not in kinds  # issued five days ago, valid for two
    assert [a["risk_level"] for a in body["alerts"]] == sorted(
        (a["risk_level"] for a in body["alerts"]), reverse=True)
    tide = next(a for a in body["alerts"] if a["kind"] == "high_tide")
    assert tide["kind_name"] == "Triều cường"
    assert {"code": "32191", "name": "Xã Năm Căn"} in tide["areas"]
    for alert in body["alerts"]:
        assert (datetime.fromisoformat(alert["issued_at"]) <= NOW
                < datetime.fromisoformat(alert["valid_until"]))


def test_alerts_for_one_commune_are_those_covering_it(station: RunningApp) -> None:
    body = get(station, "/alerts", commune_code="32095").json()
    assert [a["kind_name"] for a in body["alerts"]] == ["Xâm nhập mặn"]


def test_calls_without_identification_are_refused_but_the_probe_is_not(
        station: RunningApp) -> None:
    refused = get(station, "/alerts", {"X-Road-Client": "000.00.00.H12/chinhquyenso"})
    assert refused.status_code == 400
    assert refused.json()["code"] == "missing_identification"
    assert get(station, "/health", {}).json() == {"status": "ok"}


def test_a_fault_fails_the_alerts_and_the_log_shows_who_called(station: RunningApp) -> None:
    requests.post(f"{station.url}/_faults", json={"listAlerts": {"fail_next": 1}},
                  timeout=5).raise_for_status()
    failed = get(station, "/alerts")
    assert failed.status_code == 503
    assert failed.headers["Retry-After"] == "1"
    assert get(station, "/alerts").status_code == 200  # only the next one failed
    last = requests.get(f"{station.url}/_requests", timeout=5).json()["requests"][0]
    assert last["headers"]["X-Road-Issue"] == "CARDS"
    assert last["path"] == "/alerts"


def test_the_openapi_document_is_valid_and_names_the_operations(station: RunningApp) -> None:
    document = get(station, "/openapi.json", {}).json()
    validate(document)
    operations = {op["operationId"] for path in document["paths"].values()
                  for op in path.values()}
    assert operations == {"getForecast", "listAlerts", "health"}


def test_before_the_first_bulletin_of_the_day_yesterdays_evening_one_is_served() -> None:
    early = datetime(2026, 11, 27, 3, 0, tzinfo=VIETNAM)
    assert Station(now=lambda: early).issued_at() == datetime(2026, 11, 26, 16, 30,
                                                              tzinfo=VIETNAM)
