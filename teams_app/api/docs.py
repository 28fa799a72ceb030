"""The API reference page, built on the server from the same OpenAPI document integrations read
(``/api/v1/openapi.json``), so it cannot drift from the schemas that validate requests.

It replaces Swagger UI, whose page failed WCAG checks (nested interactive controls, unlabelled
selects, low contrast) and needs inline styles the content security policy forbids. The page is
plain HTML: headings per group, one disclosure per operation, tables of fields.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from flask import current_app

METHODS = ("get", "post", "put", "patch", "delete")


@dataclass
class Field:
    name: str
    type: str
    required: bool
    description: str
    schema_ref: str | None = None  # a nested schema, described in the schemas section


@dataclass
class Operation:
    method: str
    path: str
    summary: str
    description: str
    anchor: str
    parameters: list[Field] = field(default_factory=list)
    body: str | None = None  # the request schema's name
    body_type: str = "application/json"
    responses: list[tuple[str, str, str | None]] = field(default_factory=list)


@dataclass
class Group:
    name: str
    title: str
    description: str
    operations: list[Operation] = field(default_factory=list)


@dataclass
class Reference:
    title: str
    version: str
    description: str
    groups: list[Group]
    schemas: dict[str, list[Field]]


def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def _describe_type(schema: dict[str, Any]) -> tuple[str, str | None]:
    """A short type name ("string (date)", "array of Team", "one of: open, closed") and the
    nested schema it refers to, if any."""
    if "$ref" in schema:
        name = _ref_name(schema["$ref"])
        return name, name
    for combined in ("allOf", "oneOf", "anyOf"):
        if combined in schema and schema[combined]:
            return _describe_type(schema[combined][0])
    kind = schema.get("type", "object")
    if isinstance(kind, list):
        kind = " or ".join(str(k) for k in kind if k != "null") or "null"
    if kind == "array":
        inner, ref = _describe_type(schema.get("items", {}))
        return f"array of {inner}", ref
    text = str(kind)
    if "format" in schema:
        text += f" ({schema['format']})"
    if schema.get("enum"):
        text += ": " + ", ".join(str(v) for v in schema["enum"] if v is not None)
    if kind == "object" and "additionalProperties" in schema:
        inner, ref = _describe_type(schema["additionalProperties"] or {})
        return f"object of {inner}", ref
    return text, None


def _notes(schema: dict[str, Any]) -> str:
    parts = [str(schema.get("description") or "")]
    limits = []
    if "minimum" in schema or "maximum" in schema:
        limits.append(f"{schema.get('minimum', '…')} to {schema.get('maximum', '…')}")
    if "maxLength" in schema:
        limits.append(f"at most {schema['maxLength']} characters")
    if schema.get("nullable"):
        limits.append("may be null")
    if schema.get("readOnly"):
        limits.append("read only")
    if "default" in schema:
        limits.append(f"default {schema['default']}")
    if limits:
        parts.append("(" + "; ".join(limits) + ")")
    return " ".join(p for p in parts if p)


def _fields(schema: dict[str, Any]) -> list[Field]:
    required = set(schema.get("required", []))
    out = []
    for name, prop in (schema.get("properties") or {}).items():
        kind, ref = _describe_type(prop)
        out.append(Field(name, kind, name in required, _notes(prop), ref))
    return out


def _anchor(method: str, path: str) -> str:
    return f"{method}-" + re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-")


def _group_title(tag: dict[str, Any]) -> str:
    return str(tag.get("description") or tag["name"].removeprefix("api_").capitalize())


def build(spec: dict[str, Any]) -> Reference:
    """The reference for ``spec`` (an OpenAPI 3 document as a dict)."""
    tags = {t["name"]: t for t in spec.get("tags", [])}
    groups: dict[str, Group] = {
        name: Group(name, _group_title(tag), "") for name, tag in tags.items()
    }
    for path, item in spec.get("paths", {}).items():
        shared = item.get("parameters", [])
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            tag = (op.get("tags") or ["other"])[0]
            group = groups.setdefault(tag, Group(tag, tag.capitalize(), ""))
            operation = Operation(
                method=method.upper(),
                path=path,
                summary=str(op.get("summary") or ""),
                description=str(op.get("description") or ""),
                anchor=_anchor(method, path),
            )
            for param in shared + op.get("parameters", []):
                if "$ref" in param:
                    continue
                kind, ref = _describe_type(param.get("schema", {}))
                where = param.get("in", "query")
                operation.parameters.append(
                    Field(
                        f"{param['name']} ({where})",
                        kind,
                        bool(param.get("required")),
                        _notes({**param.get("schema", {}), **param}),
                        ref,
                    )
                )
            content = (op.get("requestBody") or {}).get("content", {})
            for media, body in content.items():
                operation.body_type = media
                schema = body.get("schema", {})
                operation.body = _ref_name(schema["$ref"]) if "$ref" in schema else None
                break
            for code, response in op.get("responses", {}).items():
                if "$ref" in response:
                    name = _ref_name(response["$ref"])
                    text = spec.get("components", {}).get("responses", {}).get(name, {})
                    response = text
                schema = (
                    (response.get("content") or {}).get("application/json", {}).get("schema", {})
                )
                returns = _describe_type(schema)[0] if schema else None
                operation.responses.append((code, str(response.get("description") or ""), returns))
            group.operations.append(operation)
    schemas = {
        name: _fields(schema)
        for name, schema in sorted(spec.get("components", {}).get("schemas", {}).items())
    }
    info = spec.get("info", {})
    return Reference(
        title=str(info.get("title", "API")),
        version=str(info.get("version", "")),
        description=str(info.get("description", "")),
        groups=[g for g in groups.values() if g.operations],
        schemas=schemas,
    )


def reference() -> Reference:
    api = current_app.extensions["smorest_api"]
    return build(api.spec.to_dict())
