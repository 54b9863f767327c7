"""``python -m gantutor.bench``: the speed benchmark's command. Its code is :mod:`gantutor.book.bench`."""

from .book.bench import main

if __name__ == "__main__":
    raise SystemExit(main())
