"""The OpenAPI document of the API, bundled so that GET /openapi.json is self-contained."""

import copy
import re
from functools import cache
from typing import Any

from privacydesk.schemas import load_schema

_COMPONENT_PREFIX = "#/components/schemas/"
# Keys of a schema file that only make sense in a file of its own: under components they would change
# the base URI of the refs inside, or repeat the dialect the document already declares.
_FILE_ONLY_KEYS = ("$schema", "$id")
_HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


class SpecBundleError(ValueError):
    """openapi.json references a schema file in a way that cannot be bundled."""


def component_name(file_name: str) -> str:
    """The components/schemas name of a schema file: request_submission.json -> RequestSubmission."""
    stem = file_name.removesuffix(".json")
    return "".join(part.capitalize() for part in stem.split("_"))


@cache
def bundled_spec() -> dict[str, Any]:
    """openapi.json with every schema file it references copied under components (treat as read-only)."""
    spec = copy.deepcopy(load_schema("openapi"))
    schemas: dict[str, Any] = spec.setdefault("components", {}).setdefault("schemas", {})
    imported: dict[str, str] = {}
    _bundle(spec, schemas, imported)
    return spec


def body_schema_names() -> dict[tuple[str, str], str]:
    """(METHOD, path) -> the schema file (without .json) its JSON request body must match."""
    names: dict[tuple[str, str], str] = {}
    for path, item in load_schema("openapi")["paths"].items():
        for method in _HTTP_METHODS:
            ref = item.get(method, {}).get("requestBody", {}).get("content", {}).get("application/json", {})
            target = ref.get("schema", {}).get("$ref", "")
            if target and not target.startswith("#"):
                names[(method.upper(), path)] = target.split("#", 1)[0].removesuffix(".json")
    return names


def _bundle(node: Any, schemas: dict[str, Any], imported: dict[str, str]) -> None:
    """Replace, in place, every reference to a schema file by one to its copy under components."""
    if isinstance(node, list):
        for child in node:
            _bundle(child, schemas, imported)
        return
    if not isinstance(node, dict):
        return
    ref = node.get("$ref")
    if isinstance(ref, str) and not ref.startswith("#"):
        file_name, _, fragment = ref.partition("#")
        node["$ref"] = _COMPONENT_PREFIX + _import(file_name, schemas, imported) + fragment
    # A list: importing a file adds to components/schemas, which may be the dict being walked.
    for key, child in list(node.items()):
        if key != "$ref":
            _bundle(child, schemas, imported)


def _import(file_name: str, schemas: dict[str, Any], imported: dict[str, str]) -> str:
    """Copy one schema file under components once; returns its component name."""
    if file_name in imported:
        return imported[file_name]
    if "/" in file_name or not file_name.endswith(".json"):
        raise SpecBundleError(f"only sibling .json schema files can be referenced, not {file_name!r}")
    name = component_name(file_name)
    if name in schemas:
        raise SpecBundleError(f"{file_name} would replace the existing component {name}")
    imported[file_name] = name
    schema = {
        k: v
        for k, v in copy.deepcopy(load_schema(file_name.removesuffix(".json"))).items()
        if k not in _FILE_ONLY_KEYS
    }
    # Refs inside the file point at the file's own root; under components that root has a new address.
    _rebase_local_refs(schema, _COMPONENT_PREFIX + name)
    schemas[name] = schema
    _bundle(schema, schemas, imported)
    return name


def _rebase_local_refs(node: Any, root: str) -> None:
    if isinstance(node, list):
        for child in node:
            _rebase_local_refs(child, root)
    elif isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#"):
            node["$ref"] = root + ref[1:]
        for key, child in node.items():
            if key != "$ref":
                _rebase_local_refs(child, root)


@cache
def _path_patterns() -> tuple[tuple[re.Pattern[str], dict[str, Any]], ...]:
    patterns = []
    for path, item in bundled_spec()["paths"].items():
        # A path parameter ({ref}) matches one segment, as in API Gateway.
        pattern = re.compile("^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(path)) + "$")
        patterns.append((pattern, item))
    return tuple(patterns)


def _path_item(path: str) -> dict[str, Any]:
    return next((item for pattern, item in _path_patterns() if pattern.match(path)), {})


def allowed_methods(path: str) -> tuple[str, ...]:
    """The methods the spec documents for a concrete path (empty when no documented path matches)."""
    item = _path_item(path)
    return tuple(m.upper() for m in _HTTP_METHODS if m in item)


def query_parameters(method: str, path: str) -> frozenset[str]:
    """The query parameters the spec documents for one operation on a concrete path."""
    item = _path_item(path)
    declared = [*item.get("parameters", []), *item.get(method.lower(), {}).get("parameters", [])]
    components = bundled_spec().get("components", {}).get("parameters", {})
    resolved = [components[p["$ref"].rsplit("/", 1)[-1]] if "$ref" in p else p for p in declared]
    return frozenset(p["name"] for p in resolved if p.get("in") == "query")
