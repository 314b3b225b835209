from __future__ import annotations

import json

import pytest
from mdc_platform.components.airflow import airflow_env
from mdc_platform.components.kafka import Kafka, topic_names
from mdc_platform.components.prometheus import config
from mdc_platform.components.s3 import weed_argv
from mdc_platform.components.services import Services, module, service_argv
from mdc_platform.context import Context

SERVICE_ENV_KEYS = {
    "MDC_KAFKA_BOOTSTRAP_SERVERS",
    "MDC_DB_URL",
    "MDC_S3_ENDPOINT",
    "MDC_S3_ACCESS_KEY",
    "MDC_S3_SECRET_KEY",
    "MDC_S3_REGION",
    "MDC_S3_SECURE",
    "MDC_AIRFLOW_URL",
    "MDC_AIRFLOW_USERNAME",
    "MDC_AIRFLOW_PASSWORD",
    "MDC_AIRFLOW_DAG_ID",
    "MDC_CATALOG_URL",
    "MDC_CATALOG_PROVIDER_API_KEYS",
    "MDC_CATALOG_ADMIN_API_KEYS",
    "MDC_STEPS_FILE",
    "MDC_LOG_LEVEL",
}


def test_service_env_contract(ctx: Context) -> None:
    env = ctx.service_env()
    assert set(env) == SERVICE_ENV_KEYS | {"MDC_CHANGE_DETECTOR_DEFAULT_INTERVAL_SECONDS"}
    assert env["MDC_KAFKA_BOOTSTRAP_SERVERS"] == "127.0.0.1:47092"
    assert env["MDC_DB_URL"] == "postgresql+asyncpg://postgres@127.0.0.1:47032/mdc"
    assert env["MDC_S3_ENDPOINT"] == "127.0.0.1:47033"
    assert env["MDC_S3_ACCESS_KEY"] == "mdc-access"
    assert env["MDC_S3_SECRET_KEY"] == ctx.secrets.s3_secret_key
    assert (env["MDC_S3_REGION"], env["MDC_S3_SECURE"]) == ("us-east-1", "false")
    assert env["MDC_AIRFLOW_URL"] == "http://127.0.0.1:47080"
    assert env["MDC_CATALOG_URL"] == "http://127.0.0.1:47001"
    assert env["MDC_CATALOG_PROVIDER_API_KEYS"] == ctx.secrets.provider_api_key
    assert env["MDC_CATALOG_ADMIN_API_KEYS"] == ctx.secrets.admin_api_key
    assert env["MDC_STEPS_FILE"] == str(ctx.repo_root / "deploy" / "steps.yaml")
    assert env["MDC_AIRFLOW_DAG_ID"] == "mdc_pipeline"


def test_extra_env_overrides(ctx: Context) -> None:
    assert ctx.service_env()["MDC_CHANGE_DETECTOR_DEFAULT_INTERVAL_SECONDS"] == "5"


