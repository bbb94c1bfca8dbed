"""Reading a REST service's operations from its OpenAPI 3 description (JSON or YAML).

The document is validated with openapi-spec-validator before anything is stored, so a
provider's typo surfaces at import time, with the place in the document that is wrong,
rather than as a gateway that routes nothing."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import yaml
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import (
    OpenAPISpecValidatorError,
    OpenAPIValidationError,
)

# OpenAPI 3 §4.8.9 (Path Item Object): the fields that hold an operation.
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


@dataclass(frozen=True)
class ParsedOperation:
    code: str
    method: str
    path: str
    summary: str = ""


@dataclass(frozen=True)
class ParsedDocument:
    operations: list[ParsedOperation]
    media_type: str
    title: str = ""
    version: str = ""


def _load(text: str) -> tuple[dict[str, Any], str]:
    stripped = text.lstrip()
    try:
        if stripped.startswith("{"):
            return json.loads(text), "application/json"
        loaded = yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise ValidationError(_("The document is neither valid JSON nor valid YAML: %(error)s")
                              % {"error": str(exc).splitlines()[0]}, code="unreadable") from exc
    if not isinstance(loaded, dict):
        raise ValidationError(_("The document is not an OpenAPI object."), code="unreadable")
    return loaded, "application/yaml"


def _where(error: Any) -> str:
    path = "/".join(str(part) for part in getattr(error, "absolute_path", ()) or ())
    return path or "(gốc tài liệu)"


def parse_openapi(text: str) -> ParsedDocument:
    """The operations of an OpenAPI 3.x document; ``ValidationError`` (Vietnamese) if the text
    is not one."""
    spec, media_type = _load(text)
    version = str(spec.get("openapi", ""))
    if not version.startswith("3."):
        raise ValidationError(_("Only OpenAPI 3 documents are accepted (field “openapi”: 3.x)."),
                              code="version")
    try:
        validate(spec)
    except (OpenAPISpecValidatorError, OpenAPIValidationError) as exc:
        message = getattr(exc, "message", str(exc)).splitlines()[0]
        raise ValidationError(
            _("The OpenAPI document is invalid at %(where)s: %(message)s")
            % {"where": _where(exc), "message": message}, code="invalid") from exc
    operations: list[ParsedOperation] = []
    for path, item in (spec.get("paths") or {}).items():
        for method in HTTP_METHODS:
            operation = item.get(method) if isinstance(item, dict) else None
            if not isinstance(operation, dict):
                continue
            code = operation.get("operationId") or f"{method.upper()} {path}"
            operations.append(ParsedOperation(
                code=str(code)[:200], method=method.upper(), path=str(path)[:500],
                summary=str(operation.get("summary") or "")[:500]))
    info = spec.get("info") or {}
    return ParsedDocument(operations=operations, media_type=media_type,
                          title=str(info.get("title", "")), version=str(info.get("version", "")))
