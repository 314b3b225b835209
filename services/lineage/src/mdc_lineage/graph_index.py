"""The lineage graph in memory: dataset <-> job edges and column edges, for instant walks.

Marquez answers lineage with recursive SQL and takes seconds on real graphs (#3058). Here the
structure of the graph (which job reads and writes which dataset, which column feeds which) is
held in adjacency maps, loaded once and then kept in sync: triggers NOTIFY every new edge
(`mdc_lineage_graph`, payload `e:<id>` or `c:<id>`), a dedicated connection LISTENs, and new
edges are added as they come (edges are never removed: lineage is history). The details a
lineage answer shows (each job's latest run, each dataset's schema and current version) are
kept too, reloaded per node when a trigger says it changed (`d:`, `j:`, `r:<job id>`).

Read-your-writes: after this process stored an event, the next read first waits for a barrier
notification (mdc_common.notify), so everything committed before it is in the graph.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from mdc_common.notify import NotificationListener
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from mdc_lineage import queries
from mdc_lineage.config import DB_SCHEMA
from mdc_lineage.models import datasets_table, jobs_table
from mdc_lineage.nodes import NodeKey, NodeKind, NodeRef
from mdc_lineage.ports import DatasetView, GraphEdge, JobView
from mdc_lineage.records import Direction

log = logging.getLogger(__name__)

CHANNEL = "mdc_lineage_graph"
FIELD_PREFIX = "datasetField"
WHOLE_DATASET = ""  # output_field of a column edge on which the whole output depends


@dataclass(frozen=True, order=True)
class FieldRef:
    """A column of a stored dataset: a node of column-level lineage."""

    dataset: NodeRef
    field: str

    @property
    def node_id(self) -> str:
        key = self.dataset.key
        return f"{FIELD_PREFIX}:{key.namespace}:{key.name}:{self.field}"


@dataclass(frozen=True, order=True)
class ColumnEdge:
    """`job` derives `output` from `input` (output field WHOLE_DATASET: the whole output
    dataset depends on the input column, e.g. through a filter or a join key). Its identity
    is (job, input, output); the transformation is its latest report."""

    job: NodeRef
    input: FieldRef
    output: FieldRef
    transformation_type: str | None = field(default=None, compare=False)
    transformation_subtype: str | None = field(default=None, compare=False)
    description: str | None = field(default=None, compare=False)

    @property
    def whole_output(self) -> bool:
        return self.output.field == WHOLE_DATASET


class LineageGraphIndex:
    """Adjacency of the lineage graph. Pure data: built from edges, queried without I/O."""

    def __init__(self) -> None:
        self.nodes: dict[NodeKey, NodeRef] = {}
        self.edges_from: dict[NodeRef, set[GraphEdge]] = defaultdict(set)
        self.edges_to: dict[NodeRef, set[GraphEdge]] = defaultdict(set)
        self.column_edges_from: dict[FieldRef, set[ColumnEdge]] = defaultdict(set)
        self.column_edges_to: dict[FieldRef, set[ColumnEdge]] = defaultdict(set)
        # input dataset -> job -> its column edges from that dataset (impact analysis)
        self.column_edges_by_reader: dict[NodeRef, dict[NodeRef, set[ColumnEdge]]] = defaultdict(
            lambda: defaultdict(set)
        )
        self.fields: dict[NodeRef, set[str]] = defaultdict(set)  # columns seen in column edges
        self.dataset_namespaces: set[str] = set()
        self.edge_count = 0
        self.column_edge_count = 0

    # --- building

    def add_edges(self, edges: Iterable[GraphEdge]) -> None:
        for edge in edges:
            if edge in self.edges_from[edge.origin]:
                continue
            self._node(edge.job)
            self._node(edge.dataset)
            self.edges_from[edge.origin].add(edge)
            self.edges_to[edge.destination].add(edge)
            self.edge_count += 1

    def add_column_edges(self, edges: Iterable[ColumnEdge]) -> None:
        """Add edges; an edge already known (same job, input, output) takes the new report."""
        for edge in edges:
            if edge in self.column_edges_from[edge.input]:
                self._forget(edge)
                self.column_edge_count -= 1
            for ref in (edge.job, edge.input.dataset, edge.output.dataset):
                self._node(ref)
            self.column_edges_from[edge.input].add(edge)
            self.column_edges_to[edge.output].add(edge)
            self.column_edges_by_reader[edge.input.dataset][edge.job].add(edge)
            self.fields[edge.input.dataset].add(edge.input.field)
            if not edge.whole_output:
                self.fields[edge.output.dataset].add(edge.output.field)
            self.column_edge_count += 1

    def _forget(self, edge: ColumnEdge) -> None:
        self.column_edges_from[edge.input].discard(edge)
        self.column_edges_to[edge.output].discard(edge)
        self.column_edges_by_reader[edge.input.dataset][edge.job].discard(edge)

    def _node(self, ref: NodeRef) -> None:
        self.nodes.setdefault(ref.key, ref)
        if ref.kind is NodeKind.DATASET:
            self.dataset_namespaces.add(ref.key.namespace)

    # --- the queries the graph walks need

    async def edges_near(
        self, upstream_of: Collection[NodeRef], downstream_of: Collection[NodeRef]
    ) -> list[GraphEdge]:
        """As LineageStore.edges_near: edges into `upstream_of`, edges out of `downstream_of`."""
        found: set[GraphEdge] = set()
        for node in upstream_of:
            found |= self.edges_to.get(node, set())
        for node in downstream_of:
            found |= self.edges_from.get(node, set())
        return list(found)

    def find_nodes(self, keys: Sequence[NodeKey]) -> list[NodeRef]:
        return [self.nodes[key] for key in keys if key in self.nodes]

    def readers(self, dataset: NodeRef) -> list[NodeRef]:
        """Jobs that read `dataset`."""
        return sorted(e.job for e in self.edges_from.get(dataset, ()) if e.dataset == dataset)

    def outputs(self, job: NodeRef) -> list[NodeRef]:
        """Datasets `job` writes."""
        return sorted(e.dataset for e in self.edges_from.get(job, ()))

    def all_edges(self) -> list[GraphEdge]:
        return sorted(edge for edges in self.edges_from.values() for edge in edges)

    def all_column_edges(self) -> list[ColumnEdge]:
        return sorted(edge for edges in self.column_edges_from.values() for edge in edges)


# --- loading from PostgreSQL and following it -----------------------------------------------

EDGES = f"""
SELECT e.id, e.direction, j.id AS job_id, j.namespace AS job_namespace, j.name AS job_name,
       d.id AS dataset_id, d.namespace AS dataset_namespace, d.name AS dataset_name
