"""The OpenAPI schema generator: drf-spectacular's, plus the error answers every operation has.

drf-spectacular documents only the success answer of an operation. Clients (and the schema
fuzzing in the test suite) need the errors too, and they are the same everywhere because one
exception handler (`common.api.exceptions`) produces them:

- 400 bad input: `{"field": ["message", ...]}` or `{"detail": "...", "code": "..."}`
- 401 no credentials, 403 not allowed, 404 missing or outside the caller's scope
- 409 a write refused in the object's current state or conflicting with existing data
- 413 a body larger than the endpoint accepts (common.middleware.RequestSizeLimitMiddleware)
"""

import enum

from drf_spectacular import openapi
from drf_spectacular.plumbing import ResolvedComponent

ERROR_SCHEMA = {
    "type": "object",
    "description": (
        "An error: `detail` (and a stable `code`) for the request as a whole, or one list of "
        "messages per input field."
    ),
    "properties": {
        "detail": {"type": "string"},
        # `code` is the stable code of a refused action, or the messages of a field named code.
        "code": {"oneOf": [{"type": "string"}, {"type": "array", "items": {}}]},
        # With 413: the endpoint's limit in bytes.
        "max_bytes": {"type": "integer"},
    },
    "additionalProperties": {
        "oneOf": [
            {"type": "array", "items": {}},
            {"type": "object"},
            {"type": "string"},
        ]
    },
}

ERROR_DESCRIPTIONS = {
    "400": "Bad input: field-level messages, or `detail`.",
    "401": "No or invalid credentials.",
    "403": "Authenticated, but the role may not do this.",
    "404": "Not found, or outside the caller's scope.",
    "409": "Not allowed in the object's current state, or conflicts with existing data.",
    "413": "The request body is larger than the endpoint accepts.",
    "415": "The body is not JSON (or, for an upload, not multipart).",
    "429": "Too many failed attempts; locked out for a while.",
}
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class AutoSchema(openapi.AutoSchema):
    """Adds the shared error answers to every operation (unless the view documents its own)."""

    def _error_component(self) -> dict:
        component = ResolvedComponent(
            name="Error", type=ResolvedComponent.SCHEMA, object="Error", schema=ERROR_SCHEMA
        )
        self.registry.register_on_missing(component)
        return component.ref

    def error_codes(self) -> list[str]:
        codes = ["400", "401", "403", "404"]
        if self.method not in SAFE_METHODS:
            codes.extend(("409", "413", "415"))
        # A view lists the extra codes it answers with, e.g. `schema_error_codes = ("429",)`.
        codes.extend(getattr(self.view, "schema_error_codes", ()))
        return codes

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        ref = self._error_component()
        for code in self.error_codes():
            responses.setdefault(
                code,
                {
                    "content": {"application/json": {"schema": ref}},
                    "description": ERROR_DESCRIPTIONS[code],
                },
            )
        return responses


def _plain_key(key) -> str:
    # A TextChoices member is a str subclass: its plain value, not the member.
    if isinstance(key, enum.Enum):
        key = key.value
    return key if type(key) is str else str(key)


def _plain_keys(value):
    if isinstance(value, dict):
        return {_plain_key(k): _plain_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain_keys(item) for item in value]
    return value


def stringify_keys(result, generator, request, public):
    """Postprocessing hook: every key of the schema a plain string.

    A serializer may describe an object by choice members (`{RiskLevel.LOW: …}`); JSON keys are
    strings, and the YAML renderer cannot write an enum member at all (a 500 on /api/schema/).
    """
    return _plain_keys(result)


def _blank_or_formatted(node: dict) -> bool:
    """`oneOf: [{format: email}, {maxLength: 0}]`, drf-spectacular's shape of a blank-allowed
    formatted string: "" matches both branches wherever `format` is not asserted."""
    branches = node.get("oneOf")
    if not isinstance(branches, list) or len(branches) != 2:
        return False
    return any(b.get("maxLength") == 0 for b in branches if isinstance(b, dict))


def _any_of_blank(value):
    if isinstance(value, dict):
        value = {k: _any_of_blank(v) for k, v in value.items()}
        if _blank_or_formatted(value):
            value["anyOf"] = value.pop("oneOf")
        return value
    if isinstance(value, list):
        return [_any_of_blank(item) for item in value]
    return value


def blank_strings_any_of(result, generator, request, public):
    """Postprocessing hook: a blank-allowed e-mail or URL is `anyOf` its format and "", so that
    "" is valid for validators that treat `format` as an annotation (the OpenAPI default)."""
    return _any_of_blank(result)
