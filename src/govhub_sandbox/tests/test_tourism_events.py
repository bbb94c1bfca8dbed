"""The sandbox tourism events service on a real socket: Cà Mau's festivals in a window of
dates, the weekly evening of Đờn ca tài tử, bad windows as problem+json, identification,
faults, and its OpenAPI document checked by openapi-spec-validator."""

import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import date

import pytest
import requests
from openapi_spec_validator import validate

from govhub_sandbox.serving import RunningApp, start_in_thread
from govhub_sandbox.tourism import Calendar, create_app

TODAY = date(2026, 2, 20)
IDENTIFIED = {"X-Road-Client": "000.00.00.H12/chinhquyenso", "X-Road-Id": "t-0001"}


@pytest.fixture(scope="module")
def tourism() -> Iterator[RunningApp]:
    with start_in_thread(create_app(calendar=Calendar(today=lambda: TODAY)),
                         name="tourism-sandbox-test") as running:
        yield running


def get(service: RunningApp, path: str, headers: dict[str, str] | None = None,
        **params: str) -> requests.Response:
    return requests.get(f"{service.url}{path}", params=params, timeout=5,
                        headers=IDENTIFIED if headers is None else headers)


def test_the_festivals_of_spring_in_ca_mau(tourism: RunningApp) -> None:
    body = get(tourism, "/events", **{"from": "2026-03-01", "to": "2026-04-30"}).json()
    festivals = [e for e in body["events"] if e["category"] != "Văn hóa"]
    assert [e["name"] for e in festivals] == [
        "Lễ hội Nghinh Ông Sông Đốc", "Ngày hội Văn hóa - Du lịch Đất Mũi"]
    song_doc = festivals[0]
    assert (song_doc["starts_on"], song_doc["ends_on"]) == ("2026-03-13", "2026-03-15")
    assert song_doc["commune"]["name"] == "Xã Sông Đốc"
    # Every Saturday evening in the window, Đờn ca tài tử.
    saturdays = [e for e in body["events"] if e["name"] == "Đêm Đờn ca tài tử Nam Bộ"]
    assert len(saturdays) == 8  # 7 March to 25 April 2026
    assert all(date.fromisoformat(e["starts_on"]).weekday() == 5 for e in saturdays)
    assert saturdays[0]["starts_at"] == "19:30"
    starts = [e["starts_on"] for e in body["events"]]
    assert starts == sorted(starts)  # soonest first


def test_a_festival_still_running_at_the_start_of_the_window_is_listed(
        tourism: RunningApp) -> None:
    body = get(tourism, "/events", **{"from": "2026-03-15", "to": "2026-03-15"}).json()
    assert [e["name"] for e in body["events"]] == ["Lễ hội Nghinh Ông Sông Đốc"]


def test_the_default_window_is_the_next_sixty_days(tourism: RunningApp) -> None:
    body = get(tourism, "/events").json()
    assert (body["from"], body["to"]) == ("2026-02-20", "2026-04-21")
    assert "Lễ hội Nghinh Ông Sông Đốc" in {e["name"] for e in body["events"]}
    assert body["source"].startswith("Sở Văn hóa, Thể thao và Du lịch")


@pytest.mark.parametrize("params", [
    {"from": "20/02/2026"}, {"from": "2026-03-01", "to": "2026-02-01"},
    {"from": "2026-01-01", "to": "2028-01-01"}])
def test_bad_windows_are_400_problem_json(tourism: RunningApp, params: dict[str, str]) -> None:
    response = get(tourism, "/events", **params)
    assert response.status_code == 400
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert response.json()["code"] == "invalid_parameter"


def test_identification_faults_and_the_probe(tourism: RunningApp) -> None:
    assert get(tourism, "/events", {}).json()["code"] == "missing_identification"
    assert get(tourism, "/health", {}).json() == {"status": "ok"}
    requests.post(f"{tourism.url}/_faults", json={"*": {"fail": True, "status": 500}},
                  timeout=5).raise_for_status()
    try:
        assert get(tourism, "/events").status_code == 500
    finally:
        requests.delete(f"{tourism.url}/_faults", timeout=5).raise_for_status()
    assert get(tourism, "/events").status_code == 200


def test_the_openapi_document_is_valid_and_names_the_operations(tourism: RunningApp) -> None:
    document = get(tourism, "/openapi.json", {}).json()
    validate(document)
    operations = {op["operationId"] for path in document["paths"].values()
                  for op in path.values()}
    assert operations == {"listEvents", "health"}


def test_one_process_runs_all_five_upstreams_with_weather_and_tourism() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "govhub_sandbox.upstreams", *(
            f"--{name}-port=0" for name in ("population", "land", "agriculture", "weather",
                                             "tourism")),
         "--faults", '{"tourism": {"listEvents": {"fail": true}}}'],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(5)]
        urls = [re.search(r"http://127\.0\.0\.1:\d+", line) for line in lines]
        assert all(urls), lines
        weather_url, tourism_url = (m.group(0) for m in urls[3:] if m)
        assert lines[3].startswith("Weather sandbox")
        forecast = requests.get(f"{weather_url}/forecast", params={"commune_code": "32248"},
                                headers=IDENTIFIED, timeout=5)
        assert forecast.json()["commune"]["name"] == "Xã Đất Mũi"
        assert requests.get(f"{tourism_url}/events", headers=IDENTIFIED,
                            timeout=5).status_code == 503
    finally:
        process.terminate()
        process.wait(timeout=10)
