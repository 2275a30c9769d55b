"""``python -m helpers <command>``: see :mod:`helpers.build.cli`."""

import sys

from helpers.build.cli import main

sys.exit(main())
