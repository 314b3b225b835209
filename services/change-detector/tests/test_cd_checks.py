"""One check end to end against httpx.MockTransport, with fake database and object store."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator

import httpx
import pytest
from cd_support import rig
from mdc_contracts import (
    CheckOutcome,
    FailureReason,
    RunEvent,
    RunState,
    SourceChanged,
    SourceChecked,
    Topic,
)

CSV = b"species,island,bill_length_mm\nAdelie,Torgersen,39.1\n"
CSV_V2 = CSV + b"Gentoo,Biscoe,46.1\n"


def serve(body: bytes, **headers: str) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body, headers=headers)

    return handler  # type: ignore[return-value]


async def test_first_download_is_a_change_with_its_events() -> None:
    r = rig(serve(CSV, etag='"v1"', **{"content-type": "text/csv"}))
    source_id = await r.watch()

    report = await r.check(source_id)

    sha = hashlib.sha256(CSV).hexdigest()
    assert report.outcome == CheckOutcome.CHANGED
    assert report.sha256 == sha
    uri = f"s3://mdc-raw/sha256/{sha[:2]}/{sha}"
    assert report.raw_uri == uri
    assert r.store.objects == {uri: CSV}
    [changed] = r.repository.events(Topic.SOURCE_CHANGES)
    assert isinstance(changed, SourceChanged)
    assert changed.change_id == report.change_id == changed.correlation_id
    assert (changed.sha256, changed.size_bytes, changed.raw_uri) == (sha, len(CSV), uri)
    assert changed.etag == '"v1"'
    [checked] = r.repository.events(Topic.SOURCE_CHECKS)
    assert isinstance(checked, SourceChecked)
    assert checked.change_id == report.change_id
    assert checked.correlation_id == report.change_id
    lineage = r.repository.events(Topic.LINEAGE)
    assert [e.eventType for e in lineage] == [RunState.START, RunState.COMPLETE]  # type: ignore[attr-defined]
    complete = lineage[1]
    assert isinstance(complete, RunEvent)
    assert complete.run.runId == report.change_id
    assert complete.job.name == "change-detector.download.penguins"
    assert complete.inputs[0].namespace == "https://data.example.org"
    assert complete.outputs[0].facets["version"]["datasetVersion"] == sha
    assert all(m.key == str(source_id) for m in r.repository.outbox if m.topic != Topic.LINEAGE)
    assert r.metrics.bytes_downloaded._value.get() == len(CSV)
    assert r.metrics.checks.labels("changed", "")._value.get() == 1


async def test_conditional_headers_and_304_mean_unchanged() -> None:
    seen: list[httpx.Headers] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers)
        if request.headers.get("if-none-match") == '"v1"':
            return httpx.Response(304)
        return httpx.Response(
            200, content=CSV, headers={"etag": '"v1"', "last-modified": "Mon, 01 Jan 2024"}
        )

    r = rig(handler)
    source_id = await r.watch()
    await r.check(source_id)
    report = await r.check(source_id)

    assert "if-none-match" not in seen[0]  # nothing stored yet: an unconditional GET
    assert seen[1]["if-none-match"] == '"v1"'
    assert seen[1]["if-modified-since"] == "Mon, 01 Jan 2024"
    assert report.outcome == CheckOutcome.UNCHANGED
    assert report.sha256 is None
    assert len(r.repository.events(Topic.SOURCE_CHANGES)) == 1
    assert len(r.repository.events(Topic.SOURCE_CHECKS)) == 2
    assert len(r.repository.events(Topic.LINEAGE)) == 2  # an unchanged check is no run


async def test_same_bytes_again_is_unchanged_but_keeps_new_validators() -> None:
    etags = iter(['"a"', '"b"'])

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=CSV, headers={"etag": next(etags)})

    r = rig(handler)
    source_id = await r.watch()
    await r.check(source_id)
    report = await r.check(source_id)

    assert report.outcome == CheckOutcome.UNCHANGED
    assert report.sha256 == hashlib.sha256(CSV).hexdigest()
    assert r.store.puts == 1
    assert r.repository.rows[source_id].etag == '"b"'
    assert len(r.repository.changes) == 1


async def test_new_bytes_are_a_new_change() -> None:
    bodies = iter([CSV, CSV_V2])
    r = rig(lambda request: httpx.Response(200, content=next(bodies)))
    source_id = await r.watch()
    first = await r.check(source_id)
    second = await r.check(source_id)

    assert second.outcome == CheckOutcome.CHANGED
    assert second.change_id != first.change_id
    assert len(r.store.objects) == 2
    assert r.repository.rows[source_id].sha256 == hashlib.sha256(CSV_V2).hexdigest()


async def test_content_already_in_store_is_not_uploaded_again() -> None:
    r = rig(serve(CSV))
    sha = hashlib.sha256(CSV).hexdigest()
    r.store.objects[f"s3://mdc-raw/sha256/{sha[:2]}/{sha}"] = CSV
    report = await r.check(await r.watch())
    assert report.outcome == CheckOutcome.CHANGED
    assert r.store.puts == 0


async def _failed_check(handler: object, **settings: object) -> tuple[object, object]:
    r = rig(lambda request: httpx.Response(200, content=CSV), **settings)
    source_id = await r.watch()
    good = await r.check(source_id)
    r.client._transport = httpx.MockTransport(handler)  # type: ignore[arg-type]
    report = await r.check(source_id)
    row = r.repository.rows[source_id]
    assert report.outcome == CheckOutcome.FAILED
    # A failure never touches the last good version.
    assert (row.sha256, row.raw_uri) == (good.sha256, good.raw_uri)
    assert report.raw_uri == good.raw_uri
    assert report.consecutive_failures == 1 == row.consecutive_failures
    [_, checked] = r.repository.events(Topic.SOURCE_CHECKS)
    assert isinstance(checked, SourceChecked)
    assert checked.failure == report.failure
    assert checked.consecutive_failures == 1
    fail = r.repository.events(Topic.LINEAGE)[-1]
    assert isinstance(fail, RunEvent)
    assert fail.eventType == RunState.FAIL
    assert report.failure is not None
    assert report.failure.message in fail.run.facets["errorMessage"]["message"]
    return report, r


async def test_404_is_an_http_status_failure() -> None:
    report, _ = await _failed_check(lambda request: httpx.Response(404))
    assert report.failure.reason == FailureReason.HTTP_STATUS  # type: ignore[attr-defined]
    assert report.failure.http_status == 404  # type: ignore[attr-defined]
    assert report.failure.message == "HTTP 404 Not Found"  # type: ignore[attr-defined]


async def test_server_error_is_an_http_status_failure() -> None:
    report, _ = await _failed_check(lambda request: httpx.Response(503))
    assert report.failure.http_status == 503  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"<html><body>Maintenance</body></html>", "text/html; charset=utf-8"),
        (b"\xef\xbb\xbf  \n<!DOCTYPE html>\n<html></html>", "text/csv"),
        (b"<HTML>moved</HTML>", "application/octet-stream"),
    ],
)
async def test_html_page_is_not_tabular(body: bytes, content_type: str) -> None:
    report, r = await _failed_check(
        lambda request: httpx.Response(200, content=body, headers={"content-type": content_type})
    )
    assert report.failure.reason == FailureReason.NOT_TABULAR  # type: ignore[attr-defined]
    assert report.failure.message == "the server returned an HTML page, not a data file"  # type: ignore[attr-defined]
    assert len(r.store.objects) == 1  # type: ignore[attr-defined]


async def test_empty_body_is_a_failure() -> None:
    report, _ = await _failed_check(lambda request: httpx.Response(200, content=b""))
    assert report.failure.reason == FailureReason.EMPTY  # type: ignore[attr-defined]


async def test_declared_oversize_is_refused_before_download() -> None:
    report, _ = await _failed_check(lambda request: httpx.Response(200, content=b"x" * 2000))
    assert report.failure.reason == FailureReason.TOO_LARGE  # type: ignore[attr-defined]


async def test_streamed_oversize_is_aborted() -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(100):
            yield b"a,b\n" * 64

    report, _ = await _failed_check(lambda request: httpx.Response(200, content=chunks()))
    assert report.failure.reason == FailureReason.TOO_LARGE  # type: ignore[attr-defined]


async def test_timeout() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    report, _ = await _failed_check(handler)
    assert report.failure.reason == FailureReason.TIMEOUT  # type: ignore[attr-defined]


async def test_whole_check_deadline() -> None:
    async def trickle() -> AsyncIterator[bytes]:
        yield b"a,b\n"
        await asyncio.sleep(5)
        yield b"1,2\n"

    report, _ = await _failed_check(
        lambda request: httpx.Response(200, content=trickle()), max_check_seconds=0.2
    )
    assert report.failure.reason == FailureReason.TIMEOUT  # type: ignore[attr-defined]
    assert "longer than 0.2 s" in report.failure.message  # type: ignore[attr-defined]


async def test_connection_refused() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        try:
            raise ConnectionRefusedError(111, "Connect call failed")
        except ConnectionRefusedError as err:
            raise httpx.ConnectError("All connection attempts failed", request=request) from err

    report, _ = await _failed_check(handler)
    assert report.failure.reason == FailureReason.CONNECT  # type: ignore[attr-defined]


async def test_dns_failure() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno -2] Name or service not known", request=request)

    report, _ = await _failed_check(handler)
    assert report.failure.reason == FailureReason.DNS  # type: ignore[attr-defined]


async def test_storage_failure_keeps_the_last_good_version() -> None:
    r = rig(serve(CSV))
    source_id = await r.watch()
    good = await r.check(source_id)
    r.client._transport = httpx.MockTransport(serve(CSV_V2))  # type: ignore[arg-type]
    r.store.broken = True

    report = await r.check(source_id)

    assert report.outcome == CheckOutcome.FAILED
    assert report.failure is not None
    assert report.failure.reason == FailureReason.STORAGE
    assert r.repository.rows[source_id].sha256 == good.sha256
    assert len(r.repository.events(Topic.SOURCE_CHANGES)) == 1
    # Once the store is back, the same new bytes are a change.
    r.store.broken = False
    assert (await r.check(source_id)).outcome == CheckOutcome.CHANGED


async def test_consecutive_failures_count_up_and_reset() -> None:
    statuses = iter([200, 500, 500, 200])
    r = rig(lambda request: httpx.Response(next(statuses), content=CSV))
    source_id = await r.watch()
    reports = [await r.check(source_id) for _ in range(4)]
    assert [x.consecutive_failures for x in reports] == [0, 1, 2, 0]
    assert reports[-1].outcome == CheckOutcome.UNCHANGED


async def test_temporary_files_are_removed(tmp_path) -> None:  # type: ignore[no-untyped-def]
    bodies = iter([CSV, CSV, b"<html></html>", CSV_V2])
    r = rig(lambda request: httpx.Response(200, content=next(bodies)), download_dir=str(tmp_path))
    source_id = await r.watch()
    for _ in range(4):
        await r.check(source_id)
    assert list(tmp_path.iterdir()) == []


async def test_protocol_and_decoding_errors_are_failures_not_crashes() -> None:
    def broken(request: httpx.Request) -> httpx.Response:
        raise httpx.RemoteProtocolError("peer closed connection", request=request)

    report, _ = await _failed_check(broken)
    assert report.failure.reason == FailureReason.OTHER  # type: ignore[attr-defined]
    assert "RemoteProtocolError" in report.failure.message  # type: ignore[attr-defined]
    garbled = {"content-encoding": "gzip"}
    report, _ = await _failed_check(
        lambda request: httpx.Response(200, content=b"not gzip", headers=garbled)
    )
    assert "DecodingError" in report.failure.message  # type: ignore[attr-defined]
