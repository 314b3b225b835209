"""`python -m mdc_steps ...` is `mdc-step ...`."""

import sys

from mdc_steps.cli import main

sys.exit(main())
