"""The OpenAPI document: valid 3.1, self-contained once bundled, concrete, and in step with the routes."""

from collections.abc import Iterator
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_openapi
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from privacydesk.config import REGIMES
from privacydesk.handlers.api import app
from privacydesk.models.rights import DenialReason, ItemState, Right
from privacydesk.schemas import _DIR, EdgeValidationError, load_schema, validate
from privacydesk.schemas.openapi import body_schema_names, bundled_spec, component_name

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
PUBLIC = {
    ("GET", "/openapi.json"),
    ("POST", "/v1/requests"),
    ("GET", "/v1/requests/{ref}"),
    ("GET", "/v1/requests/{ref}/verify"),
    ("POST", "/v1/requests/{ref}/verify"),
    ("POST", "/v1/requests/{ref}/resend"),
    ("GET", "/v1/unsubscribe"),
    ("POST", "/v1/unsubscribe"),
}
# Schema files that describe no request body of the API.
NOT_BODIES = {"ses_receipt_event", "triage_result", "openapi", "ses_event", "consent_receipt"}
ERROR_ENVELOPE = "#/components/schemas/ErrorEnvelope"


def _operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in spec["paths"].items():
        for method in METHODS:
            if method in item:
                yield method.upper(), path, item[method]


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for child in node.values():
            yield from _walk(child)
    elif isinstance(node, list):
        for child in node:
            yield from _walk(child)


