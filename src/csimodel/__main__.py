"""``python -m csimodel`` runs the command line (same as the ``csimodel`` command)."""

import sys

from .cli import main

sys.exit(main())
