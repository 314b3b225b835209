"""SourceChanged -> Parquet + DatasetVersionCreated (or a failure), through TestKafkaBroker."""

from __future__ import annotations

import io
import itertools
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
import pytest
from faststream.kafka import TestKafkaBroker
from mdc_common.storage import S3Uri
from mdc_contracts import (
    ColumnSpec,
    DatasetSpec,
    ProcessingStage,
    RunState,
    SchemaChangeKind,
    StatType,
    Topic,
    deterministic_id,
)
from mdc_profiler.jobs import spec_change_id
from minio.error import S3Error
from profiler_support import rig, work_is_clean

PENGUINS = (
    b"species;island;bill_length_mm;sex;year\n"
    b"Adelie;Torgersen;39,1;male;2007\n"
    b"Adelie;Torgersen;39,5;female;2007\n"
    b"Gentoo;Biscoe;46,1;female;2008\n"
    b"Chinstrap;Dream;NA;male;2009\n"
)


async def test_a_change_becomes_version_1_with_parquet_profile_and_lineage(tmp_path: Path) -> None:
    r = rig(tmp_path)
    change = r.change(PENGUINS)
    async with TestKafkaBroker(r.broker):
        await r.send(change)

    [created] = r.received.versions
    assert created.version == 1
    assert created.event_id == deterministic_id("DatasetVersionCreated", change.change_id)
    assert created.correlation_id == change.correlation_id
    assert (created.dataset_id, created.source_id) == (change.source_id, change.source_id)
    assert created.dataset_name == "palmer-penguins"
    assert (created.encoding, created.delimiter, created.row_count) == ("utf-8", ";", 4)
    assert created.parquet_uri == "s3://mdc-curated/datasets/palmer-penguins/v1.parquet"
    columns = {c.name: c for c in created.columns}
    assert columns["bill_length_mm"].dtype == "Float64"
    assert columns["bill_length_mm"].null_count == 1
    assert columns["sex"].stat_type == StatType.BINARY
    assert columns["species"].stat_type == StatType.NOMINAL

    parquet = r.store.objects[created.parquet_uri]
    frame = pl.read_parquet(io.BytesIO(parquet))
    assert frame.height == 4
    assert frame["bill_length_mm"].to_list()[:2] == [39.1, 39.5]
    mdc = json.loads(pq.read_metadata(io.BytesIO(parquet)).metadata[b"mdc"])
    assert (mdc["dataset"], mdc["version"]) == ("palmer-penguins", 1)
    assert [c["stat_type"] for c in mdc["columns"]][:2] == ["nominal", "nominal"]

    run_id = deterministic_id("standardize", change.change_id)
    assert [e.eventType for e in r.received.lineage] == [RunState.START, RunState.COMPLETE]
    complete = r.received.lineage[1]
    assert complete.run.runId == run_id
    assert complete.job.name == "profiler.standardize.palmer-penguins"
    assert complete.inputs[0].facets["version"]["datasetVersion"] == change.sha256
    output = complete.outputs[0]
    assert output.facets["version"]["datasetVersion"] == "1"
    assert output.facets["schema"]["fields"][2] == {"name": "bill_length_mm", "type": "Float64"}
    assert output.outputFacets["outputStatistics"]["rowCount"] == 4
    assert r.metrics.files_processed.labels("ok")._value.get() == 1
    assert r.metrics.rows_processed._value.get() == 4
    assert work_is_clean(tmp_path)


async def test_same_change_twice_is_one_version_and_the_same_events(tmp_path: Path) -> None:
    r = rig(tmp_path)
    change = r.change(PENGUINS)
    async with TestKafkaBroker(r.broker):
        await r.send(change)
        await r.send(change)

    first, again = r.received.versions
    assert first == again  # same event id, same payload: downstream dedupes
    assert len(r.repository.rows) == 1
    starts = [e for e in r.received.lineage if e.eventType == RunState.START]
    assert starts[0] == starts[1]
    assert r.metrics.files_processed.labels("replayed")._value.get() == 1


async def test_next_change_is_the_next_version(tmp_path: Path) -> None:
    r = rig(tmp_path)
    async with TestKafkaBroker(r.broker):
        await r.send(r.change(PENGUINS))
        await r.send(r.change(PENGUINS + b"Gentoo;Biscoe;50,0;male;2009\n"))
    assert [v.version for v in r.received.versions] == [1, 2]
    assert r.received.versions[1].parquet_uri.endswith("/v2.parquet")


