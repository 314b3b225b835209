"""The one error shape: validation errors, unknown routes and NUL characters answer in it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.testclient import TestClient
from mdc_common.http import create_service_app
from mdc_common.metrics import ServiceMetrics
from pydantic import BaseModel


class Thing(BaseModel):
    name: str
    size: int


@asynccontextmanager
async def _lifespan(_: FastAPI) -> AsyncIterator[None]:
    yield


def _client() -> TestClient:
    app = create_service_app(
        service="test", metrics=ServiceMetrics("test"), lifespan=_lifespan, health_checks={}
    )
    seen: list[str] = []

    @app.get("/things")
    async def things(name: str, size: int = 0) -> dict[str, object]:
        seen.append(name)
        return {"name": name, "size": size}

    @app.post("/things")
    async def create(thing: Thing) -> Thing:
        seen.append(thing.name)
        return thing

    app.state.seen = seen
    return TestClient(app)


def test_validation_error_names_the_field_in_the_mdc_shape() -> None:
    response = _client().get("/things", params={"name": "a", "size": "big"})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "ValidationError"
    assert error["fields"][0]["location"] == "query"
    assert error["fields"][0]["field"] == "size"
    assert "query size:" in error["message"]
    assert response.json()["detail"][0]["loc"] == ["query", "size"]  # FastAPI's, kept


def test_missing_body_field_is_named() -> None:
    response = _client().post("/things", json={"name": "a"})
    assert response.status_code == 422
    assert response.json()["error"]["fields"] == [
        {"location": "body", "field": "size", "message": "Field required"}
    ]


def test_unknown_route_and_wrong_method_answer_in_the_mdc_shape() -> None:
    client = _client()
    missing = client.get("/nothing-here")
    assert missing.status_code == 404
    assert missing.json() == {
        "error": {"code": "NotFound", "message": "no such endpoint: GET /nothing-here"}
    }
    wrong = client.delete("/things")
    assert wrong.status_code == 405
    assert wrong.json()["error"]["code"] == "MethodNotAllowed"


def test_nul_characters_are_refused_before_the_endpoint_runs() -> None:
    client = _client()
    in_query = client.get("/things", params={"name": "a\x00b"})
    assert in_query.status_code == 422
    assert in_query.json()["error"]["message"] == (
        "query parameter 'name' contains a NUL character (%00)"
    )
    in_body = client.post("/things", json={"name": "a\x00b", "size": 1})
    assert in_body.status_code == 422
    assert "body" in in_body.json()["error"]["message"]
    in_path = client.get("/things%00")
    assert in_path.status_code == 422
    assert client.app.state.seen == []  # type: ignore[attr-defined]


def test_clean_requests_pass_with_their_body_intact() -> None:
    client = _client()
    assert client.get("/things", params={"name": "Besançon"}).json()["name"] == "Besançon"
    created = client.post("/things", json={"name": "a\\u0000 is fine as text", "size": 2})
    assert created.status_code == 200
    assert created.json() == {"name": "a\\u0000 is fine as text", "size": 2}


def test_compressed_or_non_json_bodies_go_through_untouched() -> None:
    client = _client()
    zipped = client.post(
        "/things",
        content=b"\x1f\x8b\x00\x00",
        headers={"content-type": "application/json", "content-encoding": "gzip"},
    )
    assert zipped.status_code != 422 or "NUL" not in zipped.text
