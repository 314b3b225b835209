"""Local MDC platform launcher: `mdc up | down | status | logs | install`."""

from mdc_platform.errors import PlatformError
from mdc_platform.platform import Platform, ProcessStatus
from mdc_platform.ports import PortMap

__all__ = ["Platform", "PlatformError", "PortMap", "ProcessStatus"]
