"""The catalog's provider-side definitions as one YAML document, for review in git.

```yaml
sources:            # live sources (paused ones with active: false), by name
- name: palmer-penguins
  url: https://...
  ...
specs:              # the latest published spec of each dataset, by dataset name
  palmer-penguins: {columns: [...], select: [...]}
steps:              # processing steps, by name
- name: penguins_by_species
  ...
```

Deterministic, so that export -> import -> export gives the same bytes: keys sorted, lists whose
order means nothing (tags, inputs, outputs, sources, steps) sorted, defaults of specs left out,
no ids, timestamps or revisions, and no YAML anchors.
"""

from __future__ import annotations

import uuid
from enum import Enum
from typing import Any

import yaml
from mdc_contracts import DatasetSpec

from mdc_catalog.models import Source
from mdc_catalog.repository import CatalogRepository
from mdc_catalog.schemas import MAX_PAGE_SIZE, DatasetFilter, SourceFilter
from mdc_catalog.steps import ProcessingStep, StepRepository, step_fields

# The fields of a source an import sets, and so the ones an export writes.
SOURCE_FIELDS = (
    "name",
    "url",
    "check_interval_seconds",
    "title",
    "description",
    "publisher",
    "license",
    "tags",
    "cadence",
    "active",
)


class _Dumper(yaml.SafeDumper):
    """Block style for multi-line text (reviewable diffs); never anchors and aliases."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    # PyYAML falls back to a quoted scalar when a block cannot hold the text exactly.
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


def dump_yaml(document: dict[str, Any]) -> str:
    text: str = yaml.dump(
        document,
        Dumper=_Dumper,
        sort_keys=True,
        allow_unicode=True,
        default_flow_style=False,
        indent=2,
        width=100,
    )
    return text


def source_entry(source: Source) -> dict[str, Any]:
    entry = {name: getattr(source, name) for name in SOURCE_FIELDS}
    entry["tags"] = sorted(entry["tags"])
    # Enums (cadence) as their plain value: the safe dumper writes only plain types.
    return {k: v.value if isinstance(v, Enum) else v for k, v in entry.items() if v is not None}


def spec_entry(spec: dict[str, Any]) -> dict[str, Any]:
    # Through the contract, so stored JSON and imported YAML come out alike.
    return DatasetSpec.model_validate(spec).model_dump(mode="json", exclude_defaults=True)


def step_entry(step: ProcessingStep) -> dict[str, Any]:
    entry = {"name": step.name, **step_fields(step)}
    entry["inputs"] = sorted(entry["inputs"])
    entry["outputs"] = sorted(entry["outputs"])
    return entry


async def live_sources(repo: CatalogRepository) -> list[Source]:
    found: list[Source] = []
    while True:
        page, total = await repo.list_sources(SourceFilter(limit=MAX_PAGE_SIZE, offset=len(found)))
        found.extend(page)
        if not page or len(found) >= total:
            return found


async def spec_holders(repo: CatalogRepository, sources: list[Source]) -> dict[str, uuid.UUID]:
    """Dataset name -> id of every dataset that may have a spec: live sources (a source's
    dataset has the source's id, and may have a spec before its first version) and datasets."""
    holders = {source.name: source.id for source in sources}
    offset = 0
    while True:
        page, total = await repo.search_datasets(DatasetFilter(limit=MAX_PAGE_SIZE, offset=offset))
        for dataset in sorted(page, key=lambda d: str(d.id)):
            holders.setdefault(dataset.name, dataset.id)
        offset += len(page)
        if not page or offset >= total:
            return holders


async def export_document(repo: CatalogRepository, steps: StepRepository) -> dict[str, Any]:
    sources = sorted(await live_sources(repo), key=lambda s: s.name)
    specs: dict[str, Any] = {}
    for name, dataset_id in sorted((await spec_holders(repo, sources)).items()):
        records = await repo.list_specs(dataset_id)  # newest first
        if records:
            specs[name] = spec_entry(records[0].spec)
    return {
        "sources": [source_entry(s) for s in sources],
        "specs": specs,
        "steps": [step_entry(s) for s in sorted(await steps.all_steps(), key=lambda s: s.name)],
    }