def _resolve(spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = spec
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


def _validator(spec: dict[str, Any], schema: dict[str, Any]) -> Draft202012Validator:
    """A validator for a schema of the bundled spec: its #/components refs resolve against the spec."""
    registry: Registry[Any] = Registry().with_resource("urn:spec", Resource(spec, specification=DRAFT202012))
    return Draft202012Validator(
        _rebase(schema), registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER
    )


def _rebase(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            k: ("urn:spec" + v if k == "$ref" and isinstance(v, str) and v.startswith("#") else _rebase(v))
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_rebase(v) for v in node]
    return node


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return bundled_spec()


def test_the_bundled_document_is_valid_openapi_3_1(spec: dict[str, Any]) -> None:
    assert spec["openapi"] == "3.1.0"
    validate_openapi(spec)


def test_the_source_document_with_its_schema_files_is_valid_openapi_3_1() -> None:
    validate_openapi(load_schema("openapi"), base_uri=(_DIR / "openapi.json").as_uri())


def test_bundling_leaves_no_external_reference_and_every_reference_resolves(spec: dict[str, Any]) -> None:
    refs = [node["$ref"] for node in _walk(spec) if isinstance(node.get("$ref"), str)]
    assert refs
    assert all(ref.startswith("#/") for ref in refs), [r for r in refs if not r.startswith("#/")]
    for ref in refs:
        _resolve(spec, {"$ref": ref})
    # The copied files keep no keys that would move the base URI of the refs inside them.
    for name in body_schema_names().values():
        component = spec["components"]["schemas"][component_name(name + ".json")]
        assert "$id" not in component
        assert "$schema" not in component


def test_bundling_copies_each_schema_file_unchanged_but_for_its_file_keys(spec: dict[str, Any]) -> None:
    for name in set(body_schema_names().values()):
        source = {k: v for k, v in load_schema(name).items() if k not in {"$id", "$schema"}}
        assert spec["components"]["schemas"][component_name(f"{name}.json")] == source


def test_every_body_schema_file_is_used_and_every_used_one_exists() -> None:
    files = {p.stem for p in _DIR.glob("*.json")} - NOT_BODIES
    used = set(body_schema_names().values())
    assert used == files
    for name in used:
        assert (_DIR / f"{name}.json").is_file()


def test_the_routes_of_the_api_handler_and_of_the_spec_are_the_same(spec: dict[str, Any]) -> None:
    registered = {(r.method, r.openapi_path) for r in app._static_routes + app._dynamic_routes}
    documented = {(method, path) for method, path, _ in _operations(spec)}
    assert sorted(registered - documented) == [], "routes missing from openapi.json"
    assert sorted(documented - registered) == [], "documented routes the handler does not serve"


def test_every_response_has_a_concrete_content_schema(spec: dict[str, Any]) -> None:
    for method, path, operation in _operations(spec):
        assert operation["responses"], (method, path)
        for status, response in operation["responses"].items():
            resolved = _resolve(spec, response)
            content = resolved.get("content")
            assert content, f"{method} {path} {status} has no content"
            for media, entry in content.items():
                schema = _resolve(spec, entry["schema"])
                assert schema, f"{method} {path} {status} {media}: empty schema"
                if media == "text/html":
                    assert schema == {"type": "string"}
                    continue
                assert media == "application/json", (method, path, status, media)
                if int(status) >= 400:
                    assert entry["schema"]["allOf"][0] == {"$ref": ERROR_ENVELOPE}, (method, path, status)
                    continue
                assert schema.get("type") == "object", (method, path, status)
                assert schema.get("properties"), (method, path, status)
                if path != "/openapi.json":
                    assert schema.get("additionalProperties") is False, (method, path, status)


def test_every_object_a_response_can_hold_is_closed_except_event_details(spec: dict[str, Any]) -> None:
    open_ok = {"detail", "verdicts", "evidence", "info", "paths", "components"}
    for name, schema in spec["components"]["schemas"].items():
        if name == "OpenApiDocument":
            continue
        for node in _walk(schema):
            if node.get("type") != "object":
                continue
            closed = node.get("additionalProperties") is False
            typed_map = isinstance(node.get("additionalProperties"), dict)
            is_detail = node.get("additionalProperties") is True
            assert closed or typed_map or is_detail, (name, node)
        for key, prop in schema.get("properties", {}).items():
            if prop.get("additionalProperties") is True:
                assert key in open_ok, (name, key)


def test_each_route_documents_the_errors_it_can_give(spec: dict[str, Any]) -> None:
    for method, path, operation in _operations(spec):
        statuses = set(operation["responses"])
        if (method, path) in PUBLIC:
            assert operation["security"] == [], (method, path)
            assert "401" not in statuses
        else:
            assert "security" not in operation, (method, path)
            assert {"401", "403"} <= statuses, (method, path)
        if "requestBody" in operation:
            assert {"400", "413", "415"} <= statuses, (method, path)
        if "{ref}" in path and path != "/v1/requests/{ref}/verify":
            assert "404" in statuses, (method, path)
        if path != "/openapi.json":
            assert "503" in statuses, (method, path)
        assert "429" in statuses, (method, path)
    assert spec["security"] == [{"adminBearer": []}]
    assert spec["components"]["securitySchemes"]["adminBearer"] == {
        **spec["components"]["securitySchemes"]["adminBearer"],
        "type": "http",
        "scheme": "bearer",
    }


def test_admin_actions_answer_with_the_case_and_may_conflict(spec: dict[str, Any]) -> None:
    for action in ("assign", "notes", "ask", "extend", "complete", "deny", "withdraw"):
        responses = spec["paths"][f"/v1/cases/{{ref}}/{action}"]["post"]["responses"]
        assert responses["200"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/CaseDetail"
        }
        assert "409" in responses


def test_case_detail_is_case_view_plus_the_timeline(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    view, detail = schemas["CaseView"], schemas["CaseDetail"]
    assert detail["properties"] == {**view["properties"], "events": detail["properties"]["events"]}
    assert detail["required"] == [*view["required"], "events"]


def test_every_example_matches_its_schema(spec: dict[str, Any]) -> None:
    checked = 0
    for method, path, operation in _operations(spec):
        body = operation.get("requestBody", {}).get("content", {})
        for media, entry in body.items():
            assert "example" in entry, f"{method} {path} {media} has no example"
        responses = [_resolve(spec, r).get("content", {}) for r in operation["responses"].values()]
        for content in [body, *responses]:
            for entry in content.values():
                if "example" in entry:
                    errors = list(_validator(spec, entry["schema"]).iter_errors(entry["example"]))
                    assert errors == [], (method, path, [e.message for e in errors])
                    checked += 1
        for declared in operation.get("parameters", []):
            parameter = _resolve(spec, declared)
            if "example" in parameter:
                assert list(_validator(spec, parameter["schema"]).iter_errors(parameter["example"])) == []
    assert checked >= len(body_schema_names())


def test_the_enums_are_the_values_of_the_code(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    rights = [r.value for r in Right]
    assert schemas["Right"]["enum"] == rights
    assert schemas["Regime"]["enum"] == list(REGIMES)
    assert schemas["ItemState"]["enum"] == [s.value for s in ItemState]
    assert schemas["CaseState"]["enum"] == [*(s.value for s in ItemState), "closed"]
    submission = load_schema("request_submission")["properties"]
    assert submission["rights"]["items"]["enum"] == rights
    assert submission["regime"]["enum"] == list(REGIMES)
    assert load_schema("case_deny")["properties"]["reason"]["enum"] == [r.value for r in DenialReason]
    for name in ("case_ask", "case_extend", "case_complete", "case_deny", "case_withdraw"):
        assert load_schema(name)["properties"]["rights"]["items"]["enum"] == rights


@pytest.mark.parametrize("name", sorted(set(body_schema_names().values())))
def test_body_schemas_are_closed_and_bound_every_string(name: str) -> None:
    schema = load_schema(name)
    Draft202012Validator.check_schema(schema)
    for node in _walk(schema):
        if node.get("type") == "object":
            assert node.get("additionalProperties") is False, (name, node)
        if node.get("type") == "string":
            assert "maxLength" in node or node.get("pattern", "").endswith("}$"), (name, node)
        if node.get("format") == "email":
            assert node["maxLength"] == 254


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("request_submission", {"email": "a@example.org", "name": "A", "rights": ["access"], "extra": 1}),
        ("request_submission", {"email": "a@example.org", "name": "A", "rights": []}),
        ("request_submission", {"email": "a@example.org", "name": "A", "rights": ["access", "access"]}),
        ("request_submission", {"email": "not-an-address", "name": "A", "rights": ["access"]}),
        ("request_submission", {"email": "a@example.org", "name": "A", "rights": ["access"], "regime": "x"}),
        ("request_submission", {"email": "a@example.org", "name": "  ", "rights": ["access"]}),
        ("request_submission", {"email": "a@example.org", "name": "A\r\nBcc: x", "rights": ["access"]}),
        ("request_submission", {"email": "a@example.org", "name": "A", "rights": ["access"], "agent": {}}),
        ("verify_request", {"code": "123456", "token": "A" * 30}),
        ("verify_request", {}),
        ("verify_request", {"code": "12345"}),
        ("verify_request", {"token": "short"}),
        ("resend_request", {"token": "A" * 30, "code": "123456"}),
        ("case_assign", {"assignee": ""}),
        ("case_note", {"text": " \n "}),
        ("case_extend", {"reason": "busy", "rights": ["nope"]}),
        ("case_complete", {"message": "done", "rights": []}),
        ("case_deny", {"reason": "because"}),
        ("case_withdraw", {"rights": ["access"], "note": "x"}),
    ],
)
def test_invalid_bodies_are_refused(name: str, body: dict[str, Any]) -> None:
    with pytest.raises(EdgeValidationError):
        validate(body, name)


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("request_submission", {"email": "a@example.org", "name": "Zoë", "rights": ["sharing_opt_out"]}),
        (
            "request_submission",
            {
                "email": "subject@example.org",
                "name": "Sam Subject",
                "rights": ["access"],
                "regime": "ccpa",
                "message": "",
                "agent": {"name": "Agent Co", "email": "agent@example.com", "permission_ref": "POA-2024-17"},
            },
        ),
        ("verify_request", {"token": "abcDEF123_-abcDEF123_-xyz"}),
        ("case_withdraw", {}),
        ("case_deny", {"reason": "manifestly_unfounded", "rights": ["erasure"]}),
    ],
)
def test_valid_bodies_pass(name: str, body: dict[str, Any]) -> None:
    validate(body, name)
