"""``python -m gantutor train|sample|evaluate|reference``: the command line (:mod:`gantutor.book.cli`)."""

import sys

from .book.cli import main

sys.exit(main())
