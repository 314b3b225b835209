from __future__ import annotations

import pytest
from mdc_platform.ports import PortMap


def test_offsets_match_the_documented_map() -> None:
    p = PortMap(47000)
    assert p.services == {
        "catalog": 47001,
        "lineage": 47002,
        "change-detector": 47003,
        "profiler": 47004,
        "orchestrator-bridge": 47005,
    }
    assert (p.demo_files, p.postgres, p.s3) == (47010, 47032, 47033)
    assert (p.airflow, p.prometheus, p.kafka) == (47080, 47090, 47092)


def test_every_port_is_distinct_and_inside_the_block() -> None:
    ports = PortMap(57000).all_ports()
    assert len(ports) == len(set(ports))
    assert all(57000 <= port < 57100 for port in ports)


def test_weed_ports_are_all_explicit_in_40_to_49() -> None:
    w = PortMap(47000).weed
    values = list(vars(w).values())
    assert all(47040 <= v <= 47049 for v in values)
    assert len(set(values)) == len(values)


@pytest.mark.parametrize("base", [80, 65500])
def test_base_port_out_of_range_is_rejected(base: int) -> None:
    with pytest.raises(ValueError, match="out of range"):
        PortMap(base)
