"""Reading a SOAP service's operations from its WSDL with zeep.

zeep is given the document text only, with a transport that refuses the network: a WSDL that
imports remote schemas is rejected rather than letting an import fetch arbitrary URLs from
the control plane (server-side request forgery)."""

from __future__ import annotations

import os
import tempfile
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from lxml import etree
from zeep import Client, Settings
from zeep.exceptions import Error as ZeepError
from zeep.transports import Transport

from govhub.integration.import_openapi import ParsedDocument, ParsedOperation


class OfflineTransport(Transport):
    def load(self, url: str) -> bytes:
        if os.path.exists(url):
            with open(url, "rb") as handle:
                return handle.read()
        raise ValidationError(_("The WSDL refers to a remote document (%(url)s); paste a "
                                "self-contained WSDL.") % {"url": url}, code="remote")


def _operations(client: Any) -> list[ParsedOperation]:
    """Every operation named by a port type or a binding (a binding may be missing for an
    abstract WSDL; a port type alone still says what can be called)."""
    names: set[str] = set()
    for port_type in client.wsdl.port_types.values():
        names.update(port_type.operations)
    for binding in client.wsdl.bindings.values():
        names.update(binding._operations)
    # SOAP: the gateway matches by the body element's local name (snapshot.Operation).
    return [ParsedOperation(code=name, method="POST", path="") for name in sorted(names)]


def parse_wsdl(text: str) -> ParsedDocument:
    """The operations of every binding of a WSDL 1.1 document; ``ValidationError`` if it is not
    a readable WSDL."""
    try:
        etree.fromstring(text.encode(), parser=etree.XMLParser(resolve_entities=False))
    except etree.XMLSyntaxError as exc:
        raise ValidationError(_("The WSDL is not well-formed XML: %(error)s")
                              % {"error": str(exc)}, code="unreadable") from exc
    with tempfile.NamedTemporaryFile("w", suffix=".wsdl", delete=False, encoding="utf-8") as f:
        f.write(text)
        location = f.name
    try:
        client: Any = Client(location, transport=OfflineTransport(),
                             settings=Settings(strict=True, forbid_entities=True))
        operations = _operations(client)
    except ValidationError:
        raise
    except (ZeepError, etree.LxmlError, KeyError, ValueError, AttributeError) as exc:
        raise ValidationError(_("The WSDL is invalid: %(error)s") % {"error": str(exc) or
                              type(exc).__name__}, code="invalid") from exc
    finally:
        os.unlink(location)
    if not operations:
        raise ValidationError(_("The WSDL defines no operation (no binding with operations)."),
                              code="empty")
    return ParsedDocument(operations=operations, media_type="application/wsdl+xml")