async def test_crash_after_numbering_reuses_the_version(tmp_path: Path) -> None:
    r = rig(tmp_path)
    change = r.change(PENGUINS)
    # A first attempt got its number, then died before completing.
    await r.repository.assign(
        dataset_id=change.source_id,
        change_id=change.change_id,
        dataset_name=change.source_name,
        raw_sha256=change.sha256,
        now=change.detected_at,
    )
    async with TestKafkaBroker(r.broker):
        await r.send(change)
    [created] = r.received.versions
    assert created.version == 1
    assert created.created_at == change.detected_at


@pytest.mark.parametrize(
    ("data", "stage", "reason", "row"),
    [
        (
            b"<!doctype html><html>Oops</html>",
            ProcessingStage.READ,
            "looks like an HTML page, not a CSV",
            None,
        ),
        (b"", ProcessingStage.READ, "the file is empty", None),
        (
            b"a,b\n1,2\n3,4,5\n",
            ProcessingStage.PARSE,
            "ragged rows: line 3 has 3 fields, the header has 2 (delimiter ',')",
            3,
        ),
    ],
)
async def test_bad_file_is_a_failure_event_and_acknowledged(
    tmp_path: Path, data: bytes, stage: ProcessingStage, reason: str, row: int | None
) -> None:
    r = rig(tmp_path)
    change = r.change(data)
    async with TestKafkaBroker(r.broker):
        await r.send(change)

    [failed] = r.received.failures
    assert (failed.stage, failed.reason, failed.row) == (stage, reason, row)
    assert failed.event_id == deterministic_id("DatasetProcessingFailed", change.change_id)
    assert failed.raw_uri == change.raw_uri
    assert r.received.versions == []
    assert r.received.dead == []  # handled, not rejected
    assert r.repository.rows == {}  # no version number is used up
    fail = r.received.lineage[-1]
    assert fail.eventType == RunState.FAIL
    assert reason in fail.run.facets["errorMessage"]["message"]
    assert r.metrics.base.events_handled.labels(Topic.SOURCE_CHANGES.value, "ok")._value.get() == 1
    assert work_is_clean(tmp_path)


async def test_a_redelivered_bad_file_repeats_the_very_same_failure_events(
    tmp_path: Path,
) -> None:
    # The processing clock moves on between the deliveries; the events must not.
    minutes = itertools.count()
    r = rig(
        tmp_path, clock=lambda: datetime(2030, 1, 1, tzinfo=UTC) + timedelta(minutes=next(minutes))
    )
    change = r.change(b"")
    async with TestKafkaBroker(r.broker):
        await r.send(change)
        await r.send(change)

    first, again = r.received.failures
    assert first == again
    fails = [e for e in r.received.lineage if e.eventType == RunState.FAIL]
    assert len(fails) == 2
    assert fails[0] == fails[1]  # same (runId, eventType, eventTime): lineage stores it once
    assert fails[0].eventTime == change.detected_at
    assert fails[0].run.runId == deterministic_id("standardize", change.change_id)
    assert next(minutes) > 0  # the processor did read the clock


async def test_missing_raw_object_is_a_read_failure(tmp_path: Path) -> None:
    r = rig(tmp_path)
    change = r.change(PENGUINS)
    r.store.objects.clear()
    async with TestKafkaBroker(r.broker):
        await r.send(change)
    [failed] = r.received.failures
    assert failed.stage == ProcessingStage.READ
    assert "does not exist" in failed.reason


async def test_storage_outage_raises_for_redelivery(tmp_path: Path) -> None:
    r = rig(tmp_path)
    change = r.change(PENGUINS)
    r.store.down = True
    async with TestKafkaBroker(r.broker):
        with pytest.raises(S3Error):
            await r.processor.process(change)
    assert r.received.failures == []
    r.store.down = False
    async with TestKafkaBroker(r.broker):
        await r.processor.process(change)
    assert [v.version for v in r.received.versions] == [1]


async def test_malformed_change_is_dead_lettered(tmp_path: Path) -> None:
    r = rig(tmp_path)
    async with TestKafkaBroker(r.broker) as br:
        await br.publish({"change_id": "x"}, topic=Topic.SOURCE_CHANGES.value, key=b"k")
    assert len(r.received.dead) == 1
    assert "malformed SourceChanged" in r.received.dead[0].error


SPEC = DatasetSpec(
    columns=[
        ColumnSpec(name="bill_length_mm", rename_to="bill_mm", unit="mm"),
        ColumnSpec(name="island", categories=["Biscoe", "Dream", "Torgersen"], ordered=True),
    ],
    select=["species", "island", "bill_mm"],
)


