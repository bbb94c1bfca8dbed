"""The X-Road message protocol for SOAP (version 4.x) as the gateway reads it.

A SOAP 1.1 envelope whose ``Header`` holds, in namespace ``http://x-road.eu/xsd/xroad.xsd``:
``client`` (objectType SUBSYSTEM), ``service`` (objectType SERVICE), ``id``, ``userId``,
``issue`` and ``protocolVersion`` ("4.0"); the identifier parts (``xRoadInstance``,
``memberClass``, ``memberCode``, ``subsystemCode``, ``serviceCode``, ``serviceVersion``) are
in ``http://x-road.eu/xsd/identifiers``. The province fixes the instance and member class
(ADR 0013), so the client maps to ``{memberCode}/{subsystemCode}`` and the service to our
service ``{memberCode}/{subsystemCode}/{serviceCode}``. The operation is the local name of
the first element in ``Body``.

Errors answer as a SOAP 1.1 Fault (faultcode ``Client`` or ``Server``), because a SOAP
client library raises a Fault it can read and may not parse problem+json; the RFC 9457
problem fields travel in the fault's ``detail`` as child elements of ``problem`` in namespace
:data:`PROBLEM_NS` (``type``, ``title``, ``status``, ``detail``, ``fault_origin``,
``retryable``, ``request_id``, one ``error`` per invalid field). The HTTP status is 500, as
SOAP 1.1 §6.2 and WS-I Basic Profile 1.1 R1126 require for a Fault; the refusal's own status
(400, 401, 403, 429, …) is ``detail/problem/status``.

The parser is hardened: no DTD at all (a DOCTYPE is refused: no entity expansion, no
"billion laughs"), no network access, no huge-tree mode, and the body size is bounded by
the engine's ``ReadBody`` limit before it gets here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from lxml import etree

from govhub_contracts.problem import FieldError
from govhub_gateway.policy.identification import Identification, field_error, identify

SOAP_ENV_NS = "http://schemas.xmlsoap.org/soap/envelope/"
XROAD_NS = "http://x-road.eu/xsd/xroad.xsd"
ID_NS = "http://x-road.eu/xsd/identifiers"
PROBLEM_NS = "urn:ietf:rfc:9457"
SOAP_CONTENT_TYPE = "text/xml; charset=utf-8"
SOAP_HEADER_NAMES = ("client", "id", "userId", "issue", "protocolVersion")

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                          dtd_validation=False, huge_tree=False, remove_pis=True)


@dataclass(slots=True, frozen=True)
class SoapRequest:
    identification: Identification
    service_key: tuple[str, str, str]  # (memberCode, subsystemCode, serviceCode)
    service_version: str
    operation: str


@dataclass(slots=True, frozen=True)
class SoapError:
    detail: str
    errors: list[FieldError]


def _text(parent: etree._Element, namespace: str, name: str) -> str | None:
    child = parent.find(f"{{{namespace}}}{name}")
    if child is None or child.text is None:
        return None
    return child.text.strip()


def _object(header: etree._Element, name: str, object_type: str, code: str
            ) -> tuple[str, str, str, str] | str:
    """(memberCode, subsystemCode, code value, serviceVersion) of ``xrd:{name}``, or why not."""
    element = header.find(f"{{{XROAD_NS}}}{name}")
    if element is None:
        return f"xrd:{name} is missing"
    if element.get(f"{{{ID_NS}}}objectType") != object_type:
        return f"xrd:{name} must have id:objectType {object_type}"
    member = _text(element, ID_NS, "memberCode")
    subsystem = _text(element, ID_NS, "subsystemCode")
    value = _text(element, ID_NS, code) if code else ""
    if not member or not subsystem or value is None or (code and not value):
        needed = "id:memberCode, id:subsystemCode" + (f", id:{code}" if code else "")
        return f"xrd:{name} needs {needed}"
    return member, subsystem, value, _text(element, ID_NS, "serviceVersion") or ""


def _header_error(name: str, detail: str) -> FieldError:
    return field_error(name, detail, "invalid", "Envelope/Header")


def _parse_envelope(body: bytes) -> tuple[etree._Element, etree._Element] | str:
    """The (Header, first Body child) of the envelope, or why it is not one."""
    try:
        root = etree.fromstring(body, parser=_PARSER)
    except etree.XMLSyntaxError as exc:
        return f"not well-formed XML: {exc.msg}"
    if root.getroottree().docinfo.doctype:
        return "a DOCTYPE is not allowed in a SOAP message (SOAP 1.1 §3)"
    if root.tag != f"{{{SOAP_ENV_NS}}}Envelope":
        return "the root element must be a SOAP 1.1 Envelope"
    header = root.find(f"{{{SOAP_ENV_NS}}}Header")
    soap_body = root.find(f"{{{SOAP_ENV_NS}}}Body")
    if header is None or soap_body is None:
        return "the envelope needs a Header with the X-Road fields and a Body"
    first = next((child for child in soap_body if isinstance(child.tag, str)), None)
    if first is None:
        return "the Body holds no operation element"
    return header, first


def parse_request(body: bytes) -> SoapRequest | SoapError:
    parsed = _parse_envelope(body)
    if isinstance(parsed, str):
        return SoapError(parsed, [])
    header, operation = parsed
    client = _object(header, "client", "SUBSYSTEM", "")
    service = _object(header, "service", "SERVICE", "serviceCode")
    errors = [_header_error(name, found) for name, found in (("client", client),
                                                              ("service", service))
              if isinstance(found, str)]
    # A placeholder when xrd:client is bad: its error is already listed above.
    client_id = "-/-" if isinstance(client, str) else f"{client[0]}/{client[1]}"
    identification = identify(
        client_id,
        _text(header, XROAD_NS, "id"), _text(header, XROAD_NS, "userId"),
        _text(header, XROAD_NS, "issue"), _text(header, XROAD_NS, "protocolVersion"),
        SOAP_HEADER_NAMES, "Envelope/Header")
    if isinstance(identification, list):
        errors.extend(identification)
    if errors or isinstance(service, str) or isinstance(identification, list):
        return SoapError("missing or malformed X-Road SOAP header fields", errors)
    if not identification.protocol_version.startswith("4."):
        return SoapError("xrd:protocolVersion must be 4.x",
                         [_header_error("protocolVersion", "must be 4.x")])
    return SoapRequest(identification, (service[0], service[1], service[2]), service[3],
                       etree.QName(operation).localname)


def _problem_xml(problem: dict[str, Any]) -> str:
    parts: list[str] = []
    for name, value in problem.items():
        if name == "errors" and isinstance(value, list):
            parts.extend(
                f'<error pointer="{escape(str(e.get("pointer", "")))}" '
                f'code="{escape(str(e.get("code", "")))}">{escape(str(e.get("detail", "")))}'
                "</error>" for e in value if isinstance(e, dict))
        elif isinstance(value, bool):
            parts.append(f"<{name}>{'true' if value else 'false'}</{name}>")
        elif isinstance(value, str | int | float):
            parts.append(f"<{name}>{escape(str(value))}</{name}>")
    return "".join(parts)


def fault(problem_json: bytes, *, server: bool) -> bytes:
    """A SOAP 1.1 Fault (faultcode Client or Server, faultstring the problem's title) whose
    ``detail`` carries the problem's members as elements."""
    problem = json.loads(problem_json)
    code = "SOAP-ENV:Server" if server else "SOAP-ENV:Client"
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<SOAP-ENV:Envelope xmlns:SOAP-ENV="{SOAP_ENV_NS}"><SOAP-ENV:Body><SOAP-ENV:Fault>'
        f"<faultcode>{code}</faultcode>"
        f"<faultstring>{escape(str(problem.get('title', '')))}</faultstring>"
        f'<detail><problem xmlns="{PROBLEM_NS}">{_problem_xml(problem)}</problem></detail>'
        "</SOAP-ENV:Fault></SOAP-ENV:Body></SOAP-ENV:Envelope>"
    ).encode()
