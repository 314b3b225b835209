import pytest
from mdc_common.errors import BadInput
from mdc_lineage.nodes import NodeKey, NodeKind, parse_node_id


def test_simple_dataset_id_has_one_split() -> None:
    parsed = parse_node_id("dataset:mdc:sales")
    assert parsed.kind is NodeKind.DATASET
    assert parsed.candidates == (NodeKey(NodeKind.DATASET, "mdc", "sales"),)
    assert NodeKey(NodeKind.DATASET, "mdc", "sales").node_id == "dataset:mdc:sales"


def test_job_id() -> None:
    parsed = parse_node_id("job:airflow:dag.task")
    assert parsed.candidates == (NodeKey(NodeKind.JOB, "airflow", "dag.task"),)


def test_namespace_with_scheme_and_port_yields_every_split() -> None:
    parsed = parse_node_id("dataset:http://127.0.0.1:57010:/data/x.csv")
    assert [(c.namespace, c.name) for c in parsed.candidates] == [
        ("http", "//127.0.0.1:57010:/data/x.csv"),
        ("http://127.0.0.1", "57010:/data/x.csv"),
        ("http://127.0.0.1:57010", "/data/x.csv"),
    ]


def test_the_existing_split_is_chosen() -> None:
    parsed = parse_node_id("dataset:s3://bucket:path/to/file.parquet")
    existing = [NodeKey(NodeKind.DATASET, "s3://bucket", "path/to/file.parquet")]
    assert parsed.preferred(existing) == existing[0]
    assert parsed.preferred([]) is None


def test_names_with_colons_resolve_against_what_exists() -> None:
    parsed = parse_node_id("dataset:mdc:report:2024")
    existing = [NodeKey(NodeKind.DATASET, "mdc", "report:2024")]
    assert parsed.preferred(existing) == existing[0]


def test_ambiguity_is_settled_by_marquez_rule_then_shortest_namespace() -> None:
    parsed = parse_node_id("dataset:http://h:8080:a:b")
    marquez = NodeKey(NodeKind.DATASET, "http://h:8080", "a:b")
    other = NodeKey(NodeKind.DATASET, "http://h:8080:a", "b")
    assert parsed.preferred([other, marquez]) == marquez
    # Without Marquez's split among them, the shortest namespace wins.
    short = NodeKey(NodeKind.DATASET, "http", "//h:8080:a:b")
    assert parsed.preferred([other, short]) == short


@pytest.mark.parametrize(
    "bad", ["", "dataset", "dataset:", "dataset:mdc", "dataset::x", "table:mdc:x", "x" * 5000]
)
def test_malformed_ids_are_bad_input(bad: str) -> None:
    with pytest.raises(BadInput):
        parse_node_id(bad)
