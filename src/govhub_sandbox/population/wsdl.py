"""The service description: WSDL 1.1, document/literal over SOAP 1.1, as X-Road services
publish them. The X-Road header is declared (``soap:header`` parts of a ``requestheader``
message, the X-Road convention) with the X-Road and identifiers schemas inline, so a SOAP
toolkit builds the header without fetching x-road.eu; ``xrd:version`` gives the
serviceVersion per operation. ``dc:LoiNghiepVu`` is the declared (business) fault."""

from xml.sax.saxutils import quoteattr

from govhub_sandbox.population.soap import DANCU, IDENTIFIERS, XROAD

SERVICE_VERSION = "v1"
OPERATIONS = ("TraCuuThongTinCongDan", "XacThucThongTinCongDan")

_SCHEMAS = f"""
  <xs:schema targetNamespace="{IDENTIFIERS}" elementFormDefault="qualified">
   <xs:simpleType name="XRoadObjectType">
    <xs:restriction base="xs:string">
     <xs:enumeration value="MEMBER"/><xs:enumeration value="SUBSYSTEM"/>
     <xs:enumeration value="SERVICE"/>
    </xs:restriction>
   </xs:simpleType>
   <xs:attribute name="objectType" type="id:XRoadObjectType"/>
   <xs:complexType name="XRoadClientIdentifierType">
    <xs:sequence>
     <xs:element name="xRoadInstance" type="xs:string"/>
     <xs:element name="memberClass" type="xs:string"/>
     <xs:element name="memberCode" type="xs:string"/>
     <xs:element name="subsystemCode" type="xs:string" minOccurs="0"/>
    </xs:sequence>
    <xs:attribute ref="id:objectType" use="required"/>
   </xs:complexType>
   <xs:complexType name="XRoadServiceIdentifierType">
    <xs:sequence>
     <xs:element name="xRoadInstance" type="xs:string"/>
     <xs:element name="memberClass" type="xs:string"/>
     <xs:element name="memberCode" type="xs:string"/>
     <xs:element name="subsystemCode" type="xs:string" minOccurs="0"/>
     <xs:element name="serviceCode" type="xs:string"/>
     <xs:element name="serviceVersion" type="xs:string" minOccurs="0"/>
    </xs:sequence>
    <xs:attribute ref="id:objectType" use="required"/>
   </xs:complexType>
  </xs:schema>
  <xs:schema targetNamespace="{XROAD}" elementFormDefault="qualified">
   <xs:import namespace="{IDENTIFIERS}"/>
   <xs:element name="client" type="id:XRoadClientIdentifierType"/>
   <xs:element name="service" type="id:XRoadServiceIdentifierType"/>
   <xs:element name="id" type="xs:string"/>
   <xs:element name="userId" type="xs:string"/>
   <xs:element name="issue" type="xs:string"/>
   <xs:element name="protocolVersion" type="xs:string"/>
   <xs:element name="version" type="xs:string"/>
  </xs:schema>
  <xs:schema targetNamespace="{DANCU}" elementFormDefault="qualified">
   <xs:complexType name="NoiThuongTru">
    <xs:sequence>
     <xs:element name="DiaChiChiTiet" type="xs:string"/>
     <xs:element name="MaXaPhuong" type="xs:string"/>
     <xs:element name="TenXaPhuong" type="xs:string"/>
     <xs:element name="TinhThanhPho" type="xs:string"/>
    </xs:sequence>
   </xs:complexType>
   <xs:complexType name="CongDan">
    <xs:sequence>
     <xs:element name="SoDinhDanh" type="xs:string"/>
     <xs:element name="HoVaTen" type="xs:string"/>
     <xs:element name="NgaySinh" type="xs:date"/>
     <xs:element name="GioiTinh" type="xs:string"/>
     <xs:element name="DanToc" type="xs:string"/>
     <xs:element name="QuocTich" type="xs:string"/>
     <xs:element name="QueQuan" type="xs:string"/>
     <xs:element name="NoiThuongTru" type="dc:NoiThuongTru"/>
    </xs:sequence>
   </xs:complexType>
   <xs:element name="TraCuuThongTinCongDan">
    <xs:complexType><xs:sequence>
     <xs:element name="SoDinhDanh" type="xs:string"/>
     <xs:element name="HoVaTen" type="xs:string"/>
    </xs:sequence></xs:complexType>
   </xs:element>
   <xs:element name="TraCuuThongTinCongDanResponse">
    <xs:complexType><xs:sequence>
     <xs:element name="CongDan" type="dc:CongDan"/>
    </xs:sequence></xs:complexType>
   </xs:element>
   <xs:element name="XacThucThongTinCongDan">
    <xs:complexType><xs:sequence>
     <xs:element name="SoDinhDanh" type="xs:string"/>
     <xs:element name="HoVaTen" type="xs:string"/>
     <xs:element name="NgaySinh" type="xs:date"/>
    </xs:sequence></xs:complexType>
   </xs:element>
   <xs:element name="XacThucThongTinCongDanResponse">
    <xs:complexType><xs:sequence>
     <xs:element name="KetQua" type="xs:boolean"/>
    </xs:sequence></xs:complexType>
   </xs:element>
   <xs:element name="LoiNghiepVu">
    <xs:complexType><xs:sequence>
     <xs:element name="MaLoi" type="xs:string"/>
     <xs:element name="MoTa" type="xs:string"/>
    </xs:sequence></xs:complexType>
   </xs:element>
  </xs:schema>"""

