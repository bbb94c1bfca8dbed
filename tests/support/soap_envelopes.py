"""SOAP 1.1 envelopes with the X-Road SOAP header, and the request head a SOAP call arrives
with, as the gateway's policy tests send them."""

from __future__ import annotations

from govhub_gateway.engine.exchange import RequestHead
from govhub_gateway.tests.policy_builders import (
    API_KEY,
    POP,
    head,
)


def envelope(*, client: tuple[str, str] = ("000.00.00.H12.05", "onegate"),
             service_code: str = "citizens", operation: str = "getCitizen",
             request_id: str | None = "soap-req-1", version: str = "v1",
             protocol_version: str = "4.0", client_type: str = "SUBSYSTEM") -> bytes:
    request_id_xml = f"<xrd:id>{request_id}</xrd:id>" if request_id is not None else ""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/"
    xmlns:xrd="http://x-road.eu/xsd/xroad.xsd" xmlns:id="http://x-road.eu/xsd/identifiers"
    xmlns:pop="http://pop.example.gov.vn/citizens">
  <SOAP-ENV:Header>
    <xrd:client id:objectType="{client_type}">
      <id:xRoadInstance>VN</id:xRoadInstance><id:memberClass>GOV</id:memberClass>
      <id:memberCode>{client[0]}</id:memberCode><id:subsystemCode>{client[1]}</id:subsystemCode>
    </xrd:client>
    <xrd:service id:objectType="SERVICE">
      <id:xRoadInstance>VN</id:xRoadInstance><id:memberClass>GOV</id:memberClass>
      <id:memberCode>{POP}</id:memberCode><id:subsystemCode>pop</id:subsystemCode>
      <id:serviceCode>{service_code}</id:serviceCode>
      <id:serviceVersion>{version}</id:serviceVersion>
    </xrd:service>
    {request_id_xml}
    <xrd:userId>officer-17</xrd:userId>
    <xrd:issue>1.004227.000.00.00.H12</xrd:issue>
    <xrd:protocolVersion>{protocol_version}</xrd:protocolVersion>
  </SOAP-ENV:Header>
  <SOAP-ENV:Body><pop:{operation}><pop:id>001099012345</pop:id></pop:{operation}>
  </SOAP-ENV:Body>
</SOAP-ENV:Envelope>""".encode()


def soap_head(auth: str = API_KEY) -> RequestHead:
    return head("/", method="POST", headers={"content-type": "text/xml; charset=utf-8"},
                auth=auth)
