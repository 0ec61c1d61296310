"""Every API answer of the test suite checked against the schema that /api/schema/ serves.

The conftest wraps the test clients: each answer to an `/api/v1/` request is validated against
the operation's documented answer for its status code (body and content type). An answer the
schema does not describe fails the test that caused it, naming the path, status and the first
mismatch, so a response that breaks the contract cannot come back unnoticed.
"""

from __future__ import annotations

import functools
import json
import re

import jsonschema
from jsonschema import Draft7Validator, FormatChecker

API_PREFIX = "/api/v1/"
# RFC 3339 (what OpenAPI's formats mean): an offset is hours and minutes, nothing more.
RFC3339_DATE_TIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$"
)
RFC3339_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

FORMATS = FormatChecker(formats=())
FORMATS.checks("date-time")(
    lambda value: not isinstance(value, str) or bool(RFC3339_DATE_TIME.match(value))
)
FORMATS.checks("date")(lambda value: not isinstance(value, str) or bool(RFC3339_DATE.match(value)))


def _to_json_schema(node):
    """OpenAPI 3.0 schema objects as JSON Schema: `nullable` becomes a null alternative."""
    if isinstance(node, list):
        return [_to_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: _to_json_schema(value) for key, value in node.items()}
    if converted.pop("nullable", False):
        if "$ref" in converted or "allOf" in converted or "oneOf" in converted:
            return {"anyOf": [converted, {"type": "null"}]}
        if "type" in converted:
            converted["type"] = [converted["type"], "null"]
        if "enum" in converted:
            converted["enum"] = [*converted["enum"], None]
    return converted


class SchemaValidator:
    def __init__(self, raw: dict) -> None:
        self.root = {"components": _to_json_schema(raw.get("components", {}))}
        self.operations: list[tuple[re.Pattern, dict]] = []
        self.validators: dict[int, Draft7Validator] = {}
        paths = sorted(raw["paths"].items(), key=lambda item: item[0].count("{"))
        for path, operations in paths:
            pattern = re.sub(
                r"\{[^}]+\}", r"[^/]+", re.escape(path).replace(r"\{", "{").replace(r"\}", "}")
            )
            self.operations.append((re.compile(f"^{pattern}$"), operations))

    def _validator(self, schema: dict) -> Draft7Validator:
        key = id(schema)
        if key not in self.validators:
            self.validators[key] = Draft7Validator(
                {**self.root, **_to_json_schema(schema)}, format_checker=FORMATS
            )
        return self.validators[key]

    def operation(self, path: str, method: str) -> dict | None:
        for pattern, operations in self.operations:
            if pattern.match(path):
                return operations.get(method.lower())
        return None

    def problems(self, method: str, path: str, response) -> str | None:
        """A description of how the answer breaks the schema, or None."""
        operation = self.operation(path, method)
        if operation is None:
            return None  # an unknown path (a JSON 404 by the catch-all), not an operation
        status = str(response.status_code)
        documented = operation.get("responses", {})
        answer = documented.get(status) or documented.get("default")
        if answer is None:
            return f"status {status} is not documented (documented: {sorted(documented)})"
        content = answer.get("content")
        body = getattr(response, "content", b"")
        if not content:
            return None
        content_type = (response.get("Content-Type") or "").split(";")[0].strip()
        if content_type not in content:
            if content_type.startswith("text/html") or content_type == "":
                return f"content type {content_type!r} is not documented ({sorted(content)})"
            return None  # a negotiated renderer (csv, xlsx, browsable API)
        schema = content[content_type].get("schema")
        if schema is None or content_type != "application/json" or not body:
            return None
        try:
            data = json.loads(body)
        except ValueError:
            return "the body is not JSON"
        validator = self._validator(schema)
        error = jsonschema.exceptions.best_match(validator.iter_errors(data))
        if error is None:
            return None
        where = "/".join(str(p) for p in error.absolute_path) or "(body)"
        return f"{where}: {error.message}"


@functools.cache
def served_schema_validator() -> SchemaValidator:
    from drf_spectacular.generators import SchemaGenerator

    raw = SchemaGenerator().get_schema(request=None, public=True)
    return SchemaValidator(json.loads(json.dumps(raw, default=str)))


def check_response(method: str, path: str, response) -> None:
    if not path.startswith(API_PREFIX):
        return
    problem = served_schema_validator().problems(method, path, response)
    if problem:
        raise AssertionError(
            f"{method} {path} answered {response.status_code}, which the API schema does not "
            f"allow: {problem}"
        )
