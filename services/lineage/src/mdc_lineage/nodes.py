"""Graph node identities: `dataset:NAMESPACE:NAME` and `job:NAMESPACE:NAME`, as Marquez writes them.

Namespaces and names may both contain ':' (`s3://bucket`, `http://127.0.0.1:57010`), so a node id
alone can be ambiguous. Parsing therefore yields every possible (namespace, name) split; the
service keeps the ones that exist. When several exist, the split Marquez's own heuristic picks (the
first ':' not starting `//` or a port number) wins, else the one with the shortest namespace.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from mdc_common.errors import BadInput

MAX_NODE_ID_CHARS = 4000

# Marquez's rule: a ':' followed by '//' (scheme) or digits (port) is part of the namespace.
_MARQUEZ_DELIMITER = re.compile(r":(?!//|\d+)")


class NodeKind(StrEnum):
    DATASET = "DATASET"
    JOB = "JOB"

    @property
    def prefix(self) -> str:
        return self.value.lower()


@dataclass(frozen=True, order=True)
class NodeKey:
    """A dataset or job by its OpenLineage identity."""

    kind: NodeKind
    namespace: str
    name: str
    # Computed once: graph walks hash, sort and print many thousands of them.
    node_id: str = field(init=False, compare=False, repr=False)
    _hash: int = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "node_id", f"{self.kind.prefix}:{self.namespace}:{self.name}")
        object.__setattr__(self, "_hash", hash((self.kind, self.namespace, self.name)))

    def __hash__(self) -> int:
        return self._hash


@dataclass(frozen=True, order=True)
class NodeRef:
    """A stored node: its identity plus the repository's row id (used to walk edges cheaply)."""

    key: NodeKey
    row_id: int
    _hash: int = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_hash", hash((self.key._hash, self.row_id)))

    def __hash__(self) -> int:
        return self._hash

    @property
    def kind(self) -> NodeKind:
        return self.key.kind

    @property
    def node_id(self) -> str:
        return self.key.node_id


@dataclass(frozen=True)
class ParsedNodeId:
    """A node id split every possible way; `preferred` lists the candidates best first."""

    raw: str
    kind: NodeKind
    candidates: tuple[NodeKey, ...]

    def preferred(self, existing: list[NodeKey]) -> NodeKey | None:
        """The candidate to use among those that exist, by the rule in the module docstring."""
        found = set(existing)
        marquez = _marquez_split(self)
        if marquez is not None and marquez in found:
            return marquez
        return next((c for c in self.candidates if c in found), None)


def parse_node_id(node_id: str) -> ParsedNodeId:
    if len(node_id) > MAX_NODE_ID_CHARS:
        raise BadInput(f"nodeId is longer than {MAX_NODE_ID_CHARS} characters")
    prefix, sep, rest = node_id.partition(":")
    kind = next((k for k in NodeKind if k.prefix == prefix), None)
    if kind is None or not sep:
        raise BadInput(
            "nodeId must look like 'dataset:NAMESPACE:NAME' or 'job:NAMESPACE:NAME',"
            f" got {node_id!r}"
        )
    # Shortest namespace first: the order used when Marquez's heuristic does not decide.
    candidates = tuple(
        NodeKey(kind, rest[:i], rest[i + 1 :])
        for i, char in enumerate(rest)
        if char == ":" and i > 0 and i < len(rest) - 1
    )
    if not candidates:
        raise BadInput(f"nodeId {node_id!r} has no ':' between a namespace and a name")
    return ParsedNodeId(node_id, kind, candidates)


def _marquez_split(parsed: ParsedNodeId) -> NodeKey | None:
    rest = parsed.raw.partition(":")[2]
    match = _MARQUEZ_DELIMITER.search(rest)
    if match is None or match.start() == 0 or match.end() == len(rest):
        return None
    return NodeKey(parsed.kind, rest[: match.start()], rest[match.end() :])
