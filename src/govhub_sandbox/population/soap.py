"""SOAP 1.1 envelopes carrying the X-Road message protocol 4.0 header, as the national
data-exchange platform (built on X-Road) speaks them: parse a request safely, check its X-Road
header, build responses (which echo the header, as X-Road requires) and faults."""

import copy
from dataclasses import dataclass, field

from lxml import etree

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
XROAD = "http://x-road.eu/xsd/xroad.xsd"
IDENTIFIERS = "http://x-road.eu/xsd/identifiers"
DANCU = "http://dancu.gov.vn/xsd/dancu"
PROTOCOL_VERSION = "4.0"
SOAP_CONTENT_TYPE = "text/xml; charset=utf-8"  # SOAP 1.1 §6.1.1
NSMAP = {"SOAP-ENV": SOAP_ENV, "xrd": XROAD, "id": IDENTIFIERS, "dc": DANCU}

CLIENT_PARTS = ("xRoadInstance", "memberClass", "memberCode", "subsystemCode")
SERVICE_PARTS = ("xRoadInstance", "memberClass", "memberCode", "subsystemCode", "serviceCode",
                 "serviceVersion")
REQUIRED_SERVICE_PARTS = ("xRoadInstance", "memberClass", "memberCode", "serviceCode")


def safe_parser() -> etree.XMLParser:
    """No entity expansion, no DTD, no network: an envelope from outside must not make the
    parser read files or URLs (XXE) or expand entities without bound ("billion laughs")."""
    return etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True,
                           dtd_validation=False, huge_tree=False, remove_pis=True)


class SoapFaultError(Exception):
    """A SOAP 1.1 fault (§4.4). ``code`` is ``Client`` (the request is wrong) or ``Server``;
    ``business_code`` marks a declared business fault (``dc:LoiNghiepVu`` in the detail),
    which the hub classifies as provider-business rather than technical."""

    def __init__(self, code: str, vietnamese: str, english: str, *,
                 business_code: str | None = None, http_status: int = 500) -> None:
        super().__init__(f"{vietnamese} / {english}")
        self.code = code
        self.faultstring = f"{vietnamese} / {english}"
        self.business_code = business_code
        self.http_status = http_status  # SOAP 1.1 §6.2: a fault is answered with 500


def client_fault(vietnamese: str, english: str) -> SoapFaultError:
    return SoapFaultError("Client", vietnamese, english)


@dataclass
class XRoadHeader:
    client: dict[str, str] = field(default_factory=dict)
    service: dict[str, str] = field(default_factory=dict)
    id: str = ""
    user_id: str = ""
    issue: str = ""
    protocol_version: str = ""

    def as_dict(self) -> dict[str, object]:
        return {"client": self.client, "service": self.service, "id": self.id,
                "userId": self.user_id, "issue": self.issue,
                "protocolVersion": self.protocol_version}


@dataclass
class Envelope:
    header_element: etree._Element
    xroad: XRoadHeader
    operation: etree._Element  # the one child of the Body


def _text(parent: etree._Element, namespace: str, name: str) -> str:
    found = parent.find(f"{{{namespace}}}{name}")
    return (found.text or "").strip() if found is not None else ""


def _identifier(header: etree._Element, name: str, object_type: str,
                parts: tuple[str, ...], required: tuple[str, ...]) -> dict[str, str]:
    element = header.find(f"{{{XROAD}}}{name}")
    if element is None:
        raise client_fault(f"Thiếu tiêu đề X-Road: {name}", f"Missing X-Road header: {name}")
    if element.get(f"{{{IDENTIFIERS}}}objectType") != object_type:
        raise client_fault(f"Tiêu đề X-Road {name} phải có id:objectType={object_type}",
                           f"X-Road header {name} must have id:objectType={object_type}")
    values = {part: _text(element, IDENTIFIERS, part) for part in parts}
    missing = [part for part in required if not values[part]]
    if missing:
        raise client_fault(f"Tiêu đề X-Road {name} thiếu {', '.join(missing)}",
                           f"X-Road header {name} lacks {', '.join(missing)}")
    return {part: value for part, value in values.items() if value}


