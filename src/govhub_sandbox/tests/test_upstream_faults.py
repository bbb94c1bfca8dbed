"""Fault injection on the sandbox upstreams, seen from the client side over real sockets, as
the hub's gateway will see it: slow, hung, failing (500/503, the next N), cut off mid-body,
huge; per endpoint or for all; at start (CLI, JSON) and at runtime (/_faults)."""

import asyncio
import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import aiohttp
import pytest
import requests
from lxml import etree

from govhub_sandbox import agriculture, land, population
from govhub_sandbox.population.soap import SOAP_ENV
from govhub_sandbox.serving import RunningApp, start_in_thread
from govhub_sandbox.upstream_kit import UpstreamFault
from tests.support.polling import eventually

IDENTIFIED = {"X-Road-Client": "000.00.00.H12/MOTCUA", "X-Road-Id": "f-0001"}
PARCEL = "/parcels/32002-012-0145"


@pytest.fixture(scope="module")
def registry() -> Iterator[RunningApp]:
    with start_in_thread(land.create_app(), name="land-faults-test") as running:
        yield running


@pytest.fixture(autouse=True)
def _no_faults(registry: RunningApp) -> Iterator[None]:
    yield
    requests.delete(f"{registry.url}/_faults", timeout=5).raise_for_status()
    requests.delete(f"{registry.url}/_requests", timeout=5).raise_for_status()


def set_faults(service: RunningApp, faults: dict[str, Any]) -> requests.Response:
    response = requests.post(f"{service.url}/_faults", json=faults, timeout=5)
    assert response.status_code == 200, response.text
    return response


def get(service: RunningApp, path: str = PARCEL, timeout: float = 5) -> requests.Response:
    return requests.get(f"{service.url}{path}", headers=IDENTIFIED, timeout=timeout)


def test_a_slow_endpoint_answers_late_and_the_others_on_time(registry: RunningApp) -> None:
    set_faults(registry, {"getParcel": {"delay_seconds": 0.6}})
    started = time.monotonic()
    assert get(registry).status_code == 200
    assert time.monotonic() - started >= 0.6
    started = time.monotonic()
    assert get(registry, f"{PARCEL}/planning").status_code == 200
    assert time.monotonic() - started < 0.5


async def _fetch(url: str, timeout_seconds: float) -> bytes:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout_seconds)) \
            as session, session.get(url, headers=IDENTIFIED) as response:
        return await response.read()


def test_a_hung_endpoint_never_answers_until_the_client_gives_up(registry: RunningApp) -> None:
    set_faults(registry, {"getParcel": {"hang": True}})
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        asyncio.run(_fetch(f"{registry.url}{PARCEL}", timeout_seconds=0.5))
    assert time.monotonic() - started < 3
    # The server is not stuck: other calls are answered meanwhile, and the log shows the
    # hung call as received but never answered.
    assert get(registry, "/health").json() == {"status": "ok"}
    hung = requests.get(f"{registry.url}/_requests", timeout=5).json()["requests"][-1]
    assert (hung["path"], hung["status"]) == (PARCEL, None)


def test_a_server_with_a_hung_call_still_stops_promptly() -> None:
    running = start_in_thread(land.create_app({"*": UpstreamFault(hang=True)}))
    try:
        with pytest.raises(requests.Timeout):
            get(running, timeout=0.3)
    finally:
        started = time.monotonic()
        running.stop()
    assert time.monotonic() - started < 5


def test_fail_answers_503_with_retry_after_until_cleared(registry: RunningApp) -> None:
    set_faults(registry, {"getParcel": {"fail": True}})
    for _ in range(3):
        response = get(registry)
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "1"
        assert response.headers["Content-Type"].startswith("application/problem+json")
        assert response.json()["code"] == "temporarily_unavailable"
    requests.delete(f"{registry.url}/_faults", timeout=5).raise_for_status()
    assert get(registry).status_code == 200


