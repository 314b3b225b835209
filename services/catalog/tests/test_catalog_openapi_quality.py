"""OpenAPI quality: the document a new user reads (`/docs`) is complete.

Every operation has a summary and a tag; it documents the errors it can answer (401 and 403
where a key is or may be needed, 404 where an id is in the path, 422 where it takes input);
every request body comes with an example, and that example is accepted by the API.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from access_fakes import ADMIN_KEY, bearer
from fastapi import FastAPI
from fastapi.testclient import TestClient

# Operational endpoints, not part of the catalog's API (and without input or keys).
OPERATIONAL = {"/healthz", "/metrics"}

# Request bodies still without an example, each defined in a file this test's author could not
# edit. Remove an entry once its body has an example (test_allowlist_is_not_stale says when).
BODIES_WITHOUT_EXAMPLE = {
    # DatasetSpec lives in mdc_contracts: an example there changes the checked-in event
    # schemas (contracts/schemas/, `make schemas`); or give the route an openapi_extra example.
    ("PUT", "/admin/datasets/{dataset_id}/spec"),
    # RevertBody, DraftCreate, DraftUpdate, ReviewBody, RejectBody: mdc_catalog/spec_drafts.py.
    ("POST", "/admin/datasets/{dataset_id}/spec/revert"),
    ("POST", "/admin/datasets/{dataset_id}/spec/drafts"),
    ("PUT", "/admin/datasets/{dataset_id}/spec/drafts/{draft_id}"),
    ("POST", "/admin/datasets/{dataset_id}/spec/drafts/{draft_id}/submit"),
    ("POST", "/admin/datasets/{dataset_id}/spec/drafts/{draft_id}/approve"),
    ("POST", "/admin/datasets/{dataset_id}/spec/drafts/{draft_id}/reject"),
    # PreviewRequest: mdc_catalog/api/routes/specs.py.
    ("POST", "/admin/datasets/{dataset_id}/spec/preview"),
}

Operation = tuple[str, str, dict[str, Any]]


@pytest.fixture
def openapi(app: FastAPI) -> dict[str, Any]:
    return app.openapi()


def operations(spec: dict[str, Any]) -> Iterator[Operation]:
    for path, methods in spec["paths"].items():
        if path in OPERATIONAL:
            continue
        for method, operation in methods.items():
            yield method.upper(), path, operation


def resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in schema:
        name = schema["$ref"].removeprefix("#/components/schemas/")
        resolved: dict[str, Any] = spec["components"]["schemas"][name]
        return resolved
    return schema


def body_example(spec: dict[str, Any], media: dict[str, Any]) -> Any:
    """The example a reader of the document would copy, or None.

    Either a whole body (on the media type or the schema), or, when every required field
    shows an example of its own, the body made of those (a minimal valid body).
    """
    if "example" in media:
        return media["example"]
    if media.get("examples"):
        return next(iter(media["examples"].values()))["value"]
    schema = resolve(spec, media.get("schema", {}))
    if schema.get("examples"):
        return schema["examples"][0]
    if "example" in schema:
        return schema["example"]
    required = schema.get("required", [])
    properties = schema.get("properties", {})
    if required and all(properties.get(name, {}).get("examples") for name in required):
        return {name: properties[name]["examples"][0] for name in required}
    return None


def test_the_document_lists_the_whole_api(openapi: dict[str, Any]) -> None:
    found = {(method, path) for method, path, _ in operations(openapi)}
    # A few landmarks of each audience; an empty or truncated document must not pass.
    assert {
        ("GET", "/datasets"),
        ("GET", "/datasets/{dataset_id}/versions/{version}/download"),
        ("POST", "/admin/sources"),
        ("POST", "/admin/import"),
        ("GET", "/admin/health/sources"),
        ("POST", "/admin/keys"),
        ("GET", "/admin/audit"),
    } <= found
    assert len(found) >= 50


def test_every_operation_has_a_summary_and_a_tag(openapi: dict[str, Any]) -> None:
    missing = [
        f"{method} {path}"
        for method, path, operation in operations(openapi)
        if not operation.get("summary", "").strip() or not operation.get("tags")
    ]
    assert missing == []


def test_operations_that_take_a_key_document_401_and_403(openapi: dict[str, Any]) -> None:
    # `security` is set wherever a key is checked, including the consumer endpoints, which
    # need one when MDC_CATALOG_CONSUMER_ACCESS=key.
    protected = [(m, p, op) for m, p, op in operations(openapi) if op.get("security")]
    assert len(protected) >= 50
    missing = [
        f"{method} {path}: {code}"
        for method, path, operation in protected
        for code in ("401", "403")
        if code not in operation["responses"]
    ]
    assert missing == []


def test_operations_with_an_id_in_the_path_document_404(openapi: dict[str, Any]) -> None:
    with_path_ids = [
        (method, path, operation)
        for method, path, operation in operations(openapi)
        if any(p["in"] == "path" for p in operation.get("parameters", []))
    ]
    assert len(with_path_ids) >= 30
    missing = [f"{m} {p}" for m, p, op in with_path_ids if "404" not in op["responses"]]
    assert missing == []


def test_operations_that_take_input_document_422(openapi: dict[str, Any]) -> None:
    missing = [
        f"{method} {path}"
        for method, path, operation in operations(openapi)
        if (operation.get("parameters") or operation.get("requestBody"))
        and "422" not in operation["responses"]
    ]
    assert missing == []


def test_every_request_body_has_an_example(openapi: dict[str, Any]) -> None:
    missing = [
        f"{method} {path} ({content_type})"
        for method, path, operation in operations(openapi)
        if (method, path) not in BODIES_WITHOUT_EXAMPLE
        for content_type, media in operation.get("requestBody", {}).get("content", {}).items()
        if body_example(openapi, media) is None
    ]
    assert missing == []


def test_allowlist_is_not_stale(openapi: dict[str, Any]) -> None:
    bodies = {
        (method, path): operation["requestBody"]["content"]
        for method, path, operation in operations(openapi)
        if "requestBody" in operation
    }
    unknown = sorted(BODIES_WITHOUT_EXAMPLE - set(bodies))
    assert unknown == [], "no such operation with a body: remove it from the allowlist"
    now_documented = sorted(
        f"{method} {path}"
        for method, path in BODIES_WITHOUT_EXAMPLE
        if all(body_example(openapi, media) is not None for media in bodies[method, path].values())
    )
    assert now_documented == [], "these have an example now: remove them from the allowlist"


def _concrete_path(path: str) -> str:
    # Any id will do: validation of the body runs before the handler looks the id up.
    return path.replace("{name}", "no-such-step").format_map(_AnyId())


class _AnyId(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "1" if key == "version" else str(uuid.uuid4())


def test_body_examples_are_accepted(openapi: dict[str, Any], client: TestClient) -> None:
    """An example a user copies must not be refused: whatever the answer (201, 404...), not 422."""
    tried = []
    for method, path, operation in operations(openapi):
        for content_type, media in operation.get("requestBody", {}).get("content", {}).items():
            example = body_example(openapi, media)
            if example is None:
                continue
            send: dict[str, Any] = (
                {"json": example}
                if content_type == "application/json"
                else {"content": example, "headers": {"Content-Type": content_type}}
            )
            headers = {**bearer(ADMIN_KEY), **send.pop("headers", {})}
            response = client.request(method, _concrete_path(path), headers=headers, **send)
            assert response.status_code != 422, (method, path, example, response.json())
            assert response.status_code < 500, (method, path, response.text)
            tried.append((method, path))
    assert len(tried) >= 6  # sources, steps, keys and the YAML import at least
