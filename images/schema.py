"""The API's OpenAPI description (images/openapi.yaml): as JSON, and as a page.

The page is rendered here, on the server, from the same document: no
JavaScript viewer, so the page keeps the site's strict Content-Security-Policy
(docs/api.md says why Swagger UI and Redoc were not used).
"""

import copy
import functools
from pathlib import Path

import yaml
from django.http import JsonResponse
from django.shortcuts import render

from images.formats import FORMATS
from images.serializers import origin_of

SOURCE = Path(__file__).with_name("openapi.yaml")
METHODS = ("options", "get", "head", "post", "put", "patch", "delete")


@functools.cache
def description() -> dict:
    """The document as written (parsed once per process), with the accepted
    types of the format registry."""
    with SOURCE.open(encoding="utf-8") as file:
        document = yaml.safe_load(file)
    upload = document["paths"]["/api/images/"]["post"]["requestBody"]["content"]
    upload["multipart/form-data"]["encoding"]["file"]["contentType"] = ", ".join(
        image_format.content_type for image_format in FORMATS
    )
    return document


def for_origin(origin: str) -> dict:
    """The document with `servers` naming the address a client used."""
    document = copy.deepcopy(description())
    document["servers"] = [{"url": origin}]
    return document


def schema(request):
    return JsonResponse(for_origin(origin_of(request)), json_dumps_params={"ensure_ascii": False})


def docs(request):
    document = description()
    context = {
        "info": document["info"],
        "origin": origin_of(request),
        "operations": list(_operations(document)),
        "schemas": [
            {"name": name, "shape": _shape(document, schema)}
            for name, schema in document["components"]["schemas"].items()
            if name != "ImageFields"
        ],
    }
    return render(request, "api/docs.html", context)


def _resolve(document: dict, node):
    """Follow a local `$ref` ("#/components/...") to what it names."""
    while isinstance(node, dict) and "$ref" in node:
        node = functools.reduce(dict.__getitem__, node["$ref"][2:].split("/"), document)
    return node


def _operations(document: dict):
    for path, item in document["paths"].items():
        shared = item.get("parameters", [])
        for method in METHODS:
            if method not in item:
                continue
            operation = item[method]
            yield {
                "id": operation["operationId"],
                "method": method.upper(),
                "path": path,
                "summary": operation.get("summary", ""),
                "description": operation.get("description", ""),
                # Each way to be allowed; `{}` is "no credentials at all".
                "security": [
                    " and ".join(scheme) or "(none)" for scheme in operation.get("security", [])
                ],
                "parameters": [
                    _parameter(document, parameter)
                    for parameter in [*shared, *operation.get("parameters", [])]
                ],
                "body": _body(document, operation.get("requestBody")),
                "responses": [
                    _response(document, status, response)
                    for status, response in operation["responses"].items()
                ],
            }


def _parameter(document: dict, parameter: dict) -> dict:
    parameter = _resolve(document, parameter)
    return {
        "name": parameter["name"],
        "where": parameter["in"],
        "required": parameter.get("required", False),
        "type": _type(document, parameter["schema"]),
        "description": parameter.get("description", ""),
    }


def _body(document: dict, body: dict | None) -> dict | None:
    if body is None:
        return None
    media_type, content = next(iter(body["content"].items()))
    schema = _resolve(document, content["schema"])
    if schema.get("type", "object") != "object":  # bytes, not fields
        row = {"name": "(body)", "type": _type(document, schema), "required": body["required"],
               "description": schema.get("description", "")}
        return {"media_type": media_type, "shape": {"description": "", "fields": [row]}}
    return {"media_type": media_type, "shape": _shape(document, content["schema"])}


def _response(document: dict, status: str, response: dict) -> dict:
    response = _resolve(document, response)
    content = response.get("content", {})
    media_type = next(iter(content), None)
    schema = _resolve(document, content[media_type].get("schema", {})) if media_type else {}
    return {
        "status": status,
        "description": response["description"],
        "media_type": media_type,
        "schema": _schema_name(document, content[media_type]["schema"]) if media_type else None,
        "type": _type(document, schema) if media_type else None,
        "headers": [
            {"name": name, "description": _resolve(document, header).get("description", "")}
            for name, header in response.get("headers", {}).items()
        ],
    }


def _schema_name(document: dict, schema: dict) -> str | None:
    reference = schema.get("$ref", "")
    return reference.rsplit("/", 1)[-1] if reference else None


def _properties(document: dict, schema: dict) -> tuple[dict, set]:
    """Properties and required names of an object schema, allOf parts merged."""
    schema = _resolve(document, schema)
    properties, required = dict(schema.get("properties", {})), set(schema.get("required", []))
    for part in schema.get("allOf", []):
        more, more_required = _properties(document, part)
        properties |= more
        required |= more_required
    return properties, required


def _shape(document: dict, schema: dict) -> dict:
    """An object schema as rows a table can show: name, type, required, description."""
    schema = _resolve(document, schema)
    properties, required = _properties(document, schema)
    return {
        "description": schema.get("description", ""),
        "fields": [
            {
                "name": name,
                "type": _type(document, field),
                "required": name in required,
                "description": _resolve(document, field).get("description", ""),
            }
            for name, field in properties.items()
        ],
    }


def _type(document: dict, schema: dict) -> str:
    """A schema in a few words: "integer ≥ 1", "string (uri) or null", "array of Image"."""
    if name := _schema_name(document, schema):
        return name
    schema = _resolve(document, schema)
    kinds = schema.get("type", "object")
    kinds = [kinds] if isinstance(kinds, str) else kinds
    words = " or ".join(kinds)
    if "items" in schema:
        words = f"array of {_type(document, schema['items'])}"
    if "format" in schema:
        words = words.replace("string", f"string ({schema['format']})", 1)
    if "minimum" in schema and "maximum" in schema:
        words += f" {schema['minimum']}–{schema['maximum']}"
    elif "minimum" in schema:
        words += f" ≥ {schema['minimum']}"
    if "const" in schema:
        words += f" “{schema['const']}”"
    return words