def test_fail_with_status_500_is_a_plain_server_error(registry: RunningApp) -> None:
    set_faults(registry, {"getParcel": {"fail": True, "status": 500}})
    response = get(registry)
    assert response.status_code == 500
    assert "Retry-After" not in response.headers


def test_fail_next_fails_exactly_n_calls(registry: RunningApp) -> None:
    set_faults(registry, {"getParcel": {"fail_next": 2}})
    assert [get(registry).status_code for _ in range(4)] == [503, 503, 200, 200]
    # Spent faults are no longer reported as in force.
    assert requests.get(f"{registry.url}/_faults", timeout=5).json() == {}


def test_a_response_cut_off_mid_body_is_an_incomplete_read(registry: RunningApp) -> None:
    set_faults(registry, {"getParcel": {"close_mid_response": True}})
    with pytest.raises(aiohttp.ClientPayloadError, match="512 of 1024"):
        asyncio.run(_fetch(f"{registry.url}{PARCEL}", timeout_seconds=5))


async def _sizes(url: str) -> tuple[int, int, bytes]:
    async with aiohttp.ClientSession() as session, session.get(url, headers=IDENTIFIED) as r:
        body = await r.read()
        return int(r.headers["Content-Length"]), len(body), body


def test_a_huge_response_streams_the_megabytes_asked_for(registry: RunningApp) -> None:
    set_faults(registry, {"getParcel": {"huge_response_mb": 3}})
    declared, received, body = asyncio.run(_sizes(f"{registry.url}{PARCEL}"))
    assert declared == received == 3 * 1024 * 1024
    assert len(json.loads(body)["filler"]) > 3_000_000


def test_a_global_fault_hits_every_endpoint_unless_one_has_its_own(
        registry: RunningApp) -> None:
    set_faults(registry, {"*": {"fail": True}, "health": {"delay_seconds": 0.01}})
    assert get(registry).status_code == 503
    assert get(registry, "/parcels?commune_code=32002").status_code == 503
    assert get(registry, "/health").status_code == 200
    # The sandbox's own controls are never faulted, or a test could not clear the fault.
    assert requests.get(f"{registry.url}/_faults", timeout=5).json()["*"]["fail"] is True


@pytest.mark.parametrize(("faults", "message"), [
    ({"getParcell": {"fail": True}}, "Unknown endpoint 'getParcell'"),
    ({"getParcel": {"fail": "yes"}}, "getParcel.fail"),
    ({"getParcel": {"status": 502}}, "getParcel.status"),
    ({"getParcel": {"delay_seconds": -1}}, "getParcel.delay_seconds"),
    ({"getParcel": {"explode": True}}, "getParcel:"),
    ([1, 2], "Expected a JSON object")])
def test_an_invalid_fault_configuration_is_refused(registry: RunningApp, faults: Any,
                                                   message: str) -> None:
    response = requests.post(f"{registry.url}/_faults", json=faults, timeout=5)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_faults"
    assert message in response.json()["detail"]


def test_faults_given_at_start_are_in_force_from_the_first_call() -> None:
    faults = {"latestPrices": UpstreamFault(fail_next=1, status=500)}
    with start_in_thread(agriculture.create_app(faults)) as running:
        assert get(running, "/prices/latest").status_code == 500
        assert get(running, "/prices/latest").status_code == 200


