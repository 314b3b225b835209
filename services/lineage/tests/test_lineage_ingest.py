import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from mdc_common.lineage import curated_dataset, raw_dataset, run_event, source_dataset
from mdc_contracts.lineage import RunEvent, RunState
from mdc_lineage.errors import InvalidEvent
from mdc_lineage.ingest import map_run_event
from mdc_lineage.records import Direction, EdgeRecord, EntityKey, VersionOrigin

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
JOB = EntityKey("mdc", "standardize")
RAW = EntityKey("mdc-raw", "sales")
CURATED = EntityKey("mdc", "sales")


def standardize(state: RunState = RunState.COMPLETE, **kwargs: Any) -> RunEvent:
    return run_event(
        state,
        job_name="standardize",
        run_id=kwargs.pop("run_id", uuid.UUID(int=1)),
        inputs=[raw_dataset("sales", sha256="abc123")],
        outputs=[curated_dataset("sales", fields=[("id", "Int64"), ("region", "String")])],
        event_time=T0,
        **kwargs,
    )


def test_event_becomes_job_run_edges_and_datasets() -> None:
    records = map_run_event(standardize(row_count=42))
    assert records.run.run_id == uuid.UUID(int=1)
    assert records.run.job == JOB
    assert records.run.event_type is RunState.COMPLETE
    assert records.run.event_time == T0
    assert records.namespaces == ("mdc", "mdc-raw")
    assert records.edges == (
        EdgeRecord(JOB, CURATED, Direction.OUTPUT),
        EdgeRecord(JOB, RAW, Direction.INPUT),
    )
    fields = {d.key: d.fields for d in records.datasets}
    assert fields[RAW] is None
    assert fields[CURATED] == [
        {"name": "id", "type": "Int64"},
        {"name": "region", "type": "String"},
    ]
    assert records.payload["run"]["runId"] == str(uuid.UUID(int=1))
    assert records.warnings == ()


def test_versions_come_from_the_version_facet_or_the_output_content() -> None:
    records = map_run_event(standardize(row_count=42))
    versions = {v.dataset: v for v in records.versions}
    assert versions[RAW].version == "abc123"
    assert versions[RAW].origin is VersionOrigin.FACET
    assert versions[RAW].written is False
    derived = versions[CURATED]
    assert derived.origin is VersionOrigin.CONTENT
    assert derived.written
    assert derived.version.startswith("sha256:")
    assert derived.row_count == 42
    # Same content, same version: storing it again creates nothing new.
    again = map_run_event(standardize(row_count=42, run_id=uuid.uuid4()))
    assert {v.version for v in again.versions} == {v.version for v in records.versions}
    other = map_run_event(standardize(row_count=43))
    assert {v.dataset: v for v in other.versions}[CURATED].version != derived.version


def test_no_content_version_before_the_run_completes() -> None:
    records = map_run_event(standardize(RunState.START))
    assert [v.dataset for v in records.versions] == [RAW]


def test_parent_and_error_message_facets() -> None:
    event = standardize(RunState.FAIL, error_message="column 'region' missing")
    parent_id = uuid.uuid4()
    event.run.facets["parent"] = {
        "run": {"runId": str(parent_id)},
        "job": {"namespace": "airflow", "name": "mdc_pipeline"},
    }
    records = map_run_event(event)
    assert records.run.error_message == "column 'region' missing"
    assert records.run.parent_run_id == parent_id
    assert records.run.parent_job == EntityKey("airflow", "mdc_pipeline")


def test_a_write_wins_over_a_read_of_the_same_dataset_in_one_event() -> None:
    dataset = {"namespace": "mdc", "name": "sales"}
    event = RunEvent.model_validate(
        {
            "eventType": "COMPLETE",
            "eventTime": T0.isoformat(),
            "run": {"runId": str(uuid.uuid4())},
            "job": {"namespace": "mdc", "name": "dedupe"},
            "inputs": [
                {
                    **dataset,
                    "facets": {
                        "schema": {"fields": [{"name": "old"}]},
                        "version": {"datasetVersion": "v1"},
                    },
                }
            ],
            "outputs": [
                {
                    **dataset,
                    "facets": {
                        "schema": {"fields": [{"name": "new"}]},
                        "version": {"datasetVersion": "v1"},
                    },
                }
            ],
            "producer": "p",
        }
    )
    records = map_run_event(event)
    assert [d.fields for d in records.datasets] == [[{"name": "new"}]]
    assert len(records.edges) == 2
    (version,) = records.versions
    assert version.written


def test_malformed_known_facets_are_ignored_with_a_warning() -> None:
    event = standardize()
    event.run.facets["parent"] = {"run": {"runId": "not-a-uuid"}}
    event.run.facets["errorMessage"] = {"message": 12}
    event.outputs[0].facets["schema"] = {"fields": "id,region"}
    event.outputs[0].outputFacets["outputStatistics"] = {"rowCount": -1}
    event.inputs[0].facets["version"] = {"datasetVersion": ""}
    records = map_run_event(event)
    assert records.run.parent_run_id is None
    assert records.run.error_message is None
    assert len(records.warnings) == 5
    assert any("outputs[0].facets.schema" in w for w in records.warnings)
    assert records.versions == ()  # no facet version, no schema, no statistics to derive one


def test_facet_free_events_from_other_producers_are_fine() -> None:
    event = run_event(
        RunState.START,
        job_name="download",
        run_id=uuid.uuid4(),
        inputs=[source_dataset("http://127.0.0.1:57010/x.csv")],
    )
    records = map_run_event(event)
    assert records.namespaces == ("http://127.0.0.1:57010", "mdc")
    assert records.versions == ()


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda e: e["job"].update(name="bad\x00name"), "job.name"),
        (lambda e: e["run"]["facets"].update(x={"score": float("nan")}), "run.facets.x.score"),
        (lambda e: e["job"].update(name="n" * 1001), "job.name"),
        (lambda e: e["outputs"][0].update(namespace="é" * 600), "outputs[0].namespace"),
        # node ids of the graph: its GraphML export must stay well-formed XML
        (lambda e: e["outputs"][0].update(name="bad\x01name"), "outputs[0].name"),
        (lambda e: e["job"].update(namespace="tab\tns"), "job.namespace"),
    ],
)
def test_values_the_store_cannot_hold_are_refused_with_the_field(mutate: Any, field: str) -> None:
    document = standardize().model_dump(mode="json")
    mutate(document)
    with pytest.raises(InvalidEvent) as caught:
        map_run_event(RunEvent.model_validate(document))
    assert caught.value.fields[0]["field"] == field


def test_absurdly_deep_facets_are_refused() -> None:
    deep: dict[str, Any] = {}
    node = deep
    for _ in range(100):
        node["x"] = {}
        node = node["x"]
    event = standardize()
    event.run.facets["deep"] = deep
    with pytest.raises(InvalidEvent, match="nested"):
        map_run_event(event)


def test_event_time_at_the_edge_of_the_calendar_is_refused() -> None:
    document = standardize().model_dump(mode="json")
    document["eventTime"] = "0001-01-01T00:00:00+05:00"
    with pytest.raises(InvalidEvent, match="eventTime"):
        map_run_event(RunEvent.model_validate(document))


def test_event_time_offsets_are_kept() -> None:
    document = standardize().model_dump(mode="json")
    document["eventTime"] = "2026-03-01T09:00:00+01:00"
    records = map_run_event(RunEvent.model_validate(document))
    assert records.run.event_time == T0
    assert records.run.event_time - T0 == timedelta(0)