def test_inherited_mdc_and_airflow_settings_do_not_leak(
    ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MDC_DB_URL", "postgresql://elsewhere/db")
    monkeypatch.setenv("AIRFLOW__CORE__EXECUTOR", "CeleryExecutor")
    monkeypatch.setenv("VIRTUAL_ENV", "/somewhere")
    base = ctx.base_env()
    assert "MDC_DB_URL" not in base
    assert "AIRFLOW__CORE__EXECUTOR" not in base
    assert "VIRTUAL_ENV" not in base
    service = Services().spec(ctx, "catalog")
    assert service.env["MDC_DB_URL"].endswith("@127.0.0.1:47032/mdc")


def test_airflow_env(ctx: Context) -> None:
    env = airflow_env(ctx)
    assert env["AIRFLOW_HOME"] == str(ctx.home / "airflow")
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] == (
        "postgresql+psycopg2://postgres@127.0.0.1:47032/airflow"
    )
    assert env["AIRFLOW__API__HOST"] == "127.0.0.1"
    assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://127.0.0.1:47080/execution/"
    assert env["AIRFLOW__CORE__LOAD_EXAMPLES"] == "False"
    assert env["AIRFLOW__CORE__PARALLELISM"] == "4"
    assert env["AIRFLOW__CORE__DAGS_FOLDER"] == str(ctx.repo_root / "deploy/airflow/dags")
    assert len(bytes.fromhex(env["AIRFLOW__API_AUTH__JWT_SECRET"])) == 64
    assert json.loads(env["AIRFLOW__OPENLINEAGE__TRANSPORT"]) == {
        "type": "http",
        "url": "http://127.0.0.1:47002",
        "endpoint": "api/v1/lineage",
    }
    assert env["AIRFLOW__OPENLINEAGE__NAMESPACE"] == "mdc"
    # tasks: the workspace interpreter plus the same MDC_* settings as the services
    assert env["MDC_PYTHON"] == str(ctx.repo_root / ".venv" / "bin" / "python")
    for key in ("MDC_STEPS_FILE", "MDC_CATALOG_URL", "MDC_S3_ENDPOINT", "MDC_S3_SECRET_KEY"):
        assert env[key] == ctx.service_env()[key]
    assert env["PATH"].startswith(str(ctx.airflow_venv / "bin"))


def test_service_command(ctx: Context) -> None:
    assert module("orchestrator-bridge") == "mdc_orchestrator_bridge"
    argv = service_argv(ctx, "change-detector")
    assert argv[1:5] == ["-m", "uvicorn", "--factory", "mdc_change_detector.app:create_app"]
    assert argv[5:9] == ["--host", "127.0.0.1", "--port", "47003"]
    assert argv[9:] == ["--h11-max-incomplete-event-size", "262144"]


def test_weed_listens_on_loopback_with_every_port_explicit(ctx: Context) -> None:
    argv = weed_argv(ctx)
    assert argv[1] == "mini"
    flags = dict(arg[1:].split("=", 1) for arg in argv[2:])
    assert flags["ip.bind"] == "127.0.0.1"
    assert flags["s3.port"] == "47033"
    assert (flags["webdav"], flags["admin.ui"]) == ("false", "false")
    assert (flags["s3.port.iceberg"], flags["s3.port.lance"]) == ("0", "0")
    ports = [int(v) for k, v in flags.items() if ".port" in k and k != "s3.port" and v != "0"]
    assert sorted(ports) == list(range(47040, 47049))


def test_tansu_uses_s3_storage(ctx: Context) -> None:
    spec = Kafka().spec(ctx)
    assert spec.argv[spec.argv.index("--storage-engine") + 1] == "s3://mdc-kafka/"
    assert spec.argv[spec.argv.index("--listener-url") + 1] == "tcp://127.0.0.1:47092"
    assert spec.env["AWS_ENDPOINT"] == "http://127.0.0.1:47033"
    assert spec.env["AWS_ALLOW_HTTP"] == "true"


def test_topics_come_from_the_contracts() -> None:
    from mdc_contracts.topics import Topic

    assert topic_names() == [t.value for t in Topic]


def test_prometheus_scrapes_the_five_services_every_5s(ctx: Context) -> None:
    cfg = config(ctx)
    assert cfg["global"]["scrape_interval"] == "5s"
    targets = {
        job["job_name"]: job["static_configs"][0]["targets"] for job in cfg["scrape_configs"]
    }
    assert targets["catalog"] == ["127.0.0.1:47001"]
    assert targets["orchestrator-bridge"] == ["127.0.0.1:47005"]
    assert len(targets) == 6  # five services + Prometheus itself


async def test_run_sync_works_inside_a_running_loop() -> None:
    from mdc_platform.components.kafka import run_sync

    async def answer() -> int:
        return 42

    assert run_sync(answer()) == 42


def test_without_airflow_the_bridge_only_has_to_answer() -> None:
    assert Services(airflow=False).lenient == ("orchestrator-bridge",)
    assert Services().lenient == ()
