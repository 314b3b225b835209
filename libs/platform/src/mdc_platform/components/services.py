"""The five MDC services, each `python -m uvicorn --factory mdc_<pkg>.app:create_app`."""

from __future__ import annotations

from functools import partial

from mdc_platform.components.base import Say, await_ready, launch
from mdc_platform.context import Context
from mdc_platform.ports import HOST, SERVICE_OFFSETS
from mdc_platform.process import ProcessSpec
from mdc_platform.wait import http_ok

SERVICES: tuple[str, ...] = tuple(SERVICE_OFFSETS)
HEALTH_TIMEOUT = 60.0


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
    ]


class Services:
    def __init__(self, names: tuple[str, ...] = SERVICES) -> None:
        self.processes = names

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
            await_ready(
                ctx,
                item,
                partial(http_ok, url),
                timeout=HEALTH_TIMEOUT,
                say=say,
                what="healthy",
            )