FROM {DB_SCHEMA}.edges e
JOIN {DB_SCHEMA}.jobs j ON j.id = e.job_id
JOIN {DB_SCHEMA}.datasets d ON d.id = e.dataset_id
"""  # noqa: S608  (our schema constant; ids are bound)
COLUMN_EDGES = f"""
SELECT c.id, j.id AS job_id, j.namespace AS job_namespace, j.name AS job_name,
       i.id AS in_id, i.namespace AS in_namespace, i.name AS in_name, c.input_field,
       o.id AS out_id, o.namespace AS out_namespace, o.name AS out_name, c.output_field,
       c.transformation_type, c.transformation_subtype, c.description
FROM {DB_SCHEMA}.column_edges c
JOIN {DB_SCHEMA}.jobs j ON j.id = c.job_id
JOIN {DB_SCHEMA}.datasets i ON i.id = c.input_dataset_id
JOIN {DB_SCHEMA}.datasets o ON o.id = c.output_dataset_id
"""  # noqa: S608
BY_IDS = "WHERE {alias}.id = ANY(:ids)"


def _ref(kind: NodeKind, row_id: int, namespace: str, name: str) -> NodeRef:
    return NodeRef(NodeKey(kind, namespace, name), row_id)


def edge_from_row(row: Mapping[Any, Any]) -> GraphEdge:
    return GraphEdge(
        job=_ref(NodeKind.JOB, row["job_id"], row["job_namespace"], row["job_name"]),
        dataset=_ref(
            NodeKind.DATASET, row["dataset_id"], row["dataset_namespace"], row["dataset_name"]
        ),
        direction=Direction(row["direction"]),
    )


def column_edge_from_row(row: Mapping[Any, Any]) -> ColumnEdge:
    def dataset(prefix: str) -> NodeRef:
        return _ref(
            NodeKind.DATASET, row[f"{prefix}_id"], row[f"{prefix}_namespace"], row[f"{prefix}_name"]
        )

    return ColumnEdge(
        job=_ref(NodeKind.JOB, row["job_id"], row["job_namespace"], row["job_name"]),
        input=FieldRef(dataset("in"), row["input_field"]),
        output=FieldRef(dataset("out"), row["output_field"]),
        transformation_type=row["transformation_type"],
        transformation_subtype=row["transformation_subtype"],
        description=row["description"],
    )


# Notification kinds: new edge, new column edge, dataset changed, job changed, run of a job.
NOTIFIED = ("e", "c", "d", "j", "r")
# Ids per query: PostgreSQL allows 32767 bind parameters.
CHUNK = 5000


async def node_refs(
    conn: AsyncConnection, kind: NodeKind, row_ids: set[int] | None
) -> list[NodeRef]:
    """The datasets or jobs with these row ids (None: all)."""
    table = datasets_table if kind is NodeKind.DATASET else jobs_table
    statement = select(table.c.id, table.c.namespace, table.c.name)
    found: list[NodeRef] = []
    chunks = (
        [None]
        if row_ids is None
        else [sorted(row_ids)[i : i + CHUNK] for i in range(0, len(row_ids), CHUNK)]
    )
    for chunk in chunks:
        chosen = statement if chunk is None else statement.where(table.c.id.in_(chunk))
        rows = await conn.execute(chosen)
        found += [NodeRef(NodeKey(kind, r.namespace, r.name), r.id) for r in rows]
    return found


class NodeDetails:
    """Each dataset's and job's details as a lineage answer shows them (views of the store)."""

    def __init__(self) -> None:
        self.datasets: dict[NodeRef, DatasetView] = {}
        self.jobs: dict[NodeRef, JobView] = {}
        self.by_key: dict[NodeKey, NodeRef] = {}

    async def load(
        self, conn: AsyncConnection, dataset_ids: set[int] | None, job_ids: set[int] | None
    ) -> None:
        """(Re)load these datasets and jobs (None: all of them)."""
        for kind, wanted in ((NodeKind.DATASET, dataset_ids), (NodeKind.JOB, job_ids)):
            if wanted is not None and not wanted:
                continue
            refs = await node_refs(conn, kind, wanted)
            for start in range(0, len(refs), CHUNK):
                chunk = refs[start : start + CHUNK]
                if kind is NodeKind.DATASET:
                    for view in await queries.datasets(conn, chunk):
                        self.datasets[view.ref] = view
                else:
                    for job in await queries.jobs(conn, chunk):
                        self.jobs[job.ref] = job
            self.by_key.update((ref.key, ref) for ref in refs)


class MemoryReader:
    """The reads of a lineage walk (LineageStore's) answered from memory."""

    def __init__(self, index: LineageGraphIndex, details: NodeDetails) -> None:
        self.index = index
        self.details = details

    async def find_nodes(self, keys: Sequence[NodeKey]) -> list[NodeRef]:
        return [self.details.by_key[key] for key in keys if key in self.details.by_key]

    async def edges_near(
        self, upstream_of: Collection[NodeRef], downstream_of: Collection[NodeRef]
    ) -> list[GraphEdge]:
        return await self.index.edges_near(upstream_of, downstream_of)

    async def datasets(self, refs: Collection[NodeRef]) -> list[DatasetView]:
        return [self.details.datasets[r] for r in refs if r in self.details.datasets]

    async def jobs(self, refs: Collection[NodeRef]) -> list[JobView]:
        return [self.details.jobs[r] for r in refs if r in self.details.jobs]


class SyncedLineageGraph:
    """The index, loaded from PostgreSQL and following it (see the module docstring)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self.index = LineageGraphIndex()
        self.details = NodeDetails()
        self._pending: dict[str, set[int]] = {kind: set() for kind in NOTIFIED}
        self._local_writes = 0  # stores of this process, and how many the last barrier covered
        self._barrier_covers = 0
        self._lock = asyncio.Lock()
        self._listener = NotificationListener(engine, CHANNEL, self._received, self._reload)

    @property
    def ready(self) -> bool:
        return self._listener.ready

    async def wait_ready(self) -> None:
        await self._listener.wait_ready()

    async def run(self) -> None:
        """Follow the database until cancelled."""
        await self._listener.run()

    def note_local_write(self) -> None:
        """This process stored an event: the next read waits until it is in the graph."""
        self._local_writes += 1

    def _received(self, payload: str) -> None:
        kind, _, row_id = payload.partition(":")
        if kind not in self._pending or not row_id.isdigit():
            log.warning("ignored a malformed graph notification", extra={"payload": payload})
            return
        self._pending[kind].add(int(row_id))

    async def reader(self) -> MemoryReader | None:
        """What a lineage walk reads, all in memory; None when the graph cannot promise to
        hold this process's writes (not listening, barrier failed): then read the store."""
        if not self.ready:
            return None
        try:
            index = await self._synced()
        except (ConnectionError, TimeoutError):
            return None
        return MemoryReader(index, self.details)

    async def current(self) -> LineageGraphIndex:
        """The index with every edge committed before this call by this process, and every
        edge notified so far; when that cannot be promised, the graph loaded afresh."""
        if self.ready:
            try:
                return await self._synced()
            except (ConnectionError, TimeoutError):
                pass
        return await self._load()

    async def _synced(self) -> LineageGraphIndex:
        wanted = self._local_writes
        if self._barrier_covers < wanted:
            await self._listener.barrier()  # our writes' notifications are in `_pending` now
            self._barrier_covers = max(self._barrier_covers, wanted)
        # Under the lock even when nothing is pending here: another read may be applying
        # the notifications we wait for.
        async with self._lock:
            if any(self._pending.values()):
                await self._apply_pending()
        return self.index

    async def _apply_pending(self) -> None:
        taken = {kind: ids for kind, ids in self._pending.items() if ids}
        self._pending = {kind: set() for kind in NOTIFIED}
        try:
            async with self._engine.connect() as conn:
                if "e" in taken:
                    query = text(EDGES + BY_IDS.format(alias="e"))
                    rows = (await conn.execute(query, {"ids": list(taken["e"])})).mappings()
                    self.index.add_edges(map(edge_from_row, rows))
                if "c" in taken:
                    query = text(COLUMN_EDGES + BY_IDS.format(alias="c"))
                    rows = (await conn.execute(query, {"ids": list(taken["c"])})).mappings()
                    self.index.add_column_edges(map(column_edge_from_row, rows))
                jobs = taken.get("j", set()) | taken.get("r", set())
                await self.details.load(conn, taken.get("d", set()), jobs)
        except BaseException:
            for kind, ids in taken.items():  # retried by the next read
                self._pending[kind] |= ids
            raise

    async def _load(self) -> LineageGraphIndex:
        index = LineageGraphIndex()
        async with self._engine.connect() as conn:
            index.add_edges(map(edge_from_row, (await conn.execute(text(EDGES))).mappings()))
            rows = (await conn.execute(text(COLUMN_EDGES))).mappings()
            index.add_column_edges(map(column_edge_from_row, rows))
        return index

    async def _reload(self) -> None:
        async with self._lock:
            self._pending = {kind: set() for kind in NOTIFIED}
            index = await self._load()
            details = NodeDetails()
            async with self._engine.connect() as conn:
                await details.load(conn, None, None)
            self.index, self.details = index, details
        log.info(
            "lineage graph loaded",
            extra={
                "edges": index.edge_count,
                "column_edges": index.column_edge_count,
                "datasets": len(details.datasets),
                "jobs": len(details.jobs),
            },
        )


NOTIFY_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {DB_SCHEMA}.announce_graph_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('{CHANNEL}', TG_ARGV[0] || ':' || (to_jsonb(NEW) ->> TG_ARGV[1]));
  RETURN NULL;
END $$
"""
# (table, events, notification kind, the id it carries)
NOTIFYING = (
    ("edges", "INSERT", "e", "id"),
    ("column_edges", "INSERT OR UPDATE", "c", "id"),  # a later report changes the transformation
    ("datasets", "INSERT OR UPDATE", "d", "id"),
    ("jobs", "INSERT OR UPDATE", "j", "id"),
    ("runs", "INSERT OR UPDATE", "r", "job_id"),
)
NOTIFY_TRIGGERS = [
    f"""
CREATE OR REPLACE TRIGGER {table}_announce AFTER {events} ON {DB_SCHEMA}.{table}
FOR EACH ROW EXECUTE FUNCTION {DB_SCHEMA}.announce_graph_change('{kind}', '{column}')
"""
    for table, events, kind, column in NOTIFYING
]


async def install_graph_notifications(engine: AsyncEngine) -> None:
    """The triggers announcing each new edge (idempotent; run after create_schema)."""
    async with engine.begin() as conn:
        # Replicas starting together would race on CREATE OR REPLACE: one at a time.
        await conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:s))"), {"s": CHANNEL})
        await conn.execute(text(NOTIFY_FUNCTION))
        for trigger in NOTIFY_TRIGGERS:
            await conn.execute(text(trigger))
