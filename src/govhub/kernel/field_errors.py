"""Field-level validation messages, in the user's language (Vietnamese first).

Pydantic and Django speak English; these map their stable error codes onto translatable
sentences and locate each error as a JSON Pointer (RFC 6901) into the request.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _

from govhub_contracts.problem import FieldError


def _message(error_type: str, ctx: dict[str, Any], fallback: str) -> str:
    messages = {
        "missing": _("This field is required."),
        "string_too_long": _("Too long: at most %(max_length)s characters."),
        "string_too_short": _("Too short: at least %(min_length)s characters."),
        "string_type": _("Must be text."),
        "string_pattern_mismatch": _("Does not have the expected format."),
        "int_parsing": _("Must be a whole number."),
        "int_type": _("Must be a whole number."),
        "bool_parsing": _("Must be true or false."),
        "uuid_parsing": _("Must be a valid identifier (UUID)."),
        "uuid_type": _("Must be a valid identifier (UUID)."),
        "enum": _("Not an allowed value; choose one of: %(expected)s."),
        "literal_error": _("Not an allowed value; choose one of: %(expected)s."),
        "greater_than_equal": _("Must be at least %(ge)s."),
        "less_than_equal": _("Must be at most %(le)s."),
        "date_from_datetime_parsing": _("Must be a date (YYYY-MM-DD)."),
        "date_parsing": _("Must be a date (YYYY-MM-DD)."),
        "datetime_parsing": _("Must be a date and time (ISO 8601)."),
        "extra_forbidden": _("Unknown field."),
        "model_attributes_type": _("Must be a JSON object."),
        "dict_type": _("Must be a JSON object."),
        "list_type": _("Must be a list."),
        "value_error": fallback.removeprefix("Value error, "),
    }
    template = messages.get(error_type)
    if template is None:
        return fallback
    try:
        return template % ctx
    except (KeyError, TypeError):
        return template


def from_ninja(errors: list[dict[str, Any]]) -> list[FieldError]:
    """Turn django-ninja's pydantic errors into problem ``errors``.

    ninja's ``loc`` reads ``["body", "<param name>", "email"]`` for a body schema and
    ``["query", "kind"]`` for a query parameter.
    """
    result = []
    for error in errors:
        loc = [str(part) for part in error.get("loc", ())]
        source = loc[0] if loc else "body"
        path = loc[2:] if source == "body" and len(loc) >= 2 else loc[1:]
        field = ".".join(path) if path else source
        pointer = "#/" + "/".join(path) if source == "body" else f"#/{source}/{field}"
        ctx = {k: v for k, v in (error.get("ctx") or {}).items()}
        result.append(
            FieldError(
                pointer=pointer,
                field=field,
                detail=_message(str(error.get("type", "")), ctx, str(error.get("msg", ""))),
                code=str(error.get("type", "")),
            )
        )
    return result


def from_django(exc: DjangoValidationError) -> list[FieldError]:
    if not hasattr(exc, "error_dict"):
        return [FieldError(pointer="#", field="", detail=str(m)) for m in exc.messages]
    result = []
    for field, field_errors in exc.error_dict.items():
        name = "" if field == NON_FIELD_ERRORS else field
        for error in field_errors:
            message = error.message % error.params if error.params else error.message
            result.append(FieldError(pointer=f"#/{name}" if name else "#", field=name,
                                     detail=str(message), code=error.code or ""))
    return result
