"""SOAP calls: the X-Road SOAP header routes the envelope; errors are SOAP 1.1 Faults, read
here by zeep (an independent SOAP implementation) as a SOAP client would."""

from __future__ import annotations

from lxml import etree
from zeep.exceptions import Fault
from zeep.wsdl.bindings.soap import Soap11Binding

from govhub_gateway.engine.exchange import Forward, ReadBody, Respond
from govhub_gateway.policy.soap import PROBLEM_NS
from govhub_gateway.tests.policy_builders import (
    CITIZENS,
    CONSUMER,
    OTHER_KEY,
    grant,
    harness,
    head,
    outcome,
    snapshot,
)
from tests.support.soap_envelopes import envelope, soap_head

NS = {"p": PROBLEM_NS}


def read_fault(decision: object) -> tuple[Fault, dict[str, str]]:
    """The Fault as zeep raises it, and the problem members from its detail."""
    assert isinstance(decision, Respond), decision
    assert decision.status == 500  # WS-I Basic Profile 1.1 R1126
    assert decision.headers[0] == ("content-type", "text/xml; charset=utf-8")
    binding = Soap11Binding.__new__(Soap11Binding)
    try:
        binding.process_error(etree.fromstring(decision.body), None)
    except Fault as caught:
        fault = caught
    problem = fault.detail.find("p:problem", NS)
    members = {etree.QName(child).localname: child.text or "" for child in problem
               if etree.QName(child).localname != "error"}
    members["errors"] = " ".join(e.get("pointer") for e in problem.findall("p:error", NS))
    return fault, members


def test_soap_post_to_root_reads_the_body_then_forwards_unchanged_path() -> None:
    h = harness()
    request = soap_head()
    first = h.policy.decide(request)
    assert isinstance(first, ReadBody)
    assert first.max_bytes == 10 * 1024 * 1024
    decision = h.policy.decide_with_body(request, envelope())
    assert isinstance(decision, Forward)
    assert decision.origin == "https://pop.example.gov.vn:8443"
    assert decision.target == "/soap/citizens"
    assert decision.host_header == "pop.example.gov.vn:8443"
    added = dict(decision.add_headers)
    assert (added["X-Road-Client"], added["X-Road-Id"], added["X-Road-Service"]) == (
        CONSUMER, "soap-req-1", CITIZENS)
    assert decision.exchange.operation == "getCitizen"


def test_malformed_envelope_is_a_client_fault() -> None:
    h = harness()
    fault, problem = read_fault(
        h.policy.decide_with_body(soap_head(), b"<not-xml"))
    assert fault.code == "SOAP-ENV:Client"
    assert problem["status"] == "400"
    assert problem["type"].endswith("/problems/gateway-bad-request")


def test_doctype_and_entities_are_refused() -> None:
    h = harness()
    bomb = (b'<?xml version="1.0"?><!DOCTYPE e [<!ENTITY a "aaaaaaaa">]>'
            + envelope().split(b"?>", 1)[1].replace(b"officer-17", b"&a;"))
    fault, problem = read_fault(h.policy.decide_with_body(soap_head(), bomb))
    assert fault.code == "SOAP-ENV:Client"
    assert "DOCTYPE" in problem["detail"]


def test_missing_header_fields_are_listed_in_the_fault() -> None:
    h = harness()
    body = envelope(request_id=None, client_type="MEMBER")
    fault, problem = read_fault(h.policy.decide_with_body(soap_head(), body))
    assert fault.code == "SOAP-ENV:Client"
    assert problem["type"].endswith("/problems/gateway-missing-identification")
    assert problem["errors"] == "/Envelope/Header/client /Envelope/Header/id"


def test_unsupported_protocol_version_is_refused() -> None:
    h = harness()
    _, problem = read_fault(h.policy.decide_with_body(
        soap_head(), envelope(protocol_version="3.1")))
    assert "4.x" in problem["detail"]


def test_unknown_operation_service_or_version_is_404_in_a_fault() -> None:
    h = harness()
    for body in (envelope(operation="deleteCitizen"), envelope(service_code="nosuch"),
                 envelope(version="v9")):
        _, problem = read_fault(h.policy.decide_with_body(soap_head(), body))
        assert problem["status"] == "404"


def test_soap_grant_and_authentication_are_enforced() -> None:
    h = harness(snapshot(grants=[grant(service=CITIZENS, operations=["otherOperation"])]))
    fault, problem = read_fault(h.policy.decide_with_body(soap_head(), envelope()))
    assert fault.message == "Không có thỏa thuận chia sẻ dữ liệu còn hiệu lực / " \
        "No valid data-sharing agreement"
    assert problem["status"] == "403"
    assert "getCitizen" in problem["detail"]
    _, problem = read_fault(h.policy.decide_with_body(
        soap_head(auth=OTHER_KEY), envelope()))
    assert problem["status"] == "401"


def test_soap_exchange_is_evidence_with_the_header_identification() -> None:
    h = harness()
    request = soap_head()
    decision = h.policy.decide_with_body(request, envelope())
    assert isinstance(decision, Forward)
    h.policy.complete(request, decision.exchange, outcome(200))
    record = h.evidence[0]
    assert (record["request_id"], record["client"], record["service"], record["operation"],
            record["user_id"]) == ("soap-req-1", CONSUMER, CITIZENS, "getCitizen", "officer-17")


def test_soap_needs_the_soap_1_1_content_type() -> None:
    request = head("/", method="POST", headers={"content-type": "application/json"})
    decision = harness().policy.decide(request)
    assert isinstance(decision, Respond)
    assert decision.status == 400
    assert decision.headers[0] == ("content-type", "application/problem+json")


def test_xroad_service_code_naming_the_operation_routes_to_the_wsdl_service() -> None:
    # X-Road convention (the national platform's): serviceCode is the operation's name; govhub
    # registers the whole WSDL as one service, so the operation finds its service.
    h = harness()
    request = soap_head()
    decision = h.policy.decide_with_body(
        request, envelope(service_code="getCitizen", operation="getCitizen"))
    assert isinstance(decision, Forward), decision
    assert dict(decision.add_headers)["X-Road-Service"] == CITIZENS
    h.policy.complete(request, decision.exchange, outcome(200))
    assert (h.evidence[0]["service"], h.evidence[0]["operation"]) == (CITIZENS, "getCitizen")
