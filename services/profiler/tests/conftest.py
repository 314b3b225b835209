"""Test set-up of the profiler package."""

from __future__ import annotations

import sys
from pathlib import Path

# With --import-mode=importlib the test directory is not on sys.path; profiler_support (a name
# unique to this package) is imported from here.
sys.path.insert(0, str(Path(__file__).parent))