def lookup_envelope() -> bytes:
    return f"""<S:Envelope xmlns:S="{SOAP_ENV}" xmlns:xrd="http://x-road.eu/xsd/xroad.xsd"
 xmlns:id="http://x-road.eu/xsd/identifiers" xmlns:dc="http://dancu.gov.vn/xsd/dancu">
<S:Header><xrd:client id:objectType="SUBSYSTEM"><id:xRoadInstance>VN</id:xRoadInstance>
<id:memberClass>GOV</id:memberClass><id:memberCode>H12</id:memberCode>
<id:subsystemCode>MOTCUA</id:subsystemCode></xrd:client>
<xrd:service id:objectType="SERVICE"><id:xRoadInstance>VN</id:xRoadInstance>
<id:memberClass>GOV</id:memberClass><id:memberCode>G10</id:memberCode>
<id:serviceCode>TraCuuThongTinCongDan</id:serviceCode></xrd:service>
<xrd:id>1</xrd:id><xrd:userId>cb</xrd:userId><xrd:protocolVersion>4.0</xrd:protocolVersion>
</S:Header><S:Body><dc:TraCuuThongTinCongDan><dc:SoDinhDanh>096085000101</dc:SoDinhDanh>
<dc:HoVaTen>Nguyễn Văn Hùng</dc:HoVaTen></dc:TraCuuThongTinCongDan></S:Body>
</S:Envelope>""".encode()


def test_the_population_service_fails_as_soap_does() -> None:
    faults = {"TraCuuThongTinCongDan": UpstreamFault(fail_next=1)}
    with start_in_thread(population.create_app(faults)) as running:
        failed = requests.post(f"{running.url}/", data=lookup_envelope(), timeout=5)
        assert failed.status_code == 503
        assert failed.headers["Retry-After"] == "1"
        fault = etree.fromstring(failed.content).find(f".//{{{SOAP_ENV}}}Fault")
        assert fault is not None
        assert fault.findtext("faultcode") == "SOAP-ENV:Server"
        assert "tạm thời không phục vụ" in (fault.findtext("faultstring") or "")
        answered = requests.post(f"{running.url}/", data=lookup_envelope(), timeout=5)
        assert answered.status_code == 200
        set_faults(running, {"*": {"hang": True}})
        with pytest.raises(requests.Timeout):
            requests.post(f"{running.url}/", data=lookup_envelope(), timeout=0.3)


def _wait_for(url: str) -> None:
    # Any answer will do: the server is up.
    eventually(lambda: requests.get(url, timeout=2).status_code,
               ignoring=(requests.ConnectionError,), timeout_seconds=10, what=f"{url} answers")


def test_the_land_command_takes_faults_as_json() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "govhub_sandbox.land", "--port", "0",
         "--faults", '{"getParcel": {"fail": true}}'],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        match = re.search(r"(http://127\.0\.0\.1:\d+)/parcels", line)
        assert match, line
        url = match.group(1)
        _wait_for(f"{url}/health")
        assert requests.get(f"{url}{PARCEL}", headers=IDENTIFIED, timeout=5).status_code == 503
        assert requests.get(f"{url}{PARCEL}/planning", headers=IDENTIFIED,
                            timeout=5).status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_a_bad_faults_option_stops_the_command() -> None:
    finished = subprocess.run(
        [sys.executable, "-m", "govhub_sandbox.agriculture", "--port", "0",
         "--faults", '{"getParcel": {"fail": true}}'],
        capture_output=True, text=True, timeout=30)
    assert finished.returncode == 2
    assert "Unknown endpoint 'getParcel'" in finished.stderr


def test_one_process_runs_all_three_upstreams() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "govhub_sandbox.upstreams", "--population-port", "0",
         "--land-port", "0", "--agriculture-port", "0", "--weather-port", "0",
         "--tourism-port", "0",
         "--faults", '{"agriculture": {"*": {"fail": true}}}'],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert process.stdout is not None
        urls = [re.search(r"http://127\.0\.0\.1:\d+", process.stdout.readline())
                for _ in range(3)]
        assert all(urls), urls
        population_url, land_url, agriculture_url = (m.group(0) for m in urls if m)
        _wait_for(f"{agriculture_url}/health")
        assert "DanCuService" in requests.get(f"{population_url}/?wsdl", timeout=5).text
        assert requests.get(f"{land_url}{PARCEL}", headers=IDENTIFIED,
                            timeout=5).status_code == 200
        assert requests.get(f"{agriculture_url}/health", timeout=5).status_code == 503
    finally:
        process.terminate()
        process.wait(timeout=10)
