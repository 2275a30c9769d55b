"""``python -m helpers <command>``: see :mod:`helpers.engine.cli`."""

import sys

from helpers.engine.cli import main

sys.exit(main())
