"""``python -m helpers.converters``: see :mod:`helpers.converters.cli`."""

import sys

from .cli import main

sys.exit(main())