async def test_a_spec_re_standardizes_the_latest_raw_file_without_download(
    tmp_path: Path,
) -> None:
    r = rig(tmp_path)
    change = r.change(PENGUINS)
    async with TestKafkaBroker(r.broker):
        await r.send(change)
        # Only the raw zone remains: the spec's version can only come from the stored raw file.
        reads: list[str] = []
        original = r.store.get_file

        def tracked(uri: S3Uri, path: str) -> None:
            reads.append(str(uri))
            original(uri, path)

        r.store.get_file = tracked  # type: ignore[method-assign]
        await r.send_spec(r.spec_event(SPEC, version=1))

    first, second = r.received.versions
    assert reads == [change.raw_uri]
    assert (second.version, second.reason, second.spec_version) == (2, "spec_changed", 1)
    assert second.change_id == spec_change_id(change.source_id, 1)
    assert second.raw_sha256 == change.sha256
    assert [c.name for c in second.columns] == ["species", "island", "bill_mm"]
    bill = second.columns[2]
    assert (bill.source_name, bill.unit) == ("bill_length_mm", "mm")
    island = second.columns[1]
    assert island.stat_type == StatType.ORDINAL
    assert island.categories == ["Biscoe", "Dream", "Torgersen"]
    parquet = r.store.objects[second.parquet_uri]
    frame = pl.read_parquet(io.BytesIO(parquet))
    assert frame.schema["island"] == pl.Enum(["Biscoe", "Dream", "Torgersen"])
    # The footer carries the effective schema and stat types.
    mdc = json.loads(pq.read_metadata(io.BytesIO(parquet)).metadata[b"mdc"])
    assert (mdc["version"], mdc["spec_version"], mdc["reason"]) == (2, 1, "spec_changed")
    assert [c["name"] for c in mdc["columns"]] == ["species", "island", "bill_mm"]
    assert all(c["stat_type"] for c in mdc["columns"])
    assert second.profile is not None
    assert second.profile.column_count == 3
    assert second.read is not None
    assert second.read.delimiter == ";"
    # Renamed and dropped columns are drift, published as a schema change v1 -> v2.
    [drift] = r.received.schema_changes
    assert (drift.from_version, drift.to_version, drift.breaking) == (1, 2, True)
    kinds = {(c.kind, c.column) for c in drift.changes}
    assert (SchemaChangeKind.COLUMN_RENAMED, "bill_mm") in kinds
    assert (SchemaChangeKind.COLUMN_REMOVED, "sex") in kinds
    assert drift.event_id == deterministic_id("SchemaChanged", second.change_id)
    assert first.spec_version is None
    assert first.reason == "source_changed"


async def test_a_redelivered_spec_is_one_version_and_the_same_events(tmp_path: Path) -> None:
    r = rig(tmp_path)
    event = r.spec_event(SPEC, version=1)
    async with TestKafkaBroker(r.broker):
        await r.send(r.change(PENGUINS))
        await r.send_spec(event)
        await r.send_spec(event)
    assert [v.version for v in r.received.versions] == [1, 2, 2]
    assert r.received.versions[1] == r.received.versions[2]
    assert r.received.schema_changes[0] == r.received.schema_changes[1]
    assert len(r.repository.rows) == 2


async def test_an_older_spec_is_ignored_and_new_changes_use_the_latest(tmp_path: Path) -> None:
    r = rig(tmp_path)
    async with TestKafkaBroker(r.broker):
        await r.send_spec(r.spec_event(SPEC, version=2))  # before any version: only stored
        await r.send_spec(r.spec_event(DatasetSpec(), version=1))
        await r.send(r.change(PENGUINS))
    [created] = r.received.versions
    assert created.spec_version == 2
    assert [c.name for c in created.columns] == ["species", "island", "bill_mm"]


async def test_a_spec_the_data_contradicts_is_a_failure_and_keeps_consuming(
    tmp_path: Path,
) -> None:
    r = rig(tmp_path)
    bad = DatasetSpec(columns=[ColumnSpec(name="island", categories=["Biscoe"], ordered=True)])
    async with TestKafkaBroker(r.broker):
        await r.send(r.change(PENGUINS))
        await r.send_spec(r.spec_event(bad, version=1))
    [failed] = r.received.failures
    assert failed.stage == ProcessingStage.PROFILE
    assert failed.column == "island"
    assert "'Torgersen'" in failed.reason
    assert [v.version for v in r.received.versions] == [1]
    assert len(r.repository.rows) == 1  # the spec's version number was given back


async def test_no_drift_no_schema_change_event(tmp_path: Path) -> None:
    r = rig(tmp_path)
    async with TestKafkaBroker(r.broker):
        await r.send(r.change(PENGUINS))
        await r.send(r.change(PENGUINS + b"Adelie;Dream;38,0;female;2007\n"))
    assert [v.version for v in r.received.versions] == [1, 2]
    assert r.received.schema_changes == []