def _xroad_header(header: etree._Element | None) -> XRoadHeader:
    if header is None:
        raise client_fault("Thiếu tiêu đề SOAP chứa thông tin định danh X-Road",
                           "Missing SOAP Header with the X-Road identification")
    parsed = XRoadHeader(
        client=_identifier(header, "client", "SUBSYSTEM", CLIENT_PARTS, CLIENT_PARTS),
        service=_identifier(header, "service", "SERVICE", SERVICE_PARTS,
                            REQUIRED_SERVICE_PARTS),
        id=_text(header, XROAD, "id"), user_id=_text(header, XROAD, "userId"),
        issue=_text(header, XROAD, "issue"),
        protocol_version=_text(header, XROAD, "protocolVersion"))
    # X-Road message protocol 4.0 §2.3: id and protocolVersion are mandatory; the national
    # population database also requires the officer (userId) for its access log.
    for name, value in (("id", parsed.id), ("userId", parsed.user_id)):
        if not value:
            raise client_fault(f"Thiếu tiêu đề X-Road: {name}", f"Missing X-Road header: {name}")
    if parsed.protocol_version != PROTOCOL_VERSION:
        raise client_fault(f"protocolVersion phải là {PROTOCOL_VERSION}",
                           f"protocolVersion must be {PROTOCOL_VERSION}")
    return parsed


def parse_envelope(body: bytes) -> Envelope:
    try:
        root = etree.fromstring(body, safe_parser())
    except etree.XMLSyntaxError as error:
        raise client_fault("Thông điệp không phải XML hợp lệ",
                           f"The message is not well-formed XML: {error}") from error
    if root.getroottree().docinfo.doctype:
        # SOAP 1.1 §3: a SOAP message MUST NOT contain a Document Type Declaration.
        raise client_fault("Thông điệp SOAP không được chứa DTD",
                           "A SOAP message must not contain a DTD")
    if root.tag != f"{{{SOAP_ENV}}}Envelope":
        raise SoapFaultError("VersionMismatch", "Không phải phong bì SOAP 1.1",
                        "Not a SOAP 1.1 Envelope")
    header = root.find(f"{{{SOAP_ENV}}}Header")
    xroad = _xroad_header(header)
    soap_body = root.find(f"{{{SOAP_ENV}}}Body")
    children = [] if soap_body is None else [c for c in soap_body if isinstance(c.tag, str)]
    if len(children) != 1:
        raise client_fault("Phần thân SOAP phải chứa đúng một thao tác",
                           "The SOAP Body must hold exactly one operation element")
    operation = children[0]
    # X-Road: the service code names the operation; a mismatch is a routing error.
    if etree.QName(operation).localname != xroad.service["serviceCode"]:
        raise client_fault("serviceCode không khớp với thao tác trong phần thân",
                           "serviceCode does not match the operation in the Body")
    assert header is not None  # checked by _xroad_header
    return Envelope(header, xroad, operation)


def response_envelope(request_header: etree._Element, content: etree._Element) -> bytes:
    """X-Road message protocol 4.0 §2.4: the response carries the request's header fields."""
    envelope = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap=NSMAP)
    envelope.append(copy.deepcopy(request_header))
    etree.SubElement(envelope, f"{{{SOAP_ENV}}}Body").append(content)
    return bytes(etree.tostring(envelope, xml_declaration=True, encoding="UTF-8"))


def fault_envelope(fault: SoapFaultError) -> bytes:
    envelope = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap=NSMAP)
    body = etree.SubElement(envelope, f"{{{SOAP_ENV}}}Body")
    element = etree.SubElement(body, f"{{{SOAP_ENV}}}Fault")
    # SOAP 1.1 §4.4: faultcode, faultstring and detail are unqualified; faultcode is a QName.
    etree.SubElement(element, "faultcode").text = f"SOAP-ENV:{fault.code}"
    etree.SubElement(element, "faultstring").text = fault.faultstring
    if fault.business_code:
        detail = etree.SubElement(element, "detail")
        error = etree.SubElement(detail, f"{{{DANCU}}}LoiNghiepVu")
        etree.SubElement(error, f"{{{DANCU}}}MaLoi").text = fault.business_code
        etree.SubElement(error, f"{{{DANCU}}}MoTa").text = fault.faultstring
    return bytes(etree.tostring(envelope, xml_declaration=True, encoding="UTF-8"))


def dc(parent: etree._Element | None, name: str, text: str | None = None) -> etree._Element:
    """An element of the population service's namespace, under ``parent`` if given."""
    tag = f"{{{DANCU}}}{name}"
    element = etree.Element(tag, nsmap={"dc": DANCU}) if parent is None \
        else etree.SubElement(parent, tag)
    if text is not None:
        element.text = text
    return element
