"""The five MDC services, each `python -m uvicorn --factory mdc_<pkg>.app:create_app`."""

from __future__ import annotations

from functools import partial

from mdc_platform.components.base import Say, await_ready, launch
from mdc_platform.context import Context
from mdc_platform.ports import HOST, SERVICE_OFFSETS
from mdc_platform.process import ProcessSpec
from mdc_platform.wait import http_answers, http_ok

SERVICES: tuple[str, ...] = tuple(SERVICE_OFFSETS)
HEALTH_TIMEOUT = 120.0  # a consumer-group join alone takes 5-8 s; 2 busy cores are slow


MAX_REQUEST_HEAD_BYTES = 256 * 1024


def module(service: str) -> str:
    """'change-detector' -> 'mdc_change_detector'."""
    return "mdc_" + service.replace("-", "_")


def service_argv(ctx: Context, service: str) -> list[str]:
    return [
        str(ctx.workspace_python),
        "-m",
        "uvicorn",
        "--factory",
        f"{module(service)}.app:create_app",
        "--host",
        HOST,
        "--port",
        str(ctx.ports.service(service)),
        # h11 refuses a request head over 16 KiB by resetting the connection; a long column
        # list in a query (up to 20,000 characters, 180 KB URL-encoded) must get an answer.
        "--h11-max-incomplete-event-size",
        str(MAX_REQUEST_HEAD_BYTES),
    ]


class Services:
    def __init__(self, names: tuple[str, ...] = SERVICES, *, airflow: bool = True) -> None:
        self.processes = names
        #: Without Airflow the bridge's /healthz reports 503: then "answers HTTP" is ready enough.
        self.lenient = () if airflow else ("orchestrator-bridge",)

    def spec(self, ctx: Context, service: str) -> ProcessSpec:
        env = ctx.base_env()
        env.update(ctx.service_env())
        return ProcessSpec(
            name=service,
            argv=service_argv(ctx, service),
            env=env,
            cwd=ctx.repo_root,
            port=ctx.ports.service(service),
        )

    def ensure(self, ctx: Context, say: Say) -> None:
        launched = [launch(ctx, self.spec(ctx, name)) for name in self.processes]
        for item in launched:
            url = f"{ctx.url(ctx.ports.service(item.spec.name))}/healthz"
            lenient = item.spec.name in self.lenient
            await_ready(
                ctx,
                item,
                partial(http_answers if lenient else http_ok, url),
                timeout=HEALTH_TIMEOUT,
                say=say,
                what="answering (Airflow is off)" if lenient else "healthy",
            )
