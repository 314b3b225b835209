"""Column-level lineage: the `columnLineage` facet (1-2-0 and the older field-level form) becomes
column edges, stored once per (job, input field, output field) with the latest transformation."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from mdc_contracts.lineage import RunEvent, RunState
from mdc_lineage.facets import Transformation, legacy_transformation
from mdc_lineage.ingest import map_run_event
from mdc_lineage.merging import EdgeWrite, edge_write, merge_column_edge
from mdc_lineage.records import ColumnEdgeRecord, Direction, EntityKey
from openlineage.client.facet_v2 import column_lineage_dataset as cl
from openlineage.client.serde import Serde

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
SALES = EntityKey("mdc", "sales")
REGIONS = EntityKey("mdc", "regions")
SUMMARY = EntityKey("mdc", "summary")
JOB = EntityKey("mdc", "summarize")


def ds(namespace: str, name: str, **facets: Any) -> dict[str, Any]:
    return {"namespace": namespace, "name": name, "facets": facets}


def stock_facet() -> dict[str, Any]:
    """A 1-2-0 facet as the stock openlineage-python client serializes it."""
    facet = cl.ColumnLineageDatasetFacet(
        fields={
            "region": cl.Fields(
                inputFields=[
                    cl.InputField(
                        "mdc",
                        "sales",
                        "region",
                        transformations=[cl.Transformation(type="DIRECT", subtype="IDENTITY")],
                    )
                ]
            ),
            "total": cl.Fields(
                inputFields=[
                    cl.InputField(
                        "mdc",
                        "sales",
                        "amount",
                        transformations=[
                            cl.Transformation(
                                type="DIRECT", subtype="AGGREGATION", description="sum(amount)"
                            )
                        ],
                    )
                ]
            ),
        },
        dataset=[
            cl.InputField(
                "mdc",
                "sales",
                "region",
                transformations=[cl.Transformation(type="INDIRECT", subtype="GROUP_BY")],
            ),
            cl.InputField(
                "mdc",
                "regions",
                "active",
                transformations=[cl.Transformation(type="INDIRECT", subtype="FILTER")],
            ),
        ],
    )
    result: dict[str, Any] = Serde.to_dict(facet)
    return result


def summarize(
    facet: object,
    event_type: str = "COMPLETE",
    *,
    run_id: uuid.UUID | None = None,
    event_time: datetime = T0,
) -> dict[str, Any]:
    """`summarize` reads mdc:sales and writes mdc:summary, whose facet is `facet`."""
    return {
        "eventType": event_type,
        "eventTime": event_time.isoformat(),
        "run": {"runId": str(run_id or uuid.uuid4()), "facets": {}},
        "job": {"namespace": "mdc", "name": "summarize", "facets": {}},
        "inputs": [ds("mdc", "sales")],
        "outputs": [ds("mdc", "summary", columnLineage=facet)],
        "producer": "https://example.org/test",
    }


def records_of(event: dict[str, Any]) -> Any:
    return map_run_event(RunEvent.model_validate(event))


def edge(
    source: EntityKey, field: str, target_field: str, *transformation: str | None
) -> ColumnEdgeRecord:
    return ColumnEdgeRecord(source, field, SUMMARY, target_field, *transformation)


# --- the facet -> records ----------------------------------------------------------------------


def test_the_stock_clients_facet_becomes_column_edges() -> None:
    records = records_of(summarize(stock_facet()))
    assert records.column_edges == (
        edge(REGIONS, "active", "", "INDIRECT", "FILTER", None),
        edge(SALES, "amount", "total", "DIRECT", "AGGREGATION", "sum(amount)"),
        edge(SALES, "region", "", "INDIRECT", "GROUP_BY", None),
        edge(SALES, "region", "region", "DIRECT", "IDENTITY", None),
    )
    assert records.warnings == ()


def test_inputs_named_only_by_the_facet_become_datasets_but_not_edges() -> None:
    records = records_of(summarize(stock_facet()))
    assert [d.key for d in records.datasets] == [REGIONS, SALES, SUMMARY]
    assert REGIONS not in {e.dataset for e in records.edges}
    elsewhere = stock_facet()
    elsewhere["dataset"][1]["namespace"] = "s3://refdata"
    assert "s3://refdata" in records_of(summarize(elsewhere)).namespaces


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("IDENTITY", ("DIRECT", "IDENTITY")),
        ("MASKED", ("DIRECT", "TRANSFORMATION")),
        ("indirect", ("INDIRECT", None)),
        ("Aggregation", ("DIRECT", "AGGREGATION")),
        ("FILTER", ("INDIRECT", "FILTER")),
        ("hash(email)", (None, "hash(email)")),
        (None, (None, None)),
        (7, (None, None)),
    ],
)
def test_the_older_field_level_form_is_mapped(
    given: object, expected: tuple[str | None, str | None]
) -> None:
    spec = {"inputFields": [], "transformationType": given, "transformationDescription": " d "}
    assert legacy_transformation(spec) == Transformation(*expected, "d")


def test_older_facets_without_transformations_use_the_field_level_values() -> None:
    facet = {
        "fields": {
            "region": {
                "inputFields": [{"namespace": "mdc", "name": "sales", "field": "region"}],
                "transformationType": "IDENTITY",
                "transformationDescription": "copied",
            },
            "total": {"inputFields": [{"namespace": "mdc", "name": "sales", "field": "amount"}]},
        }
    }
    assert records_of(summarize(facet)).column_edges == (
        edge(SALES, "amount", "total", None, None, None),
        edge(SALES, "region", "region", "DIRECT", "IDENTITY", "copied"),
    )


def test_the_strongest_transformation_of_a_pair_is_kept() -> None:
    facet = {
        "fields": {
            "total": {
                "inputFields": [
                    {
                        "namespace": "mdc",
                        "name": "sales",
                        "field": "amount",
                        "transformations": [
                            {"type": "INDIRECT", "subtype": "CONDITIONAL"},
                            {"type": "direct", "subtype": "aggregation", "description": "sum"},
                            {"type": "DIRECT", "subtype": "TRANSFORMATION"},
                        ],
                    },
                    # The same pair again, weaker: the DIRECT one above stays.
                    {
                        "namespace": "mdc",
                        "name": "sales",
                        "field": "amount",
                        "transformations": [{"type": "INDIRECT", "subtype": "FILTER"}],
                    },
                    # A subtype alone still says its type.
                    {
                        "namespace": "mdc",
                        "name": "sales",
                        "field": "qty",
                        "transformations": [{"subtype": "SORT"}],
                    },
                ],
                "transformationDescription": "fallback",
            }
        }
    }
    assert records_of(summarize(facet)).column_edges == (
        edge(SALES, "amount", "total", "DIRECT", "AGGREGATION", "sum"),
        edge(SALES, "qty", "total", "INDIRECT", "SORT", "fallback"),
    )


def test_malformed_entries_are_skipped_with_a_warning_and_the_rest_kept() -> None:
    good = {"namespace": "mdc", "name": "sales", "field": "amount"}
    facet = {
        "fields": {
            "total": {
                "inputFields": [
                    good,
                    {"namespace": "mdc", "name": "sales"},  # no field
                    {"namespace": "mdc", "name": "sales", "field": 3},
                    {"namespace": "mdc", "name": "n" * 1001, "field": "x"},
                    "sales.amount",
                    {**good, "field": "qty", "transformations": [{"type": 1}, "x"]},
                    {**good, "field": "tax", "transformations": "DIRECT"},
                ]
            },
            "broken": {"inputFields": "sales.amount"},
            "": {"inputFields": [good]},
        },
        "dataset": [{"namespace": "", "name": "sales", "field": "region"}],
    }
    records = records_of(summarize(facet))
    assert records.column_edges == (
        edge(SALES, "amount", "total", None, None, None),
        edge(SALES, "qty", "total", None, None, None),
        edge(SALES, "tax", "total", None, None, None),
    )
    assert len(records.warnings) == 10, records.warnings
    assert all("outputs[0].facets.columnLineage" in w for w in records.warnings)
    assert sum("entry ignored" in w for w in records.warnings) == 9


@pytest.mark.parametrize("facet", [[1, 2], {"fields": []}, {"fields": {}, "dataset": {}}])
def test_a_facet_of_the_wrong_shape_is_ignored_with_a_warning(facet: object) -> None:
    records = records_of(summarize(facet))
    assert records.column_edges == ()
    assert len(records.warnings) == 1
    assert "facet ignored" in records.warnings[0]


# --- merge rules -------------------------------------------------------------------------------


def test_edge_write_by_event_type() -> None:
    assert edge_write(RunState.COMPLETE) is EdgeWrite.RECORD
    for announcing in (RunState.START, RunState.RUNNING, RunState.OTHER):
        assert edge_write(announcing) is EdgeWrite.FIRST_SIGHTING
    for failed in (RunState.FAIL, RunState.ABORT):
        assert edge_write(failed) is EdgeWrite.SKIP


def test_merge_column_edge_keeps_the_latest_report_in_any_order() -> None:
    old = edge(SALES, "amount", "total", "DIRECT", "IDENTITY", None)
    new = edge(SALES, "amount", "total", "DIRECT", "AGGREGATION", "sum")
    run_old, run_new = uuid.uuid4(), uuid.uuid4()
    reports = [(old, run_old, T0), (new, run_new, T0 + timedelta(hours=1))]
    for order in (reports, reports[::-1]):
        merged = None
        for record, run_id, at in order:
            merged = merge_column_edge(merged, record, run_id, at)
        assert merged is not None
        assert (merged.record, merged.run_id) == (new, run_new)
        assert (merged.first_seen_at, merged.last_seen_at) == (T0, T0 + timedelta(hours=1))


# --- stored through the API (fake store) -------------------------------------------------------


def post(client: TestClient, event: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/api/v1/lineage", json=event)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def column(store: Any, source: EntityKey, field: str, target_field: str) -> Any:
    return store.column_edges[(JOB, source, field, SUMMARY, target_field)]


def test_column_edges_are_stored_and_a_repeat_changes_nothing(
    client: TestClient, store: Any
) -> None:
    event = summarize(stock_facet())
    post(client, event)
    assert len(store.column_edges) == 4
    total = column(store, SALES, "amount", "total")
    assert total.record.transformation_subtype == "AGGREGATION"
    assert total.run_id == uuid.UUID(event["run"]["runId"])
    assert REGIONS in store.datasets_by_key
    before = dict(store.column_edges)
    assert post(client, event)["duplicate"] is True
    assert store.column_edges == before


def with_subtype(subtype: str) -> dict[str, Any]:
    return {
        "fields": {
            "total": {
                "inputFields": [
                    {
                        "namespace": "mdc",
                        "name": "sales",
                        "field": "amount",
                        "transformations": [{"type": "DIRECT", "subtype": subtype}],
                    }
                ]
            }
        }
    }


def test_the_newer_event_time_wins_for_the_transformation(client: TestClient, store: Any) -> None:
    later, earlier, latest = (uuid.uuid4() for _ in range(3))
    post(client, summarize(with_subtype("IDENTITY"), run_id=later, event_time=T0 + timedelta(1)))
    post(client, summarize(with_subtype("TRANSFORMATION"), run_id=earlier, event_time=T0))
    stored = column(store, SALES, "amount", "total")
    assert (stored.record.transformation_subtype, stored.run_id) == ("IDENTITY", later)
    assert (stored.first_seen_at, stored.last_seen_at) == (T0, T0 + timedelta(1))
    post(
        client, summarize(with_subtype("AGGREGATION"), run_id=latest, event_time=T0 + timedelta(2))
    )
    stored = column(store, SALES, "amount", "total")
    assert (stored.record.transformation_subtype, stored.run_id) == ("AGGREGATION", latest)


def test_edges_are_recorded_on_complete_and_first_seen_on_start(
    client: TestClient, store: Any
) -> None:
    first, second = uuid.uuid4(), uuid.uuid4()
    at = [T0 + timedelta(minutes=m) for m in range(4)]
    post(client, summarize(with_subtype("IDENTITY"), "START", run_id=first, event_time=at[0]))
    # A run under way introduces the edges...
    assert store.edge_run("summarize", "summary", Direction.OUTPUT) == first
    assert column(store, SALES, "amount", "total").run_id == first
    # ...but another run's START does not take them over; its COMPLETE does.
    post(client, summarize(with_subtype("AGGREGATION"), "START", run_id=second, event_time=at[1]))
    assert store.edge_run("summarize", "summary", Direction.OUTPUT) == first
    assert column(store, SALES, "amount", "total").record.transformation_subtype == "IDENTITY"
    post(client, summarize(with_subtype("AGGREGATION"), run_id=second, event_time=at[2]))
    assert store.edge_run("summarize", "sales", Direction.INPUT) == second
    assert column(store, SALES, "amount", "total").run_id == second
    # A failed run changes no edge.
    post(client, summarize(with_subtype("FILTER"), "FAIL", run_id=first, event_time=at[3]))
    assert store.edge_run("summarize", "summary", Direction.OUTPUT) == second
    assert column(store, SALES, "amount", "total").record.transformation_subtype == "AGGREGATION"


def test_a_failed_run_of_a_new_job_adds_datasets_and_history_but_no_edges(
    client: TestClient, store: Any, t0: datetime
) -> None:
    post(client, summarize(stock_facet(), "FAIL", event_time=t0))
    assert store.edges == {}
    assert store.column_edges == {}
    assert SUMMARY in store.datasets_by_key
    assert len(store.run_io) == 2  # what the failed run read and (tried to) write
