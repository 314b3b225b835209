"""At-least-once delivery on the real broker: re-delivery changes nothing, malformed events are
dead-lettered with the reason, and the consumers keep going."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from mdc_contracts import ColumnProfile, DatasetVersionCreated, DeadLetter, StatType, Topic

from tests.support.stack import Stack, wait_for

pytestmark = pytest.mark.integration


def _version_event(dataset_id: uuid.UUID, change_id: uuid.UUID) -> DatasetVersionCreated:
    return DatasetVersionCreated(
        event_id=uuid.uuid5(change_id, "version"),
        producer="integration-test",
        correlation_id=change_id,
        dataset_id=dataset_id,
        dataset_name=f"redelivered-{dataset_id.hex[:8]}",
        source_id=dataset_id,
        change_id=change_id,
        version=1,
        raw_sha256="0" * 64,
        parquet_uri="s3://mdc-curated/datasets/redelivered/v1.parquet",
        row_count=3,
        columns=[
            ColumnProfile(
                name="a",
                position=0,
                dtype="Int64",
                stat_type=StatType.COUNT,
                stat_type_confidence=0.9,
                stat_type_evidence="test",
                null_count=0,
                distinct_count=3,
            )
        ],
        encoding="utf-8",
        delimiter=",",
        created_at=datetime.now(UTC),
    )


async def _send(bootstrap: str, topic: Topic, payloads: list[bytes], key: bytes) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for payload in payloads:
            await producer.send_and_wait(topic.value, payload, key=key)
    finally:
        await producer.stop()


async def _dead_letters(bootstrap: str, marker: str, wait_seconds: float = 30) -> list[DeadLetter]:
    consumer = AIOKafkaConsumer(
        Topic.DEAD_LETTERS.value,
        bootstrap_servers=bootstrap,
        group_id=f"test-{uuid.uuid4()}",
        auto_offset_reset="earliest",
    )
    await consumer.start()
    found: list[DeadLetter] = []
    try:
        deadline = asyncio.get_running_loop().time() + wait_seconds
        while not found and asyncio.get_running_loop().time() < deadline:
            batch = await consumer.getmany(timeout_ms=1000)
            for records in batch.values():
                for record in records:
                    letter = DeadLetter.model_validate_json(record.value)
                    if marker in letter.payload:
                        found.append(letter)
    finally:
        await consumer.stop()
    return found


def test_redelivered_version_event_changes_nothing(stack: Stack) -> None:
    dataset_id, change_id = uuid.uuid4(), uuid.uuid4()
    event = _version_event(dataset_id, change_id)
    payload = event.model_dump_json().encode()
    bootstrap = stack.env["MDC_KAFKA_BOOTSTRAP_SERVERS"]
    asyncio.run(
        _send(
            bootstrap,
            Topic.DATASET_VERSIONS,
            [payload, payload, payload],
            key=str(dataset_id).encode(),
        )
    )

    dataset: dict[str, Any] = wait_for(
        lambda: stack.dataset_by_name(event.dataset_name), what="the re-delivered dataset"
    )
    # A later, distinct event on the same partition proves the duplicates were consumed.
    marker_id = uuid.uuid4()
    marker = _version_event(marker_id, uuid.uuid4())
    asyncio.run(
        _send(
            bootstrap,
            Topic.DATASET_VERSIONS,
            [marker.model_dump_json().encode()],
            key=str(dataset_id).encode(),
        )
    )
    wait_for(lambda: stack.dataset_by_name(marker.dataset_name), what="the marker dataset")

    versions = stack.catalog.get(f"/datasets/{dataset['id']}/versions").json()
    items = versions["items"] if isinstance(versions, dict) else versions
    assert [v["version"] for v in items] == [1]
    assert len(stack.catalog.get(f"/datasets/{dataset['id']}").json()["columns"]) == 1


def test_malformed_event_is_dead_lettered_and_consumers_keep_going(stack: Stack) -> None:
    bootstrap = stack.env["MDC_KAFKA_BOOTSTRAP_SERVERS"]
    marker = f"malformed-{uuid.uuid4()}"
    bad = json.dumps({"event_type": "DatasetVersionCreated", "dataset_name": marker}).encode()
    asyncio.run(
        _send(
            bootstrap,
            Topic.DATASET_VERSIONS,
            [bad, b"\xff not json " + marker.encode()],
            key=b"bad",
        )
    )

    letters = asyncio.run(_dead_letters(bootstrap, marker))
    assert letters, "the malformed event was not dead-lettered"
    assert any("malformed DatasetVersionCreated" in letter.error for letter in letters)

    good = _version_event(uuid.uuid4(), uuid.uuid4())
    asyncio.run(
        _send(bootstrap, Topic.DATASET_VERSIONS, [good.model_dump_json().encode()], key=b"bad")
    )
    wait_for(lambda: stack.dataset_by_name(good.dataset_name), what="the catalog to keep consuming")


async def _committed_offsets(bootstrap: str, group_id: str, topic: Topic) -> dict[int, int | None]:
    from aiokafka import TopicPartition

    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group_id)
    await consumer.start()
    try:
        partitions = consumer.partitions_for_topic(topic.value) or set()
        if not partitions:
            await consumer._client.force_metadata_update()
            partitions = consumer.partitions_for_topic(topic.value) or set()
        return {p: await consumer.committed(TopicPartition(topic.value, p)) for p in partitions}
    finally:
        await consumer.stop()


def test_consumers_commit_their_offsets(stack: Stack) -> None:
    """After handling, the catalog's group has committed offsets, so a restart does not replay."""
    bootstrap = stack.env["MDC_KAFKA_BOOTSTRAP_SERVERS"]
    event = _version_event(uuid.uuid4(), uuid.uuid4())
    asyncio.run(
        _send(bootstrap, Topic.DATASET_VERSIONS, [event.model_dump_json().encode()], key=b"offsets")
    )
    wait_for(lambda: stack.dataset_by_name(event.dataset_name), what="the event to be handled")

    def committed() -> dict[int, int | None] | None:
        offsets = asyncio.run(
            _committed_offsets(
                bootstrap, f"catalog.{Topic.DATASET_VERSIONS.value}", Topic.DATASET_VERSIONS
            )
        )
        return offsets if any(offsets.values()) else None

    offsets = wait_for(committed, timeout=30, interval=1, what="committed offsets")
    assert any((offset or 0) > 0 for offset in offsets.values()), offsets