_HEADER_PARTS = ("client", "service", "id", "userId", "issue", "protocolVersion")


def _messages() -> str:
    parts = "".join(f'<wsdl:part name="{p}" element="xrd:{p}"/>' for p in _HEADER_PARTS)
    lines = [f'<wsdl:message name="requestheader">{parts}</wsdl:message>',
             '<wsdl:message name="LoiNghiepVu">'
             '<wsdl:part name="body" element="dc:LoiNghiepVu"/></wsdl:message>']
    for name in OPERATIONS:
        for suffix in ("", "Response"):
            lines.append(f'<wsdl:message name="{name}{suffix}">'
                         f'<wsdl:part name="body" element="dc:{name}{suffix}"/></wsdl:message>')
    return "\n ".join(lines)


def _port_type() -> str:
    operations = "".join(
        f'<wsdl:operation name="{name}"><wsdl:input message="dc:{name}"/>'
        f'<wsdl:output message="dc:{name}Response"/>'
        f'<wsdl:fault name="LoiNghiepVu" message="dc:LoiNghiepVu"/></wsdl:operation>'
        for name in OPERATIONS)
    return f'<wsdl:portType name="DanCuPortType">{operations}</wsdl:portType>'


def _binding() -> str:
    headers = "".join(f'<soap:header message="dc:requestheader" part="{p}" use="literal"/>'
                      for p in _HEADER_PARTS)
    operations = "".join(
        f'<wsdl:operation name="{name}"><soap:operation soapAction="" style="document"/>'
        f"<xrd:version>{SERVICE_VERSION}</xrd:version>"
        f'<wsdl:input><soap:body use="literal"/>{headers}</wsdl:input>'
        f'<wsdl:output><soap:body use="literal"/>{headers}</wsdl:output>'
        f'<wsdl:fault name="LoiNghiepVu"><soap:fault name="LoiNghiepVu" use="literal"/>'
        f"</wsdl:fault></wsdl:operation>"
        for name in OPERATIONS)
    return ('<wsdl:binding name="DanCuBinding" type="dc:DanCuPortType">'
            '<soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>'
            f"{operations}</wsdl:binding>")


def wsdl_document(address: str) -> str:
    """The WSDL with ``address`` (this server's own URL) as the SOAP endpoint."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<wsdl:definitions name="DanCu" targetNamespace="{DANCU}"
 xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/"
 xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"
 xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:dc="{DANCU}" xmlns:xrd="{XROAD}" xmlns:id="{IDENTIFIERS}">
 <wsdl:documentation>Cơ sở dữ liệu quốc gia về dân cư (sandbox): tra cứu và xác thực
 thông tin công dân qua nền tảng chia sẻ dữ liệu (X-Road 4.0).</wsdl:documentation>
 <wsdl:types>{_SCHEMAS}
 </wsdl:types>
 {_messages()}
 {_port_type()}
 {_binding()}
 <wsdl:service name="DanCuService">
  <wsdl:port name="DanCuPort" binding="dc:DanCuBinding">
   <soap:address location={quoteattr(address)}/>
  </wsdl:port>
 </wsdl:service>
</wsdl:definitions>
"""
