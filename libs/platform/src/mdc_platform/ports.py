"""The port map: every listening port is an offset from one base port."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_BASE_PORT = 57000
HOST = "127.0.0.1"

#: Offsets of the MDC services' HTTP ports, by service name.
SERVICE_OFFSETS: dict[str, int] = {
    "catalog": 1,
    "lineage": 2,
    "change-detector": 3,
    "profiler": 4,
    "orchestrator-bridge": 5,
}


@dataclass(frozen=True)
class WeedPorts:
    """Every port `weed mini` opens besides S3 itself (offsets +40..+48)."""

    master: int
    master_grpc: int
    volume: int
    volume_grpc: int
    filer: int
    filer_grpc: int
    s3_grpc: int
    admin: int
    admin_grpc: int


@dataclass(frozen=True)
class PortMap:
    base: int

    def __post_init__(self) -> None:
        if not 1024 <= self.base <= 65535 - 99:
            raise ValueError(f"base port {self.base} out of range 1024..{65535 - 99}")

    @property
    def demo_files(self) -> int:
        return self.base + 10

    @property
    def postgres(self) -> int:
        return self.base + 32

    @property
    def s3(self) -> int:
        return self.base + 33

    @property
    def airflow(self) -> int:
        return self.base + 80

    @property
    def prometheus(self) -> int:
        return self.base + 90

    @property
    def kafka(self) -> int:
        return self.base + 92

    @property
    def weed(self) -> WeedPorts:
        b = self.base + 40
        return WeedPorts(
            master=b,
            master_grpc=b + 1,
            volume=b + 2,
            volume_grpc=b + 3,
            filer=b + 4,
            filer_grpc=b + 5,
            s3_grpc=b + 6,
            admin=b + 7,
            admin_grpc=b + 8,
        )

    def service(self, name: str) -> int:
        return self.base + SERVICE_OFFSETS[name]

    @property
    def services(self) -> dict[str, int]:
        return {name: self.base + off for name, off in SERVICE_OFFSETS.items()}

    def all_ports(self) -> list[int]:
        """Every port the platform may listen on (for collision checks and tests)."""
        w = self.weed
        weed = [w.master, w.master_grpc, w.volume, w.volume_grpc, w.filer, w.filer_grpc]
        weed += [w.s3_grpc, w.admin, w.admin_grpc]
        fixed = [self.demo_files, self.postgres, self.s3, self.airflow, self.prometheus, self.kafka]
        return sorted([*self.services.values(), *fixed, *weed])
